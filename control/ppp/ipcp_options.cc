#include "control/ppp/ipcp_options.hh"

#include <fmt/format.h>

#include "dataplane/common/log.hh"

namespace sstpgw::ppp {
namespace {

void put_address(byte_writer& w, uint8_t type, ipv4_address a) {
  w.u8(type);
  w.u8(6);
  w.be32(a.value);
}

// The value of a 6-byte address option; nullopt if the length is wrong.
std::optional<ipv4_address> address_of(const option_view& o) {
  if (o.value.size() != 4) return std::nullopt;
  return ipv4_address{load_be32(o.value.data())};
}

}  // namespace

// ---- server ------------------------------------------------------------------

void ipcp_server_options::reset_negotiation() {
  want_local_ = !config_.local.is_zero();
  result_ = {};
  result_.dns_primary = config_.dns_primary;
  result_.dns_secondary = config_.dns_secondary;
}

void ipcp_server_options::write_request(byte_writer& w) {
  if (want_local_) put_address(w, kIpcpOptAddress, config_.local);
}

void ipcp_server_options::on_ack() { result_.local = want_local_ ? config_.local : ipv4_address{}; }

void ipcp_server_options::on_nak(const option_view& o) {
  // Our address on the link is configuration, not negotiable; the automaton
  // bounds a peer that keeps Nak'ing it.
  if (o.type == kIpcpOptAddress)
    log(log_level::debug, config_.name, "peer Naks our address {}; keeping it", config_.local.to_string());
}

void ipcp_server_options::on_reject(const option_view& o) {
  if (o.type == kIpcpOptAddress) want_local_ = false;
}

void ipcp_server_options::begin_peer_request() {
  pending_ = result_;
  pending_.peer = {};
  saw_address_ = false;
}

bool ipcp_server_options::ensure_assigned() {
  if (assigned_) return true;
  if (config_.pool) assigned_ = config_.pool->allocate(config_.preferred_worker);
  if (!assigned_) {
    fail("address pool exhausted: no address for the client");
    return false;
  }
  log(log_level::debug, config_.name, "assigned {} from the pool", assigned_->to_string());
  return true;
}

void ipcp_server_options::release() {
  if (!assigned_) return;
  log(log_level::debug, config_.name, "releasing {}", assigned_->to_string());
  if (config_.pool) config_.pool->release(*assigned_);
  assigned_.reset();
}

option_verdict ipcp_server_options::check_peer_option(const option_view& o, byte_writer& nak) {
  const std::optional<ipv4_address> v = address_of(o);
  switch (o.type) {
    case kIpcpOptAddress:
      if (!v) return option_verdict::reject;
      saw_address_ = true;
      if (!ensure_assigned()) return option_verdict::reject;
      if (*v == *assigned_) {
        pending_.peer = *v;
        return option_verdict::ack;
      }
      // 0.0.0.0 asks us to choose; any other address is not the client's to pick.
      put_address(nak, kIpcpOptAddress, *assigned_);
      return option_verdict::nak;
    case kIpcpOptPrimaryDns:
    case kIpcpOptSecondaryDns: {
      const auto& want = o.type == kIpcpOptPrimaryDns ? config_.dns_primary : config_.dns_secondary;
      if (!v || !want) return option_verdict::reject;
      if (*v == *want) return option_verdict::ack;
      put_address(nak, o.type, *want);
      return option_verdict::nak;
    }
    default:
      // IP-Compression-Protocol (2), NBNS (130, 132), IP-Addresses (1), unknown.
      return option_verdict::reject;
  }
}

void ipcp_server_options::write_missing_options(byte_writer& nak) {
  // A client that did not ask for an address is told which one to use (RFC 1661 §5.3).
  if (!saw_address_ && ensure_assigned()) put_address(nak, kIpcpOptAddress, *assigned_);
}

void ipcp_server_options::commit_peer_request() {
  const ipv4_address local = result_.local;
  result_ = pending_;
  result_.local = local;
}

void ipcp_server_options::on_layer_event(layer_event e) {
  if (e == layer_event::up && result_.peer.is_zero()) fail("client opened IPCP without taking an address");
  if (e == layer_event::finished) release();
}

// ---- client ------------------------------------------------------------------

void ipcp_client_options::reset_negotiation() {
  address_ = config_.requested;
  want_dns1_ = want_dns2_ = config_.request_dns;
  dns1_ = dns2_ = {};
  result_ = {};
}

void ipcp_client_options::write_request(byte_writer& w) {
  put_address(w, kIpcpOptAddress, address_);
  if (want_dns1_) put_address(w, kIpcpOptPrimaryDns, dns1_);
  if (want_dns2_) put_address(w, kIpcpOptSecondaryDns, dns2_);
}

void ipcp_client_options::on_ack() {
  result_.local = address_;
  result_.dns_primary = want_dns1_ ? std::optional(dns1_) : std::nullopt;
  result_.dns_secondary = want_dns2_ ? std::optional(dns2_) : std::nullopt;
}

void ipcp_client_options::on_nak(const option_view& o) {
  const std::optional<ipv4_address> v = address_of(o);
  if (!v) return;
  switch (o.type) {
    case kIpcpOptAddress:
      address_ = *v;
      break;
    case kIpcpOptPrimaryDns:
      dns1_ = *v;
      break;
    case kIpcpOptSecondaryDns:
      dns2_ = *v;
      break;
    default:
      break;
  }
}

void ipcp_client_options::on_reject(const option_view& o) {
  switch (o.type) {
    case kIpcpOptAddress:
      fail("server refused to assign an address (rejected IP-Address)");
      break;
    case kIpcpOptPrimaryDns:
      want_dns1_ = false;
      break;
    case kIpcpOptSecondaryDns:
      want_dns2_ = false;
      break;
    default:
      break;
  }
}

void ipcp_client_options::begin_peer_request() { pending_peer_ = {}; }

option_verdict ipcp_client_options::check_peer_option(const option_view& o, byte_writer& nak) {
  (void)nak;
  if (o.type != kIpcpOptAddress) return option_verdict::reject;
  const std::optional<ipv4_address> v = address_of(o);
  // A server asking us for its own address (0.0.0.0) gets nothing from us.
  if (!v || v->is_zero()) return option_verdict::reject;
  pending_peer_ = *v;
  return option_verdict::ack;
}

void ipcp_client_options::commit_peer_request() { result_.peer = pending_peer_; }

void ipcp_client_options::on_layer_event(layer_event e) {
  if (e == layer_event::up && result_.local.is_zero()) fail("IPCP opened without an address for us");
}

}  // namespace sstpgw::ppp
