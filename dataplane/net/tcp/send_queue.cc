#include "dataplane/net/tcp/send_queue.hh"

#include <cstring>

namespace sstpgw::tcp {

void send_queue::append_chain(rte_mbuf* chain) {
  while (chain != nullptr) {
    rte_mbuf* next = chain->next;
    chain->next = nullptr;
    if (chain->data_len == 0) {
      rte_pktmbuf_free_seg(chain);
    } else {
      chain->nb_segs = 1;
      chain->pkt_len = chain->data_len;
      if (tail_ != nullptr)
        tail_->next = chain;
      else
        head_ = chain;
      tail_ = chain;
      bytes_ += chain->data_len;
      tail_is_ours_ = false;
    }
    chain = next;
  }
}

uint32_t send_queue::append_bytes(rte_mempool* pool, const uint8_t* data, uint32_t len) {
  uint32_t done = 0;
  if (tail_ != nullptr && tail_is_ours_) {
    const uint32_t room = rte_pktmbuf_tailroom(tail_);
    const uint32_t n = room < len ? room : len;
    if (n > 0) {
      std::memcpy(rte_pktmbuf_mtod_offset(tail_, uint8_t*, tail_->data_len), data, n);
      tail_->data_len = static_cast<uint16_t>(tail_->data_len + n);
      tail_->pkt_len += n;
      bytes_ += n;
      done = n;
    }
  }
  while (done < len) {
    rte_mbuf* m = rte_pktmbuf_alloc(pool);
    if (m == nullptr) break;
    // Payload segments need no headroom: headers live in a separate mbuf.
    m->data_off = 0;
    const uint32_t room = rte_pktmbuf_tailroom(m);
    const uint32_t n = room < len - done ? room : len - done;
    std::memcpy(rte_pktmbuf_mtod(m, uint8_t*), data + done, n);
    m->data_len = static_cast<uint16_t>(n);
    m->pkt_len = n;
    if (tail_ != nullptr)
      tail_->next = m;
    else
      head_ = m;
    tail_ = m;
    tail_is_ours_ = true;
    bytes_ += n;
    done += n;
  }
  return done;
}

void send_queue::ack(uint32_t n) {
  if (n > bytes_) n = bytes_;
  bytes_ -= n;
  while (n > 0) {
    rte_mbuf* m = head_;
    if (n < m->data_len) {
      m->data_off = static_cast<uint16_t>(m->data_off + n);
      m->data_len = static_cast<uint16_t>(m->data_len - n);
      m->pkt_len = m->data_len;
      if (cur_ != nullptr) cur_start_ -= n;
      if (cur_ == m) cur_start_ = 0;
      return;
    }
    n -= m->data_len;
    if (cur_ == m)
      cur_ = nullptr;
    else if (cur_ != nullptr)
      cur_start_ -= m->data_len;
    head_ = m->next;
    m->next = nullptr;
    rte_pktmbuf_free_seg(m);
    if (head_ == nullptr) {
      tail_ = nullptr;
      tail_is_ours_ = false;
    }
  }
}

rte_mbuf* send_queue::locate(uint32_t offset, uint32_t& offset_in_seg) {
  rte_mbuf* m = head_;
  uint32_t start = 0;
  if (cur_ != nullptr && cur_start_ <= offset) {
    m = cur_;
    start = cur_start_;
  }
  while (m != nullptr && offset >= start + m->data_len) {
    start += m->data_len;
    m = m->next;
  }
  if (m != nullptr) {
    cur_ = m;
    cur_start_ = start;
  }
  offset_in_seg = offset - start;
  return m;
}

void send_queue::copy_out(uint32_t offset, uint32_t len, uint8_t* out) {
  uint32_t in_seg = 0;
  rte_mbuf* m = locate(offset, in_seg);
  while (len > 0 && m != nullptr) {
    uint32_t n = m->data_len - in_seg;
    if (n > len) n = len;
    std::memcpy(out, rte_pktmbuf_mtod_offset(m, const uint8_t*, in_seg), n);
    out += n;
    len -= n;
    in_seg = 0;
    m = m->next;
  }
}

void send_queue::clear() {
  rte_mbuf* m = head_;
  while (m != nullptr) {
    rte_mbuf* next = m->next;
    m->next = nullptr;
    rte_pktmbuf_free_seg(m);
    m = next;
  }
  head_ = tail_ = cur_ = nullptr;
  bytes_ = 0;
  cur_start_ = 0;
  tail_is_ours_ = false;
}

}  // namespace sstpgw::tcp
