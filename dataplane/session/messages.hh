// The messages of the worker <-> control contract (gateway-protocol.md), one
// fixed-size struct for both directions, taken from a fixed pool and passed
// by pointer over SPSC rings (channel.hh). Bytes travel as rte_mbuf chains:
// zero copy from TCP in the raw phase; the control thread allocates what it
// sends from its own pool (channel.hh).
//
// Ownership: whoever holds the message owns its `bytes` chain. Releasing a
// message (channel.hh) frees the chain if it is still attached and wipes key
// material before the message goes back to its pool.
#pragma once

#include <rte_mbuf.h>

#include <cstdint>
#include <string_view>

#include "dataplane/ppp/frame.hh"
#include "dataplane/session/session_id.hh"
#include "dataplane/tls/keys.hh"

namespace sstpgw::session {

// The phases of one connection on its worker.
enum class phase : uint8_t {
  raw,   // TLS handshake: TCP bytes to control unchanged
  http,  // records opened by the worker, plaintext to control
  sstp,  // plaintext cut into SSTP packets
};
std::string_view name_of(phase p);

enum class message_type : uint8_t {
  // worker -> control
  stream_bytes,  // phase, bytes (raw: ciphertext as received; http: plaintext)
  sstp_packet,   // one whole SSTP packet (control, or data with non-IPv4 PPP)
  closed,        // the TCP connection is gone; reason. Last message of a session.
  // control -> worker
  send_raw,        // bytes to TCP unchanged (handshake flights, alerts)
  install_keys,    // keys, consumed, bytes = returned ciphertext: raw -> http
  send_plaintext,  // bytes sealed into records
  start_sstp,      // consumed, bytes = returned plaintext: http -> sstp
  returned_bytes,  // bytes of a finished phase bounced back in order
  data_path_up,    // client_ip, ppp_form, max_send_frame
  data_path_down,
  close,  // graceful: flush, close_notify, FIN; otherwise RST
};
std::string_view name_of(message_type t);

// Why a connection ended, as reported in `closed`.
enum class close_reason : uint8_t {
  peer_fin,            // TCP FIN (with or without close_notify before it)
  peer_reset,          // TCP RST from the peer
  timeout,             // retransmissions or keepalive exhausted
  tcp_aborted,         // the TCP stack reset it
  close_requested,     // control's close message
  tls_alert_received,  // peer sent a fatal alert
  tls_close_notify,    // peer sent close_notify (we answered and closed)
  tls_error,           // record layer error (bad MAC, malformed record, ...): alert sent
  invalid_sstp,        // SSTP framing failed: aborted, nothing sent (MS-SSTP 3.1.5.1)
  ring_full,           // a message to the control thread did not fit: aborted
  no_resources,        // message pool or mbufs exhausted, or a queue bound hit: aborted
  protocol_violation,  // control's messages broke the contract (hand-back counts, phase)
  shutdown,            // the worker stopped
};
std::string_view name_of(close_reason r);

struct message {
  session_id session;
  message_type type = message_type::stream_bytes;
  phase stream_phase = phase::raw;        // stream_bytes
  close_reason reason = close_reason::shutdown;  // closed
  bool graceful = false;                  // close
  ppp::header_form ppp_form;              // data_path_up
  uint16_t max_send_frame = 0;            // data_path_up: largest PPP frame to the client (MRU)
  uint32_t client_ip = 0;                 // data_path_up (host order)
  uint32_t peer_ip = 0;                   // stream_bytes: the client's TCP address and port
  uint16_t peer_port = 0;
  uint64_t consumed = 0;                  // install_keys / start_sstp
  rte_mbuf* bytes = nullptr;              // owned chain, may be null
  tls::traffic_keys read_keys;            // install_keys
  tls::traffic_keys write_keys;

  uint32_t byte_count() const { return bytes ? bytes->pkt_len : 0; }
};

}  // namespace sstpgw::session
