// Test harness for the SSTP call state machines: collects a call's output as
// packets and its events, and connects a server and a client back to back
// through their byte outputs (optionally cut at random points).
#pragma once

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "control/sstp/client_call.hh"
#include "control/sstp/server_call.hh"
#include "dataplane/sstp/stream_framer.hh"
#include "tests/support/test_pki.hh"

namespace sstpgw::sstp::testing {

using namespace std::chrono_literals;

inline const time_point kT0 = time_point{} + 100000s;

inline std::vector<std::vector<uint8_t>> split_packets(const std::vector<uint8_t>& bytes) {
  std::vector<std::vector<uint8_t>> out;
  stream_framer f;
  std::span<const uint8_t> in(bytes);
  for (;;) {
    std::span<const uint8_t> p;
    auto st = f.next(in, p);
    if (st != frame_status::packet) {
      EXPECT_EQ(st, frame_status::need_more);
      EXPECT_EQ(f.buffered(), 0u);
      break;
    }
    out.emplace_back(p.begin(), p.end());
  }
  return out;
}

// Message type of a control packet, 0 for data packets.
inline uint16_t type_of(const std::vector<uint8_t>& p) {
  if (p.size() < 8 || !(p[1] & 1)) return 0;
  return static_cast<uint16_t>(p[4] << 8 | p[5]);
}

inline std::vector<uint16_t> types_of(const std::vector<std::vector<uint8_t>>& ps) {
  std::vector<uint16_t> t;
  for (auto& p : ps) t.push_back(type_of(p));
  return t;
}

inline uint16_t T(message_type t) { return static_cast<uint16_t>(t); }

// The STATUS_INFO status of an ABORT / DISCONNECT packet (or no_error).
inline status status_of(const std::vector<uint8_t>& p) {
  control_message m;
  if (parse_control_message(p, m) != control_error::ok) return status::no_error;
  status_info s;
  bool has = false;
  if (parse_call_abort(m, s, has) && has) return s.code;
  return status::no_error;
}

inline std::vector<call_event> drain_events(call_endpoint& c) {
  std::vector<call_event> ev;
  call_event e;
  while (c.next_event(e)) ev.push_back(e);
  return ev;
}

inline const call_event* find_event(const std::vector<call_event>& ev, call_event_kind k) {
  for (auto& e : ev)
    if (e.kind == k) return &e;
  return nullptr;
}

inline std::vector<uint8_t> lcp_frame() { return {0xFF, 0x03, 0xC0, 0x21, 0x01, 0x01, 0x00, 0x04}; }
// PPP header + an ICMP echo request 172.16.201.2 -> 10.0.0.1 (checksums valid).
inline std::vector<uint8_t> ipv4_frame() {
  return {0xFF, 0x03, 0x00, 0x21,  // PPP: address, control, IPv4
          0x45, 0x00, 0x00, 0x1C, 0x00, 0x01, 0x00, 0x00, 0x40, 0x01, 0xFB, 0xCC,
          0xAC, 0x10, 0xC9, 0x02, 0x0A, 0x00, 0x00, 0x01,  // IPv4 header
          0x08, 0x00, 0xF7, 0xFE, 0x00, 0x01, 0x00, 0x00};  // ICMP echo request
}

// The answer: an ICMP echo reply 10.0.0.1 -> 172.16.201.2.
inline std::vector<uint8_t> ipv4_reply_frame() {
  return {0xFF, 0x03, 0x00, 0x21,
          0x45, 0x00, 0x00, 0x1C, 0x00, 0x01, 0x00, 0x00, 0x40, 0x01, 0xFB, 0xCC,
          0x0A, 0x00, 0x00, 0x01, 0xAC, 0x10, 0xC9, 0x02,
          0x00, 0x00, 0xFF, 0xFE, 0x00, 0x01, 0x00, 0x00};
}

// A server and a client wired together.
struct call_pair {
  counter_set<call_counter> server_counters;
  counter_set<call_counter> client_counters;
  sstpgw::testing::test_pki pki = sstpgw::testing::make_test_pki();
  cert_hashes server_cert = cert_hashes::of_der(pki.server.cert_der());
  time_point now = kT0;
  server_call server;
  client_call client;
  std::vector<call_event> server_events;
  std::vector<call_event> client_events;
  // Packets each side sent, in order, over the whole call.
  std::vector<std::vector<uint8_t>> server_sent;
  std::vector<std::vector<uint8_t>> client_sent;
  std::mt19937 rng{42};
  bool random_cuts = true;

  explicit call_pair(server_call_config sc = {}, client_call_config cc = {})
      : server(sc, server_cert, server_counters, kT0), client(cc, client_counters, kT0) {}

  void deliver(call_endpoint& to, const std::vector<uint8_t>& bytes) {
    if (!random_cuts) return to.receive_bytes(bytes, now);
    size_t at = 0;
    while (at < bytes.size()) {
      size_t n = std::min(bytes.size() - at, size_t{1} + rng() % 23);
      to.receive_bytes({bytes.data() + at, n}, now);
      at += n;
    }
  }

  // Moves bytes both ways until both are quiet.
  void pump() {
    for (int round = 0; round < 100; ++round) {
      auto from_client = client.take_output();
      auto from_server = server.take_output();
      for (auto& e : drain_events(server)) server_events.push_back(e);
      for (auto& e : drain_events(client)) client_events.push_back(e);
      if (from_client.empty() && from_server.empty()) return;
      for (auto& p : split_packets(from_client)) client_sent.push_back(p);
      for (auto& p : split_packets(from_server)) server_sent.push_back(p);
      if (!server.is_closed()) deliver(server, from_client);
      if (!client.is_closed()) deliver(client, from_server);
    }
    ADD_FAILURE() << "pump did not settle";
  }

  void advance(duration d) {
    now += d;
    server.on_timer(now);
    client.on_timer(now);
    pump();
  }

  // CONNECT_REQUEST -> ACK; both sides link up.
  void link_up() {
    pump();
    ASSERT_EQ(server.state(), call_state::server_call_connected_pending);
    ASSERT_EQ(client.state(), call_state::client_connect_ack_received);
  }

  // Authentication done on both sides with an EAP-TLS MSK; the client uses `form`.
  void authenticate(hlak_form form = hlak_form::eap_tls_msk) {
    std::vector<uint8_t> msk(64);
    for (size_t i = 0; i < msk.size(); ++i) msk[i] = static_cast<uint8_t>(i * 7 + 3);
    server.authenticated(hlak_candidates::eap_tls(msk), now);
    client.authenticated(client_hlak_eap_tls(msk, form), server_cert, now);
    pump();
  }
};

}  // namespace sstpgw::sstp::testing
