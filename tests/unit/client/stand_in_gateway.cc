#include "tests/unit/client/stand_in_gateway.hh"

#include <gtest/gtest.h>

#include "dataplane/common/byte_order.hh"
#include "dataplane/net/inet_checksum.hh"
#include "dataplane/sstp/messages.hh"

namespace sstpgw::testing {

namespace {

tls::aead_engine& ready(tls::aead_engine& e) {
  if (!e.init()) ADD_FAILURE() << "ipsec-mb manager";
  return e;
}

}  // namespace

namespace {

bool is_connect_request(const sstp_packet_msg& p) {
  return p.bytes.size() >= 14 && p.bytes[1] == 0x01 && p.bytes[4] == 0x00 && p.bytes[5] == 0x01;
}

}  // namespace

void tamper_http_path(to_control_msg& m) {
  auto* s = std::get_if<stream_bytes_msg>(&m);
  if (!s || s->phase != sessions::stream_phase::http) return;
  std::string text(s->bytes.begin(), s->bytes.end());
  const size_t at = text.find("/sra_{");
  if (at != std::string::npos) text[at + 6] = '0';
  s->bytes.assign(text.begin(), text.end());
}

void tamper_connect_request_protocol(to_control_msg& m) {
  auto* p = std::get_if<sstp_packet_msg>(&m);
  if (!p || !is_connect_request(*p)) return;
  std::vector<uint8_t> req(64);
  req.resize(sstp::build_call_connect_request(req, 2));
  p->bytes = req;
}

void tamper_connect_request_into_ack(to_control_msg& m) {
  auto* p = std::get_if<sstp_packet_msg>(&m);
  if (p && is_connect_request(*p)) p->bytes[5] = 0x02;
}

void tamper_compound_mac(to_control_msg& m) {
  auto* p = std::get_if<sstp_packet_msg>(&m);
  if (p && p->bytes.size() == sstp::kCallConnectedSize && p->bytes[5] == 0x04) p->bytes.back() ^= 0x01;
}

std::optional<std::vector<uint8_t>> answer_echo_request(std::span<const uint8_t> ip) {
  if (ip.size() < 28 || (ip[0] >> 4) != 4 || ip[9] != 1) return std::nullopt;
  const size_t ihl = size_t{static_cast<uint8_t>(ip[0] & 0x0f)} * 4;
  const size_t total = load_be16(ip.data() + 2);
  if (ihl < 20 || total > ip.size() || total < ihl + 8 || ip[ihl] != 8 || ip[ihl + 1] != 0)
    return std::nullopt;
  std::vector<uint8_t> r(ip.begin(), ip.begin() + static_cast<ptrdiff_t>(total));
  // Swap the addresses, fresh TTL, echo reply; both checksums recomputed.
  std::swap_ranges(r.begin() + 12, r.begin() + 16, r.begin() + 16);
  r[8] = 64;
  store_be16(r.data() + 10, 0);
  store_be16(r.data() + 10, net::inet_checksum(r.data(), ihl));
  r[ihl] = 0;
  store_be16(r.data() + ihl + 2, 0);
  store_be16(r.data() + ihl + 2, net::inet_checksum(r.data() + ihl, total - ihl));
  return r;
}

stand_in_gateway::stand_in_gateway(gateway_env& env, const gateway_behaviour& behaviour, uint32_t slot,
                                   sessions::time_point now)
    : behaviour_(behaviour), worker_(ready(engine_)) {
  server_ = std::make_unique<sessions::server_session>(env.config, sessions::session_id::make(0, slot, 1),
                                                       now, std::chrono::system_clock::now());
}

stand_in_gateway::~stand_in_gateway() = default;

void stand_in_gateway::tcp_receive(std::span<const uint8_t> bytes, sessions::time_point now) {
  worker_.tcp_receive(bytes);
  settle(now);
}

bool stand_in_gateway::vnet_receive(std::span<const uint8_t> ipv4, sessions::time_point now) {
  if (!worker_.vnet_receive(ipv4)) return false;
  settle(now);
  return true;
}

void stand_in_gateway::tcp_gone(std::string_view why, sessions::time_point now) {
  server_->on_closed(why, now);
  settle(now);
}

void stand_in_gateway::on_timer(sessions::time_point now) {
  if (server_->next_deadline() <= now) server_->on_timer(now);
  // The end-when-up behaviours wait for a timer tick after the data path came
  // up, so the client has seen the tunnel up before the server ends it.
  if (server_->data_path_is_up() && !acted_on_up_ && echoes_ >= behaviour_.on_up_after_echoes) act_on_up(now);
  settle(now);
}

void stand_in_gateway::act_on_up(sessions::time_point now) {
  acted_on_up_ = true;
  if (behaviour_.on_up == gateway_behaviour::when_up::kill) {
    server_->kill(behaviour_.kill_reason, now);
  } else if (behaviour_.on_up == gateway_behaviour::when_up::abort) {
    // A CALL_ABORT the server session did not decide on, straight into the
    // record stream (its own aborts come from checks a real client passes).
    const sstp::status_info info{.attrib_id = 0, .code = sstp::status::invalid_frame_received};
    std::vector<uint8_t> abort_msg(64);
    abort_msg.resize(sstp::build_call_abort(abort_msg, &info));
    sessions::session_action a = sessions::send_plaintext{std::move(abort_msg)};
    worker_.on_action(a);
  }
}

void stand_in_gateway::settle(sessions::time_point now) {
  for (int round = 0; round < 1000; ++round) {
    bool moved = false;
    for (to_control_msg& m : worker_.take_to_control()) {
      moved = true;
      if (behaviour_.tamper_to_control) behaviour_.tamper_to_control(m);
      if (auto* b = std::get_if<stream_bytes_msg>(&m)) server_->on_stream_bytes(b->phase, b->bytes, now);
      if (auto* p = std::get_if<sstp_packet_msg>(&m)) server_->on_sstp_packet(p->bytes, now);
      if (auto* c = std::get_if<closed_msg>(&m)) server_->on_closed(c->reason, now);
    }
    for (sessions::session_action& a : server_->take_actions()) {
      moved = true;
      worker_.on_action(a);
    }
    for (sessions::session_event& e : server_->take_events()) events_.push_back(std::move(e));
    for (std::vector<uint8_t>& p : worker_.take_vnet()) {
      moved = true;
      if (behaviour_.answer_echo) {
        if (auto reply = answer_echo_request(p)) {
          if (worker_.vnet_receive(*reply)) ++echoes_;
          continue;
        }
      }
      if (behaviour_.vnet_out) {
        behaviour_.vnet_out(p);
      } else {
        vnet_.push_back(std::move(p));
      }
    }
    if (!moved) return;
  }
  ADD_FAILURE() << "the stand-in gateway did not settle";
}

}  // namespace sstpgw::testing
