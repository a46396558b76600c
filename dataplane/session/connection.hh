// One slot of a worker's connection table: everything the worker keeps for a
// TCP connection on port 443 from accept to the closed report. Plain data,
// allocated once in the table and reused (generation++).
#pragma once

#include <rte_mbuf.h>

#include <cstdint>

#include "dataplane/net/tcp/stack.hh"
#include "dataplane/ppp/frame.hh"
#include "dataplane/session/handback.hh"
#include "dataplane/session/messages.hh"
#include "dataplane/sstp/stream_framer.hh"
#include "dataplane/tls/alerts.hh"
#include "dataplane/tls/record_reader.hh"
#include "dataplane/tls/record_writer.hh"

namespace sstpgw::session {

// A list of mbuf chains in arrival order, linked through the chains' segments
// (the last segment of one chain points at the next chain's head); the head's
// nb_segs/pkt_len are not maintained: `bytes` is.
struct chain_queue {
  rte_mbuf* head = nullptr;
  rte_mbuf* tail = nullptr;  // last segment
  uint32_t bytes = 0;

  bool empty() const { return head == nullptr; }
  void push(rte_mbuf* chain) {
    rte_mbuf* last = rte_pktmbuf_lastseg(chain);
    bytes += chain->pkt_len;
    if (head == nullptr) {
      head = chain;
    } else {
      tail->next = chain;
    }
    tail = last;
  }
  // Takes the first segment off (its next cleared, nb_segs 1).
  rte_mbuf* pop_segment() {
    rte_mbuf* s = head;
    if (s == nullptr) return nullptr;
    head = s->next;
    if (head == nullptr) tail = nullptr;
    s->next = nullptr;
    s->nb_segs = 1;
    s->pkt_len = s->data_len;
    bytes -= s->data_len;
    return s;
  }
  // Everything as one proper chain (nb_segs, pkt_len fixed up); queue empty.
  rte_mbuf* take_all() {
    rte_mbuf* h = head;
    if (h) {
      uint16_t segs = 0;
      for (rte_mbuf* s = h; s; s = s->next) ++segs;
      h->nb_segs = segs;
      h->pkt_len = bytes;
    }
    head = tail = nullptr;
    bytes = 0;
    return h;
  }
  // Puts all of `front` before what this queue holds; `front` ends empty.
  void prepend(chain_queue& front) {
    if (front.empty()) return;
    front.tail->next = head;
    if (head == nullptr) tail = front.tail;
    head = front.head;
    bytes += front.bytes;
    front.head = front.tail = nullptr;
    front.bytes = 0;
  }
  void free_all() {
    while (rte_mbuf* s = pop_segment()) rte_pktmbuf_free(s);
  }
};

enum class slot_state : uint8_t {
  free,
  open,     // TCP connected, phases running
  closing,  // flushing toward close_notify/FIN (graceful close or TLS close)
  zombie,   // TCP gone; the closed report waits for room on the ring
};

// What to send to the client, in order: raw bytes (raw phase) or plaintext to
// seal. Bounded per connection (kMaxPending entries, a byte bound in config).
struct pending_entry {
  rte_mbuf* chain = nullptr;
  bool raw = false;
};

struct connection {
  static constexpr uint32_t kMaxPending = 32;

  // identity and lifecycle
  uint32_t generation = 1;
  tcp::conn_id tcp = tcp::kNoConn;
  slot_state state = slot_state::free;
  phase ph = phase::raw;
  close_reason reason = close_reason::shutdown;
  bool reason_set = false;
  bool rx_listed = false;  // in the engine's rx work list
  bool tx_listed = false;  // in the engine's tx work list
  bool returned_cipher = false;  // returned bytes are ciphertext (raw->http) or plaintext (http->sstp)
  bool tcp_close_after_send = false;  // FIN once the records queued this burst went out
  bool close_notify_due = false;
  bool fin_sent = false;  // TCP close() called
  bool fatal_alert_due = false;
  bool warning_due = false;
  bool key_update_due = false;
  tls::alert_description alert = tls::alert_description::close_notify;
  uint32_t peer_ip = 0;
  uint16_t peer_port = 0;

  // input
  handback hb;
  chain_queue returned;  // bytes of a finished phase control gave back: first
  chain_queue input;     // TCP payload not yet fed (held while hb.holding())
  uint32_t input_preconsumed = 0;  // leading input bytes TCP already counted consumed

  // output
  pending_entry pending[kMaxPending];
  uint8_t pend_head = 0;
  uint8_t pend_count = 0;
  uint32_t pend_off = 0;    // bytes of pending[pend_head] already sealed
  uint32_t pend_bytes = 0;  // all pending bytes not yet sealed

  // data path
  bool data_up = false;
  uint32_t client_ip = 0;
  ppp::header_form form;
  uint16_t max_send_frame = 0;

  // protocol state
  tls::record_reader reader;
  tls::record_writer writer;
  sstp::stream_framer framer;
};

}  // namespace sstpgw::session
