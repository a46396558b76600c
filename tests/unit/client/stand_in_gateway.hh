// The server side of one client connection for sstp-client's tests, built from
// the existing pieces: server_session (the real control plane) behind the
// stand-in worker (the real record engine with the installed keys, SSTP
// framing), plus a VNet that answers ICMP echo requests to any address. The
// client under test sees a TLS byte stream; unit tests move it in memory, the
// integration tests' socket server moves it over kernel TCP. Not thread-safe:
// one thread owns it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "control/sessions/server_session.hh"
#include "tests/unit/sessions/session_harness.hh"
#include "tests/unit/sessions/stand_in_worker.hh"

namespace sstpgw::testing {

// What the gateway does besides behaving: hooks for the negative tests.
struct gateway_behaviour {
  bool answer_echo = true;  // the VNet answers ICMP echo requests
  // Where VNet packets go that were not answered as echo requests (default: vnet()).
  std::function<void(std::span<const uint8_t>)> vnet_out;
  // Sees (and may change) every worker → control message, as the session harness does.
  std::function<void(to_control_msg&)> tamper_to_control;
  // Once the data path is up (at the next timer tick): end the session from the server side.
  enum class when_up { nothing, kill, abort } on_up = when_up::nothing;
  // ... and the VNet answered this many echo requests: over real TCP, proof
  // that the client saw the tunnel up (it pings only then).
  uint64_t on_up_after_echoes = 0;
  std::string kill_reason = "test server shutting down";
};

// Ready-made tamper_to_control hooks for the negative tests (unit and integration):
// the HTTP request arrives with another path (the server answers 404).
void tamper_http_path(to_control_msg& m);
// Every CALL_CONNECT_REQUEST arrives asking for protocol 2 (the server NAKs it).
void tamper_connect_request_protocol(to_control_msg& m);
// CALL_CONNECT_REQUEST arrives as a CALL_CONNECT_ACK, out of order (the server aborts the call).
void tamper_connect_request_into_ack(to_control_msg& m);
// CALL_CONNECTED arrives with an altered compound MAC (the server refuses the binding).
void tamper_compound_mac(to_control_msg& m);

// An ICMP echo reply for an echo request (any destination), or nullopt.
std::optional<std::vector<uint8_t>> answer_echo_request(std::span<const uint8_t> ipv4);

class stand_in_gateway {
 public:
  stand_in_gateway(gateway_env& env, const gateway_behaviour& behaviour, uint32_t slot,
                   sessions::time_point now);
  ~stand_in_gateway();
  stand_in_gateway(const stand_in_gateway&) = delete;
  stand_in_gateway& operator=(const stand_in_gateway&) = delete;

  // Bytes from the client's TCP connection.
  void tcp_receive(std::span<const uint8_t> bytes, sessions::time_point now);
  // A packet from the VNet; false if it is not for this session's address.
  bool vnet_receive(std::span<const uint8_t> ipv4, sessions::time_point now);
  // The client's side of TCP went away (FIN or RST).
  void tcp_gone(std::string_view why, sessions::time_point now);
  std::vector<uint8_t> take_tcp_output() { return worker_.take_tcp_output(); }
  // The worker closed the connection (after sending what take_tcp_output() holds).
  bool closed() const { return worker_.tcp_closed(); }
  bool closed_gracefully() const { return worker_.closed_gracefully(); }

  sessions::time_point next_deadline() const { return server_->next_deadline(); }
  void on_timer(sessions::time_point now);

  const sessions::server_session& server() const { return *server_; }
  const stand_in_worker& worker() const { return worker_; }
  uint64_t echoes_answered() const { return echoes_; }
  // VNet packets that were not echo requests.
  const std::vector<std::vector<uint8_t>>& vnet() const { return vnet_; }
  const std::vector<sessions::session_event>& events() const { return events_; }

 private:
  void settle(sessions::time_point now);
  void act_on_up(sessions::time_point now);

  gateway_behaviour behaviour_;
  tls::aead_engine engine_;
  stand_in_worker worker_;
  std::unique_ptr<sessions::server_session> server_;
  bool acted_on_up_ = false;
  uint64_t echoes_ = 0;
  std::vector<std::vector<uint8_t>> vnet_;
  std::vector<sessions::session_event> events_;
};

}  // namespace sstpgw::testing
