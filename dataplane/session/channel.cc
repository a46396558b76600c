#include "dataplane/session/channel.hh"

#include <rte_errno.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "dataplane/common/log.hh"

namespace sstpgw::session {

std::string_view name_of(phase p) {
  switch (p) {
    case phase::raw: return "raw";
    case phase::http: return "http";
    case phase::sstp: return "sstp";
  }
  return "?";
}

std::string_view name_of(message_type t) {
  switch (t) {
    case message_type::stream_bytes: return "stream_bytes";
    case message_type::sstp_packet: return "sstp_packet";
    case message_type::closed: return "closed";
    case message_type::send_raw: return "send_raw";
    case message_type::install_keys: return "install_keys";
    case message_type::send_plaintext: return "send_plaintext";
    case message_type::start_sstp: return "start_sstp";
    case message_type::returned_bytes: return "returned_bytes";
    case message_type::data_path_up: return "data_path_up";
    case message_type::data_path_down: return "data_path_down";
    case message_type::close: return "close";
  }
  return "?";
}

std::string_view name_of(close_reason r) {
  switch (r) {
    case close_reason::peer_fin: return "peer closed the TCP connection";
    case close_reason::peer_reset: return "peer reset the TCP connection";
    case close_reason::timeout: return "TCP timeout";
    case close_reason::tcp_aborted: return "TCP aborted by the stack";
    case close_reason::close_requested: return "closed on request";
    case close_reason::tls_alert_received: return "peer sent a fatal TLS alert";
    case close_reason::tls_close_notify: return "peer sent TLS close_notify";
    case close_reason::tls_error: return "TLS record error";
    case close_reason::invalid_sstp: return "invalid SSTP framing";
    case close_reason::ring_full: return "message ring to the control thread full";
    case close_reason::no_resources: return "out of messages, mbufs or queue space";
    case close_reason::protocol_violation: return "control messages broke the worker contract";
    case close_reason::shutdown: return "worker stopped";
  }
  return "?";
}

void release(message* m) {
  if (m == nullptr) return;
  if (m->bytes) rte_pktmbuf_free(m->bytes);
  m->bytes = nullptr;
  if (m->type == message_type::install_keys) {
    tls::wipe(m->read_keys);
    tls::wipe(m->write_keys);
  }
  rte_mempool_put(rte_mempool_from_obj(m), m);
}

rte_mbuf* make_chain(rte_mempool* pool, std::span<const uint8_t> bytes) {
  rte_mbuf* head = rte_pktmbuf_alloc(pool);
  if (head == nullptr) return nullptr;
  rte_mbuf* tail = head;
  size_t off = 0;
  while (off < bytes.size()) {
    uint16_t room = rte_pktmbuf_tailroom(tail);
    if (room == 0) {
      rte_mbuf* n = rte_pktmbuf_alloc(pool);
      if (n == nullptr || rte_pktmbuf_chain(head, n) != 0) {
        if (n) rte_pktmbuf_free(n);
        rte_pktmbuf_free(head);
        return nullptr;
      }
      tail = n;
      room = rte_pktmbuf_tailroom(tail);
    }
    const auto k = static_cast<uint16_t>(std::min<size_t>(room, bytes.size() - off));
    std::memcpy(rte_pktmbuf_mtod_offset(tail, uint8_t*, tail->data_len), bytes.data() + off, k);
    tail->data_len = static_cast<uint16_t>(tail->data_len + k);
    head->pkt_len += k;
    off += k;
  }
  return head;
}

void append_bytes(const rte_mbuf* chain, std::vector<uint8_t>& out) {
  for (const rte_mbuf* s = chain; s != nullptr; s = s->next) {
    const auto* p = rte_pktmbuf_mtod(s, const uint8_t*);
    out.insert(out.end(), p, p + s->data_len);
  }
}

// ---- control end ----------------------------------------------------------

message* control_end::alloc(session_id s, message_type t) {
  if (s.worker() >= ch_.size()) return nullptr;
  void* p = nullptr;
  if (rte_mempool_get(ch_[s.worker()].worker_messages, &p) != 0) {
    counters_.add(channel_counter::pool_empty);
    defer_close(s);
    return nullptr;
  }
  auto* m = static_cast<message*>(p);
  *m = message{};
  m->session = s;
  m->type = t;
  return m;
}

bool control_end::enqueue(message* m) {
  const session_id s = m->session;
  if (m->type != message_type::close && deferred(s)) {
    // The session is being closed after an earlier drop: nothing more for it.
    release(m);
    return false;
  }
  if (rte_ring_sp_enqueue(ch_[s.worker()].to_worker, m) != 0) {
    counters_.add(channel_counter::ring_full);
    const bool was_close = m->type == message_type::close;
    release(m);
    if (!was_close || !deferred(s)) defer_close(s);
    return false;
  }
  counters_.add(channel_counter::sent);
  return true;
}

void control_end::defer_close(session_id s) {
  if (deferred(s)) return;
  deferred_.push_back(s);
  counters_.add(channel_counter::deferred_closes);
}

bool control_end::deferred(session_id s) const {
  return std::find(deferred_.begin(), deferred_.end(), s) != deferred_.end();
}

void control_end::flush_closes() {
  while (!deferred_.empty()) {
    const session_id s = deferred_.front();
    void* p = nullptr;
    if (rte_mempool_get(ch_[s.worker()].worker_messages, &p) != 0) return;
    auto* m = static_cast<message*>(p);
    *m = message{};
    m->session = s;
    m->type = message_type::close;
    m->graceful = false;
    if (rte_ring_sp_enqueue(ch_[s.worker()].to_worker, m) != 0) {
      rte_mempool_put(ch_[s.worker()].worker_messages, m);
      return;
    }
    counters_.add(channel_counter::sent);
    deferred_.erase(deferred_.begin());
  }
}

bool control_end::with_bytes(session_id s, message_type t, std::span<const uint8_t> bytes, uint64_t consumed) {
  if (s.worker() >= ch_.size()) return false;
  rte_mbuf* chain = nullptr;
  if (!bytes.empty()) {
    chain = make_chain(ch_[s.worker()].control_mbufs, bytes);
    if (chain == nullptr) {
      counters_.add(channel_counter::no_mbuf);
      defer_close(s);
      return false;
    }
  }
  message* m = alloc(s, t);
  if (m == nullptr) {
    if (chain) rte_pktmbuf_free(chain);
    return false;
  }
  m->bytes = chain;
  m->consumed = consumed;
  return enqueue(m);
}

bool control_end::send_raw(session_id s, std::span<const uint8_t> bytes) {
  return with_bytes(s, message_type::send_raw, bytes, 0);
}
bool control_end::send_plaintext(session_id s, std::span<const uint8_t> bytes) {
  return with_bytes(s, message_type::send_plaintext, bytes, 0);
}
bool control_end::returned_bytes(session_id s, std::span<const uint8_t> bytes) {
  return with_bytes(s, message_type::returned_bytes, bytes, 0);
}
bool control_end::start_sstp(session_id s, uint64_t consumed, std::span<const uint8_t> returned) {
  return with_bytes(s, message_type::start_sstp, returned, consumed);
}

bool control_end::send_chain(session_id s, message_type t, rte_mbuf* chain) {
  message* m = alloc(s, t);
  if (m == nullptr) {
    if (chain) rte_pktmbuf_free(chain);
    return false;
  }
  m->bytes = chain;
  return enqueue(m);
}

bool control_end::install_keys(session_id s, const tls::traffic_keys& read, const tls::traffic_keys& write,
                               uint64_t consumed, std::span<const uint8_t> returned) {
  if (s.worker() >= ch_.size()) return false;
  rte_mbuf* chain = nullptr;
  if (!returned.empty()) {
    chain = make_chain(ch_[s.worker()].control_mbufs, returned);
    if (chain == nullptr) {
      counters_.add(channel_counter::no_mbuf);
      defer_close(s);
      return false;
    }
  }
  message* m = alloc(s, message_type::install_keys);
  if (m == nullptr) {
    if (chain) rte_pktmbuf_free(chain);
    return false;
  }
  m->bytes = chain;
  m->consumed = consumed;
  m->read_keys = read;
  m->write_keys = write;
  return enqueue(m);
}

bool control_end::data_path_up(session_id s, uint32_t client_ip, ppp::header_form form, uint16_t max_send_frame) {
  message* m = alloc(s, message_type::data_path_up);
  if (m == nullptr) return false;
  m->client_ip = client_ip;
  m->ppp_form = form;
  m->max_send_frame = max_send_frame;
  return enqueue(m);
}

bool control_end::data_path_down(session_id s) {
  message* m = alloc(s, message_type::data_path_down);
  return m != nullptr && enqueue(m);
}

bool control_end::close(session_id s, bool graceful) {
  message* m = alloc(s, message_type::close);
  if (m == nullptr) return false;
  m->graceful = graceful;
  return enqueue(m);
}

uint32_t control_end::receive(message** out, uint32_t cap) {
  const auto n = static_cast<uint16_t>(ch_.size());
  uint32_t got = 0;
  for (uint16_t k = 0; k < n && got < cap; ++k) {
    const uint16_t w = static_cast<uint16_t>((next_ + k) % n);
    got += rte_ring_sc_dequeue_burst(ch_[w].to_control, reinterpret_cast<void**>(out + got), cap - got, nullptr);
  }
  if (n) next_ = static_cast<uint16_t>((next_ + 1) % n);
  counters_.add(channel_counter::received, got);
  return got;
}

// ---- channel set ----------------------------------------------------------

namespace {

std::string object_name(std::string_view base, const char* what, uint16_t w) {
  // DPDK object names are short (RTE_MEMPOOL_NAMESIZE 26 with the prefix).
  return fmt::format("{}{}{}", base.substr(0, 12), what, w);
}

}  // namespace

channel_set::channel_set(std::string_view name, uint16_t n_workers, const channel_config& cfg) {
  if (n_workers == 0 || n_workers > kMaxWorkers) throw std::runtime_error("channel: worker count out of range");
  if (cfg.messages <= cfg.ring_size) throw std::runtime_error("channel: fewer messages than ring slots");
  ch_.resize(n_workers);
  auto fail = [&](const std::string& what) {
    destroy();
    throw std::runtime_error(fmt::format("channel {}: {}", what, rte_strerror(rte_errno)));
  };
  for (uint16_t w = 0; w < n_workers; ++w) {
    channel& c = ch_[w];
    std::string n = object_name(name, "w", w);
    c.to_worker = rte_ring_create(n.c_str(), cfg.ring_size, cfg.socket, RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
    if (!c.to_worker) fail(n);
    n = object_name(name, "c", w);
    c.to_control = rte_ring_create(n.c_str(), cfg.ring_size, cfg.socket, RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
    if (!c.to_control) fail(n);
    n = object_name(name, "mw", w);
    c.worker_messages = rte_mempool_create(n.c_str(), cfg.messages, sizeof(message), 0, 0, nullptr, nullptr,
                                           nullptr, nullptr, cfg.socket, 0);
    if (!c.worker_messages) fail(n);
    n = object_name(name, "mc", w);
    c.control_messages = rte_mempool_create(n.c_str(), cfg.messages, sizeof(message), 0, 0, nullptr, nullptr,
                                            nullptr, nullptr, cfg.socket, 0);
    if (!c.control_messages) fail(n);
    n = object_name(name, "bw", w);
    c.control_mbufs = rte_pktmbuf_pool_create(n.c_str(), cfg.mbufs, 0, 0, cfg.mbuf_data_room, cfg.socket);
    if (!c.control_mbufs) fail(n);
    n = object_name(name, "bc", w);
    c.worker_mbufs = rte_pktmbuf_pool_create(n.c_str(), cfg.mbufs, 0, 0, cfg.mbuf_data_room, cfg.socket);
    if (!c.worker_mbufs) fail(n);
  }
  for (uint16_t w = 0; w < n_workers; ++w) ends_.push_back(std::make_unique<worker_end>(ch_[w], w));
  control_.ch_ = ch_;
}

channel_set::~channel_set() { destroy(); }

void channel_set::destroy() {
  for (channel& c : ch_) {
    for (rte_ring* r : {c.to_worker, c.to_control}) {
      if (r == nullptr) continue;
      void* m;
      while (rte_ring_sc_dequeue(r, &m) == 0) release(static_cast<message*>(m));
      rte_ring_free(r);
    }
    rte_mempool_free(c.worker_messages);
    rte_mempool_free(c.control_messages);
    rte_mempool_free(c.control_mbufs);
    rte_mempool_free(c.worker_mbufs);
    c = channel{};
  }
}

}  // namespace sstpgw::session
