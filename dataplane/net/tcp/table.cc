// The connection table: a fixed array of TCBs addressed by 32-bit index, a
// chained hash on the 4-tuple, a free list, and the two bounded FIFOs that
// keep TIME-WAIT and half-open entries from taking the whole table.
#include <algorithm>

#include "dataplane/net/tcp/stack.hh"

namespace sstpgw::tcp {

const char* to_string(close_reason r) {
  switch (r) {
    case close_reason::normal:
      return "normal";
    case close_reason::reset:
      return "reset";
    case close_reason::refused:
      return "refused";
    case close_reason::timeout:
      return "timeout";
    case close_reason::keepalive:
      return "keepalive";
    case close_reason::aborted:
      return "aborted";
  }
  return "?";
}

// --- SACK scoreboard -------------------------------------------------------

void sack_scoreboard::add(tcp_seq left, tcp_seq right) {
  if (!(left < right)) return;
  // Insert keeping order, then merge overlapping or touching neighbours.
  unsigned pos = 0;
  while (pos < count && b[pos].left < left) ++pos;
  if (count == kMax) {
    if (pos == kMax) return;
    --count;  // lose the highest block
  }
  for (unsigned k = count; k > pos; --k) b[k] = b[k - 1];
  b[pos] = {left, right};
  ++count;
  unsigned out = 0;
  for (unsigned k = 1; k < count; ++k) {
    if (b[k].left <= b[out].right) {
      b[out].right = seq_max(b[out].right, b[k].right);
    } else {
      b[++out] = b[k];
    }
  }
  count = static_cast<uint8_t>(out + 1);
}

void sack_scoreboard::drop_below(tcp_seq una) {
  unsigned out = 0;
  for (unsigned k = 0; k < count; ++k) {
    if (b[k].right <= una) continue;
    b[out] = b[k];
    if (b[out].left < una) b[out].left = una;
    ++out;
  }
  count = static_cast<uint8_t>(out);
}

uint32_t sack_scoreboard::bytes() const {
  uint32_t n = 0;
  for (unsigned k = 0; k < count; ++k) n += static_cast<uint32_t>(b[k].right - b[k].left);
  return n;
}

uint32_t sack_scoreboard::bytes_below(tcp_seq s) const {
  uint32_t n = 0;
  for (unsigned k = 0; k < count && b[k].left < s; ++k)
    n += static_cast<uint32_t>(seq_min(b[k].right, s) - b[k].left);
  return n;
}

tcp_seq sack_scoreboard::skip(tcp_seq s) const {
  for (unsigned k = 0; k < count; ++k)
    if (b[k].left <= s && s < b[k].right) return b[k].right;
  return s;
}

tcp_seq sack_scoreboard::next_block_after(tcp_seq s, tcp_seq limit) const {
  for (unsigned k = 0; k < count; ++k)
    if (b[k].left > s) return seq_min(b[k].left, limit);
  return limit;
}

// --- table -----------------------------------------------------------------

uint32_t stack::bucket_of(const four_tuple& t) const {
  // Multiply-shift over the tuple mixed with the secret; the table is never
  // larger than the connections it holds, so chains stay short.
  uint64_t h = (uint64_t{t.remote_ip} << 32 | t.local_ip) ^ cfg_.secret.k0;
  h *= 0x9E3779B97F4A7C15ULL;
  h ^= (uint64_t{t.remote_port} << 16 | t.local_port) ^ cfg_.secret.k1;
  h *= 0xC2B2AE3D27D4EB4FULL;
  h ^= h >> 29;
  return static_cast<uint32_t>(h) & bucket_mask_;
}

uint32_t stack::lookup(const four_tuple& t) const {
  for (uint32_t i = buckets_[bucket_of(t)]; i != kNoIndex; i = tcbs_[i].hash_next)
    if (tcbs_[i].tuple == t) return i;
  return kNoIndex;
}

void stack::hash_insert(uint32_t i) {
  const uint32_t b = bucket_of(tcbs_[i].tuple);
  tcbs_[i].hash_next = buckets_[b];
  buckets_[b] = i;
}

void stack::hash_remove(uint32_t i) {
  uint32_t* p = &buckets_[bucket_of(tcbs_[i].tuple)];
  while (*p != kNoIndex) {
    if (*p == i) {
      *p = tcbs_[i].hash_next;
      tcbs_[i].hash_next = kNoIndex;
      return;
    }
    p = &tcbs_[*p].hash_next;
  }
}

void stack::init_tcb(tcb& t, const four_tuple& tu) {
  // The pending list may still hold this index (freed while listed): keep its link.
  const bool pending = t.in_pending;
  const uint32_t pending_next = t.pending_next;
  t = tcb{};
  t.in_pending = pending;
  t.pending_next = pending_next;
  t.tuple = tu;
  t.in_use = true;
  t.rtt = rtt_estimator(cfg_.rto);
  t.last_rx = now_;
}

uint32_t stack::alloc_tcb(const four_tuple& tu) {
  if (free_head_ == kNoIndex) reclaim_time_wait();
  if (free_head_ == kNoIndex) {
    counters_.add(tcp_counter::conn_table_full);
    return kNoIndex;
  }
  const uint32_t i = free_head_;
  free_head_ = tcbs_[i].tw_next;
  init_tcb(tcbs_[i], tu);
  hash_insert(i);
  ++in_use_;
  return i;
}

void stack::free_tcb(uint32_t i) {
  tcb& t = tcbs_[i];
  if (!t.in_use) return;
  t.send_q.clear();
  reass_.clear(t.reass);
  wheel_.cancel(i);
  t.in_use = false;
  t.state = tcp_state::closed;
  t.app_visible = false;
  t.tw_next = free_head_;
  t.tw_prev = kNoIndex;
  free_head_ = i;
  --in_use_;
}

void stack::enter_time_wait(uint32_t i) {
  tcb& t = tcbs_[i];
  if (t.state == tcp_state::syn_received) half_open_remove(i);
  t.state = tcp_state::time_wait;
  t.send_q.clear();
  reass_.clear(t.reass);
  t.rtx_deadline = t.persist_deadline = t.delack_deadline = t.keepalive_deadline = kNever;
  t.linger_deadline = now_ + cfg_.time_wait_ns;
  arm(i);
  // Append to the FIFO; the oldest goes when the bound is exceeded.
  t.tw_next = kNoIndex;
  t.tw_prev = tw_tail_;
  if (tw_tail_ != kNoIndex)
    tcbs_[tw_tail_].tw_next = i;
  else
    tw_head_ = i;
  tw_tail_ = i;
  ++time_wait_;
  if (time_wait_ > cfg_.max_time_wait) reclaim_time_wait();
}

void stack::time_wait_unlink(uint32_t i) {
  tcb& t = tcbs_[i];
  if (t.tw_prev != kNoIndex)
    tcbs_[t.tw_prev].tw_next = t.tw_next;
  else
    tw_head_ = t.tw_next;
  if (t.tw_next != kNoIndex)
    tcbs_[t.tw_next].tw_prev = t.tw_prev;
  else
    tw_tail_ = t.tw_prev;
  t.tw_next = t.tw_prev = kNoIndex;
  --time_wait_;
}

// Ends a TIME-WAIT entry and frees its slot (nothing else refers to it).
void stack::time_wait_end(uint32_t i) {
  time_wait_unlink(i);
  hash_remove(i);
  free_tcb(i);
}

// Ends the oldest TIME-WAIT entry early, to respect the bound.
bool stack::reclaim_time_wait() {
  if (tw_head_ == kNoIndex) return false;
  counters_.add(tcp_counter::time_wait_recycled);
  time_wait_end(tw_head_);
  return true;
}

void stack::half_open_add(uint32_t i) {
  tcb& t = tcbs_[i];
  t.tw_next = kNoIndex;
  t.tw_prev = ho_tail_;
  if (ho_tail_ != kNoIndex)
    tcbs_[ho_tail_].tw_next = i;
  else
    ho_head_ = i;
  ho_tail_ = i;
  ++half_open_;
}

void stack::half_open_remove(uint32_t i) {
  tcb& t = tcbs_[i];
  if (t.tw_prev != kNoIndex)
    tcbs_[t.tw_prev].tw_next = t.tw_next;
  else
    ho_head_ = t.tw_next;
  if (t.tw_next != kNoIndex)
    tcbs_[t.tw_next].tw_prev = t.tw_prev;
  else
    ho_tail_ = t.tw_prev;
  t.tw_next = t.tw_prev = kNoIndex;
  --half_open_;
}

bool stack::is_listening(uint16_t port) const {
  return std::find(listeners_.begin(), listeners_.end(), port) != listeners_.end();
}

}  // namespace sstpgw::tcp
