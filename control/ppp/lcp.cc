#include "control/ppp/lcp.hh"

#include <algorithm>
#include <string>

#include "dataplane/common/log.hh"

namespace sstpgw::ppp {

lcp::lcp(lcp_config config)
    : config_(std::move(config)), options_(config_), fsm_(config_.name, kProtoLcp, options_, config_.fsm) {}

header_form lcp::tx_header_form() const {
  if (!opened()) return {};
  return {.compress_address_control = negotiated().peer_accepts_acfc,
          .compress_protocol = negotiated().peer_accepts_pfc};
}

size_t lcp::max_send_size() const {
  return std::min<size_t>(opened() ? negotiated().peer_mru : kDefaultMru, kSstpMaxMru);
}

void lcp::receive(std::span<const uint8_t> info, time_point now) {
  cp_packet p;
  if (!parse_cp_packet(info, p)) {
    fsm_.receive(info, now);  // the automaton discards (and logs) it
    return;
  }
  switch (static_cast<cp_code>(p.code)) {
    case cp_code::protocol_reject: {
      if (!opened() || p.data.size() < 2) return;  // only meaningful when Opened (§5.7)
      const uint16_t proto = load_be16(p.data.data());
      log(log_level::info, config_.name, "peer rejected protocol {:04x} ({})", proto, protocol_name(proto));
      if (proto == kProtoLcp)
        fsm_.protocol_rejected(now);
      else
        rejected_.push_back(proto);
      return;
    }
    case cp_code::echo_request:
      on_echo_request(p, now);
      return;
    case cp_code::echo_reply:
      if (opened() && p.data.size() >= 4 && !looped(p.data, now)) ++echo_replies_;
      return;
    case cp_code::discard_request:
      return;
    case cp_code::identification:
      if (p.data.size() >= 4)
        log(log_level::info, config_.name, "peer identification: {}",
            std::string(p.data.begin() + 4, p.data.end()));
      return;
    case cp_code::time_remaining:
      return;
    default:
      break;
  }
  fsm_.receive(info, now);
  fsm_.set_peer_mru(max_send_size());
}

bool lcp::looped(std::span<const uint8_t> data, time_point now) {
  const uint32_t magic = load_be32(data.data());
  if (negotiated().magic == 0 || magic != negotiated().magic) return false;
  log(log_level::warn, config_.name, "Echo carries our own Magic-Number: link looped back?");
  if (++echo_loopbacks_ >= config_.fsm.max_failure) fsm_.close(now, "link is looped back (Echo)");
  return true;
}

void lcp::on_echo_request(const cp_packet& p, time_point now) {
  if (!opened() || p.data.size() < 4) return;  // silently discarded outside Opened (§5.8)
  if (looped(p.data, now)) return;
  std::vector<uint8_t> reply(p.data.begin(), p.data.end());
  store_be32(reply.data(), negotiated().magic);
  fsm_.send(cp_code::echo_reply, p.identifier, reply);
}

void lcp::send_echo_request() {
  if (!opened()) return;
  uint8_t magic[4];
  store_be32(magic, negotiated().magic);
  fsm_.send(cp_code::echo_request, fsm_.new_identifier(), magic);
}

void lcp::reject_protocol(uint16_t protocol, std::span<const uint8_t> information) {
  if (!opened()) return;
  std::vector<uint8_t> data(2 + information.size());
  store_be16(data.data(), protocol);
  std::copy(information.begin(), information.end(), data.begin() + 2);
  log(log_level::debug, config_.name, "Protocol-Reject for {:04x} ({})", protocol, protocol_name(protocol));
  fsm_.send(cp_code::protocol_reject, fsm_.new_identifier(), data);
}

}  // namespace sstpgw::ppp
