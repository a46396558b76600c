#include "control/ppp/lcp_options.hh"

#include <algorithm>
#include <random>
#include <string>

#include "dataplane/common/log.hh"
#include "dataplane/ppp/protocol.hh"

namespace sstpgw::ppp {

lcp_config lcp_config::server() {
  lcp_config c;
  c.require_auth = kProtoEap;
  return c;
}

lcp_config lcp_config::client() {
  lcp_config c;
  c.allow_auth_eap = true;
  return c;
}

lcp_options::lcp_options(const lcp_config& config) : config_(config) {}

uint32_t lcp_options::new_magic() {
  uint32_t m = 0;
  // A Magic-Number of zero is illegal (RFC 1661 §6.4).
  for (int i = 0; m == 0 && i < 8; ++i) {
    if (config_.random) {
      m = config_.random();
    } else {
      std::random_device rd;
      m = rd();
    }
  }
  return m ? m : 0x5a5aa5a5u;
}

void lcp_options::reset_negotiation() {
  mru_ = std::min(config_.mru, kSstpMaxMru);
  want_mru_ = mru_ != kDefaultMru;
  want_magic_ = config_.request_magic;
  magic_ = want_magic_ ? new_magic() : 0;
  want_pfc_ = config_.request_pfc;
  want_acfc_ = config_.request_acfc;
  want_auth_ = config_.require_auth;
  loopbacks_ = 0;
  last_nak_magic_ = 0;
  saw_own_magic_ = false;
  result_ = {};
}

void lcp_options::write_request(byte_writer& w) {
  if (want_mru_) {
    w.u8(kLcpOptMru);
    w.u8(4);
    w.be16(mru_);
  }
  if (want_auth_) {
    w.u8(kLcpOptAuthProtocol);
    w.u8(4);
    w.be16(want_auth_);
  }
  if (want_magic_) {
    w.u8(kLcpOptMagic);
    w.u8(6);
    w.be32(magic_);
  }
  if (want_pfc_) {
    w.u8(kLcpOptPfc);
    w.u8(2);
  }
  if (want_acfc_) {
    w.u8(kLcpOptAcfc);
    w.u8(2);
  }
}

void lcp_options::on_ack() {
  result_.mru = want_mru_ ? mru_ : kDefaultMru;
  result_.magic = want_magic_ ? magic_ : 0;
  result_.we_accept_pfc = want_pfc_;
  result_.we_accept_acfc = want_acfc_;
  result_.peer_auth = want_auth_;
}

void lcp_options::on_nak(const option_view& o) {
  byte_reader r(o.value);
  switch (o.type) {
    case kLcpOptMru: {
      const uint16_t v = r.be16();
      if (!r.ok()) break;
      if (v >= config_.min_peer_mru && v <= kSstpMaxMru) {
        mru_ = v;
        want_mru_ = true;
      } else {
        want_mru_ = false;  // the default (1500) fits SSTP; stop arguing
      }
      break;
    }
    case kLcpOptAuthProtocol:
      if (want_auth_) {
        const uint16_t suggested = r.be16();
        refuse("peer refuses " + std::string(protocol_name(want_auth_)) + " authentication (suggests " +
               std::string(protocol_name(suggested)) + ")");
      }
      break;
    case kLcpOptMagic:
      if (!want_magic_) break;
      // Our own Nak coming back means the link is looped (RFC 1661 §6.4).
      if (o.value.size() == 4 && last_nak_magic_ != 0 && r.be32() == last_nak_magic_ &&
          ++loopbacks_ >= config_.fsm.max_failure) {
        fail("link is looped back (own Magic-Number Nak came back)");
      }
      magic_ = new_magic();
      break;
    case kLcpOptPfc:
      want_pfc_ = false;
      break;
    case kLcpOptAcfc:
      want_acfc_ = false;
      break;
    default:
      break;
  }
}

void lcp_options::on_reject(const option_view& o) {
  switch (o.type) {
    case kLcpOptMru:
      want_mru_ = false;
      break;
    case kLcpOptAuthProtocol:
      if (want_auth_) refuse("peer refuses to authenticate (rejected Authentication-Protocol)");
      want_auth_ = 0;
      break;
    case kLcpOptMagic:
      want_magic_ = false;
      break;
    case kLcpOptPfc:
      want_pfc_ = false;
      break;
    case kLcpOptAcfc:
      want_acfc_ = false;
      break;
    default:
      break;
  }
}

void lcp_options::begin_peer_request() {
  pending_ = {};
  saw_own_magic_ = false;
}

void lcp_options::refuse(std::string reason) {
  // On a looped link our own Reject/Nak comes back and looks like a refusal;
  // a random 32-bit Magic-Number coming back first tells the two apart.
  if (saw_own_magic_) reason = "link is looped back (own Magic-Number seen)";
  fail(std::move(reason));
}

option_verdict lcp_options::check_peer_option(const option_view& o, byte_writer& nak) {
  byte_reader r(o.value);
  switch (o.type) {
    case kLcpOptMru: {
      if (o.value.size() != 2) return option_verdict::reject;
      const uint16_t v = r.be16();
      if (v < config_.min_peer_mru) {
        nak.u8(kLcpOptMru);
        nak.u8(4);
        nak.be16(config_.min_peer_mru);
        return option_verdict::nak;
      }
      // Larger than SSTP can carry is harmless: the MRU only bounds what we send.
      pending_.peer_mru = v;
      return option_verdict::ack;
    }
    case kLcpOptAccm:
      // SSTP frames are not HDLC-escaped, so an async map is meaningless and free to accept.
      return o.value.size() == 4 ? option_verdict::ack : option_verdict::reject;
    case kLcpOptAuthProtocol: {
      if (!config_.allow_auth_eap || o.value.size() < 2) return option_verdict::reject;
      const uint16_t proto = r.be16();
      if (proto == kProtoEap && o.value.size() == 2) {
        pending_.self_auth = kProtoEap;
        return option_verdict::ack;
      }
      nak.u8(kLcpOptAuthProtocol);
      nak.u8(4);
      nak.be16(kProtoEap);
      return option_verdict::nak;
    }
    case kLcpOptMagic: {
      if (o.value.size() != 4) return option_verdict::reject;
      const uint32_t v = r.be32();
      if (v != 0 && !(want_magic_ && v == magic_)) {
        pending_.peer_magic = v;
        return option_verdict::ack;
      }
      // Zero is illegal; our own value may mean a looped link (§6.4). Either
      // way Nak with a different number and keep ours until a Nak tells us.
      if (v != 0) {
        log(log_level::debug, config_.name, "peer sent our Magic-Number {:08x}", v);
        saw_own_magic_ = true;
      }
      uint32_t suggestion = new_magic();
      for (int i = 0; i < 8 && suggestion == magic_; ++i) suggestion = new_magic();
      last_nak_magic_ = suggestion;
      nak.u8(kLcpOptMagic);
      nak.u8(6);
      nak.be32(suggestion);
      return option_verdict::nak;
    }
    case kLcpOptPfc:
      if (!config_.accept_pfc || !o.value.empty()) return option_verdict::reject;
      pending_.peer_accepts_pfc = true;
      return option_verdict::ack;
    case kLcpOptAcfc:
      if (!config_.accept_acfc || !o.value.empty()) return option_verdict::reject;
      pending_.peer_accepts_acfc = true;
      return option_verdict::ack;
    default:
      // Callback (13), Quality-Protocol (4), Multilink (17-19), ...: not supported.
      return option_verdict::reject;
  }
}

void lcp_options::commit_peer_request() {
  // Our side of the result is not the peer's request to change.
  pending_.mru = result_.mru;
  pending_.magic = result_.magic;
  pending_.we_accept_pfc = result_.we_accept_pfc;
  pending_.we_accept_acfc = result_.we_accept_acfc;
  pending_.peer_auth = result_.peer_auth;
  result_ = pending_;
}

}  // namespace sstpgw::ppp
