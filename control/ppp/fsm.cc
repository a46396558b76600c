#include "control/ppp/fsm.hh"

#include <algorithm>
#include <array>
#include <utility>

#include "dataplane/common/log.hh"

namespace sstpgw::ppp {

std::string_view to_string(fsm_state s) {
  switch (s) {
    case fsm_state::initial:
      return "Initial";
    case fsm_state::starting:
      return "Starting";
    case fsm_state::closed:
      return "Closed";
    case fsm_state::stopped:
      return "Stopped";
    case fsm_state::closing:
      return "Closing";
    case fsm_state::stopping:
      return "Stopping";
    case fsm_state::req_sent:
      return "Req-Sent";
    case fsm_state::ack_rcvd:
      return "Ack-Rcvd";
    case fsm_state::ack_sent:
      return "Ack-Sent";
    case fsm_state::opened:
      return "Opened";
  }
  return "?";
}

std::string_view to_string(layer_event e) {
  switch (e) {
    case layer_event::up:
      return "up";
    case layer_event::down:
      return "down";
    case layer_event::started:
      return "started";
    case layer_event::finished:
      return "finished";
  }
  return "?";
}

fsm::fsm(std::string_view name, uint16_t protocol, option_policy& policy, const fsm_config& config)
    : name_(name), protocol_(protocol), policy_(policy), config_(config), next_id_(0) {}

void fsm::up(time_point now) { dispatch(event::up, now); }

void fsm::down(time_point now) {
  dispatch(event::down, now);
  policy_.on_lower_down();
}

void fsm::open(time_point now) { dispatch(event::open, now); }

void fsm::close(time_point now, std::string_view reason) {
  if (!reason.empty()) reason_ = reason;
  dispatch(event::close, now);
}

void fsm::protocol_rejected(time_point now) {
  reason_ = "peer rejected the protocol (LCP Protocol-Reject)";
  dispatch(event::rxj_minus, now);
}

std::vector<outgoing_packet> fsm::take_packets() { return std::exchange(out_, {}); }
std::vector<layer_event> fsm::take_events() { return std::exchange(events_, {}); }

void fsm::send(cp_code code, uint8_t identifier, std::span<const uint8_t> data) {
  // Quoting and free-text packets are cut to the peer's MRU; Configure-* replies
  // never are (a cut option list would be malformed) and are no longer than
  // what the peer itself sent.
  const bool cut = code == cp_code::code_reject || code == cp_code::protocol_reject ||
                   code == cp_code::echo_request || code == cp_code::echo_reply ||
                   code == cp_code::terminate_request;
  out_.push_back({protocol_, build_cp_packet(static_cast<uint8_t>(code), identifier, data,
                                             cut ? peer_mru_ : size_t{65535})});
}

bool fsm::timer_state() const {
  switch (state_) {
    case fsm_state::closing:
    case fsm_state::stopping:
    case fsm_state::req_sent:
    case fsm_state::ack_rcvd:
    case fsm_state::ack_sent:
      return true;
    default:
      return false;
  }
}

void fsm::set_state(fsm_state s) {
  if (s != state_) log(log_level::debug, name_, "{} -> {}", to_string(state_), to_string(s));
  state_ = s;
  if (!timer_state()) deadline_ = kNoDeadline;
}

void fsm::on_timer(time_point now) {
  if (deadline_ == kNoDeadline || now < deadline_) return;
  deadline_ = kNoDeadline;
  if (restart_counter_ > 0) {
    dispatch(event::to_plus, now);
  } else {
    if (state_ == fsm_state::req_sent || state_ == fsm_state::ack_rcvd || state_ == fsm_state::ack_sent)
      reason_ = "no reply to " + std::to_string(config_.max_configure) + " Configure-Requests";
    dispatch(event::to_minus, now);
  }
}

// ---- actions -------------------------------------------------------------

void fsm::tlu() {
  naks_sent_ = naks_received_ = 0;
  log(log_level::info, name_, "layer up");
  events_.push_back(layer_event::up);
  policy_.on_layer_event(layer_event::up);
}

void fsm::tld() {
  log(log_level::info, name_, "layer down");
  events_.push_back(layer_event::down);
  policy_.on_layer_event(layer_event::down);
}

void fsm::tls() {
  events_.push_back(layer_event::started);
  policy_.on_layer_event(layer_event::started);
}

void fsm::tlf() {
  log(log_level::info, name_, "layer finished{}{}", reason_.empty() ? "" : ": ", reason_);
  events_.push_back(layer_event::finished);
  policy_.on_layer_event(layer_event::finished);
}

void fsm::zrc(time_point now) {
  restart_counter_ = 0;
  start_timer(now);
}

void fsm::scr(time_point now, bool retransmit) {
  const bool negotiating =
      state_ == fsm_state::req_sent || state_ == fsm_state::ack_rcvd || state_ == fsm_state::ack_sent;
  if (!negotiating) {
    // Not already negotiating: start from the configured wishes again.
    policy_.reset_negotiation();
    naks_sent_ = naks_received_ = 0;
  }
  if (!retransmit || !request_valid_) {
    std::array<uint8_t, 1500> buf;
    byte_writer w(buf.data(), buf.size());
    policy_.write_request(w);
    request_options_.assign(w.written().begin(), w.written().end());
    request_id_ = new_identifier();
    request_valid_ = true;
    seen_ack_ = false;
  }
  send(cp_code::configure_request, request_id_, request_options_);
  if (restart_counter_ > 0) --restart_counter_;
  start_timer(now);
}

void fsm::sca() {
  send(static_cast<cp_code>(reply_code_), reply_id_, reply_data_);
  policy_.commit_peer_request();
  naks_sent_ = 0;
}

void fsm::scn() {
  send(static_cast<cp_code>(reply_code_), reply_id_, reply_data_);
  if (reply_code_ == static_cast<uint8_t>(cp_code::configure_nak) && naks_sent_ < 255) ++naks_sent_;
}

void fsm::str(time_point now) {
  const std::string_view why = reason_;
  send(cp_code::terminate_request, new_identifier(),
       {reinterpret_cast<const uint8_t*>(why.data()), why.size()});
  if (restart_counter_ > 0) --restart_counter_;
  start_timer(now);
}

void fsm::sta() { send(cp_code::terminate_ack, answer_id_, {}); }

void fsm::scj() { send(cp_code::code_reject, new_identifier(), rejected_packet_); }

// ---- the state table (RFC 1661 §4.1) ---------------------------------------
// One line per cell, in the RFC's order, so it reads against the table.
// clang-format off
void fsm::dispatch(event ev, time_point now) {
  using S = fsm_state;
  const S s = state_;
  switch (ev) {
    case event::up:
      if (s == S::initial) set_state(S::closed);
      else if (s == S::starting) { irc_configure(); scr(now, false); set_state(S::req_sent); }
      break;

    case event::down:
      switch (s) {
        case S::closed: set_state(S::initial); break;
        case S::stopped: tls(); set_state(S::starting); break;
        case S::closing: set_state(S::initial); break;
        case S::stopping:
        case S::req_sent:
        case S::ack_rcvd:
        case S::ack_sent: set_state(S::starting); break;
        case S::opened: tld(); set_state(S::starting); break;
        default: break;
      }
      break;

    case event::open:
      switch (s) {
        case S::initial: tls(); set_state(S::starting); break;
        case S::closed: irc_configure(); scr(now, false); set_state(S::req_sent); break;
        case S::closing: set_state(S::stopping); break;
        default: break;  // Starting, Stopped, Stopping, negotiating, Opened: no change
      }
      break;

    case event::close:
      switch (s) {
        case S::starting: tlf(); set_state(S::initial); break;
        case S::stopped: set_state(S::closed); break;
        case S::stopping: set_state(S::closing); break;
        case S::req_sent:
        case S::ack_rcvd:
        case S::ack_sent: irc_terminate(); str(now); set_state(S::closing); break;
        case S::opened: tld(); irc_terminate(); str(now); set_state(S::closing); break;
        default: break;
      }
      break;

    case event::to_plus:
      switch (s) {
        case S::closing:
        case S::stopping: str(now); break;
        case S::req_sent:
        case S::ack_rcvd: scr(now, true); set_state(S::req_sent); break;
        case S::ack_sent: scr(now, true); break;
        default: break;
      }
      break;

    case event::to_minus:
      switch (s) {
        case S::closing: tlf(); set_state(S::closed); break;
        case S::stopping:
        case S::req_sent:
        case S::ack_rcvd:
        case S::ack_sent: tlf(); set_state(S::stopped); break;
        default: break;
      }
      break;

    case event::rcr_plus:
      switch (s) {
        case S::closed: sta(); break;
        case S::stopped: irc_configure(); scr(now, false); sca(); set_state(S::ack_sent); break;
        case S::req_sent: sca(); set_state(S::ack_sent); break;
        case S::ack_rcvd: sca(); set_state(S::opened); tlu(); break;
        case S::ack_sent: sca(); break;
        case S::opened: tld(); scr(now, false); sca(); set_state(S::ack_sent); break;
        default: break;
      }
      break;

    case event::rcr_minus:
      switch (s) {
        case S::closed: sta(); break;
        case S::stopped: irc_configure(); scr(now, false); scn(); set_state(S::req_sent); break;
        case S::req_sent:
        case S::ack_rcvd: scn(); break;
        case S::ack_sent: scn(); set_state(S::req_sent); break;
        case S::opened: tld(); scr(now, false); scn(); set_state(S::req_sent); break;
        default: break;
      }
      break;

    case event::rca:
      switch (s) {
        case S::closed:
        case S::stopped: sta(); break;
        case S::req_sent: irc_configure(); set_state(S::ack_rcvd); break;
        case S::ack_rcvd: scr(now, false); set_state(S::req_sent); break;  // crossed connection
        case S::ack_sent: irc_configure(); set_state(S::opened); tlu(); break;
        case S::opened: tld(); scr(now, false); set_state(S::req_sent); break;
        default: break;
      }
      break;

    case event::rcn:
      switch (s) {
        case S::closed:
        case S::stopped: sta(); break;
        case S::req_sent: irc_configure(); scr(now, false); break;
        case S::ack_rcvd: scr(now, false); set_state(S::req_sent); break;
        case S::ack_sent: irc_configure(); scr(now, false); break;
        case S::opened: tld(); scr(now, false); set_state(S::req_sent); break;
        default: break;
      }
      break;

    case event::rtr:
      switch (s) {
        case S::closed:
        case S::stopped:
        case S::closing:
        case S::stopping: sta(); break;
        case S::req_sent:
        case S::ack_rcvd:
        case S::ack_sent: sta(); set_state(S::req_sent); break;
        case S::opened: tld(); zrc(now); sta(); set_state(S::stopping); break;
        default: break;
      }
      break;

    case event::rta:
      switch (s) {
        case S::closing: tlf(); set_state(S::closed); break;
        case S::stopping: tlf(); set_state(S::stopped); break;
        case S::ack_rcvd: set_state(S::req_sent); break;
        case S::opened: tld(); scr(now, false); set_state(S::req_sent); break;
        default: break;
      }
      break;

    case event::ruc:
      if (s != S::initial && s != S::starting) scj();
      break;

    case event::rxj_plus:
      if (s == S::ack_rcvd) set_state(S::req_sent);
      break;

    case event::rxj_minus:
      switch (s) {
        case S::closed:
        case S::closing: tlf(); set_state(S::closed); break;
        case S::stopped:
        case S::stopping:
        case S::req_sent:
        case S::ack_rcvd:
        case S::ack_sent: tlf(); set_state(S::stopped); break;
        case S::opened: tld(); irc_terminate(); str(now); set_state(S::stopping); break;
        default: break;
      }
      break;
  }
}
// clang-format on

// ---- receive ---------------------------------------------------------------

void fsm::receive(std::span<const uint8_t> info, time_point now) {
  if (state_ == fsm_state::initial || state_ == fsm_state::starting) return;  // lower layer not up
  cp_packet p;
  if (!parse_cp_packet(info, p)) {
    log(log_level::debug, name_, "discarding malformed packet ({} bytes)", info.size());
    return;
  }
  answer_id_ = p.identifier;
  switch (static_cast<cp_code>(p.code)) {
    case cp_code::configure_request:
      on_configure_request(p, now);
      break;
    case cp_code::configure_ack:
      on_configure_ack(p, now);
      break;
    case cp_code::configure_nak:
    case cp_code::configure_reject:
      on_configure_nak_or_reject(p, now);
      break;
    case cp_code::terminate_request: {
      // While we are closing for a reason of our own, keep that reason.
      if (state_ != fsm_state::closing && state_ != fsm_state::stopping) {
        std::string text(p.data.begin(), p.data.end());
        reason_ = "peer sent Terminate-Request" + (text.empty() ? std::string() : ": " + text);
      }
      dispatch(event::rtr, now);
      break;
    }
    case cp_code::terminate_ack:
      dispatch(event::rta, now);
      break;
    case cp_code::code_reject: {
      // Rejecting anything we need (codes 1-7) is catastrophic; anything else is not.
      const uint8_t rejected = p.data.empty() ? 0 : p.data[0];
      if (rejected >= 1 && rejected <= 7) {
        reason_ = "peer rejected code " + std::to_string(rejected);
        dispatch(event::rxj_minus, now);
      } else {
        dispatch(event::rxj_plus, now);
      }
      break;
    }
    default:
      log(log_level::debug, name_, "unknown code {}: Code-Reject", p.code);
      rejected_packet_.assign(p.whole.begin(), p.whole.end());
      dispatch(event::ruc, now);
      break;
  }
  check_policy(now);
}

void fsm::check_policy(time_point now) {
  if (policy_.failure().empty()) return;
  const std::string why(policy_.failure());
  policy_.clear_failure();
  log(log_level::warn, name_, "closing: {}", why);
  close(now, why);
}

void fsm::on_configure_request(const cp_packet& p, time_point now) {
  if (!options_well_formed(p.data)) {
    log(log_level::debug, name_, "discarding Configure-Request with malformed options");
    return;
  }
  const bool answers = state_ == fsm_state::stopped || state_ == fsm_state::req_sent ||
                       state_ == fsm_state::ack_rcvd || state_ == fsm_state::ack_sent ||
                       state_ == fsm_state::opened;
  bool acceptable = true;
  if (answers) {
    std::array<uint8_t, 1500> nak_buf, rej_buf;
    byte_writer naks(nak_buf.data(), nak_buf.size());
    byte_writer rejects(rej_buf.data(), rej_buf.size());
    // Past Max-Failure, Naks turn into Rejects (RFC 1661 §4.6).
    const bool nak_allowed = naks_sent_ < config_.max_failure;
    policy_.begin_peer_request();
    option_reader r(p.data);
    option_view o;
    while (r.next(o)) {
      std::array<uint8_t, 256> one;
      byte_writer suggestion(one.data(), one.size());
      switch (policy_.check_peer_option(o, suggestion)) {
        case option_verdict::ack:
          break;
        case option_verdict::nak:
          if (nak_allowed)
            naks.bytes(suggestion.written());
          else
            rejects.bytes(o.raw);
          break;
        case option_verdict::reject:
          rejects.bytes(o.raw);
          break;
      }
    }
    if (rejects.size() == 0 && nak_allowed) policy_.write_missing_options(naks);
    reply_id_ = p.identifier;
    if (rejects.size() > 0) {
      reply_code_ = static_cast<uint8_t>(cp_code::configure_reject);
      reply_data_.assign(rejects.written().begin(), rejects.written().end());
      acceptable = false;
    } else if (naks.size() > 0) {
      reply_code_ = static_cast<uint8_t>(cp_code::configure_nak);
      reply_data_.assign(naks.written().begin(), naks.written().end());
      acceptable = false;
    } else {
      reply_code_ = static_cast<uint8_t>(cp_code::configure_ack);
      reply_data_.assign(p.data.begin(), p.data.end());
    }
  }
  if (answers && !policy_.failure().empty()) {
    // The policy cannot go on (e.g. no address left): say which option failed
    // if there is one to reject, never Ack, and let check_policy() close.
    if (!acceptable) send(static_cast<cp_code>(reply_code_), reply_id_, reply_data_);
    return;
  }
  dispatch(acceptable ? event::rcr_plus : event::rcr_minus, now);
}

void fsm::on_configure_ack(const cp_packet& p, time_point now) {
  const bool negotiating =
      state_ == fsm_state::req_sent || state_ == fsm_state::ack_rcvd || state_ == fsm_state::ack_sent;
  if (negotiating) {
    // An Ack must answer our outstanding request and repeat its options exactly (§5.2).
    if (p.identifier != request_id_ || seen_ack_ || !std::ranges::equal(p.data, request_options_)) {
      log(log_level::debug, name_, "discarding Configure-Ack that does not match our request");
      return;
    }
    seen_ack_ = true;
    policy_.on_ack();
    naks_received_ = 0;
  } else if (state_ == fsm_state::opened && (p.identifier != request_id_ || seen_ack_)) {
    return;  // a duplicate Ack must not tear the link down
  }
  dispatch(event::rca, now);
}

void fsm::on_configure_nak_or_reject(const cp_packet& p, time_point now) {
  const bool reject = p.code == static_cast<uint8_t>(cp_code::configure_reject);
  const bool negotiating =
      state_ == fsm_state::req_sent || state_ == fsm_state::ack_rcvd || state_ == fsm_state::ack_sent;
  if (negotiating) {
    if (p.identifier != request_id_ || seen_ack_ || !options_well_formed(p.data)) {
      log(log_level::debug, name_, "discarding {} that does not match our request",
          reject ? "Configure-Reject" : "Configure-Nak");
      return;
    }
    option_reader r(p.data);
    option_view o;
    if (reject) {
      // A Reject may only quote options we sent, unchanged (§5.4).
      while (r.next(o)) {
        bool found = false;
        option_reader mine(request_options_);
        option_view m;
        while (!found && mine.next(m)) found = std::ranges::equal(m.raw, o.raw);
        if (!found) {
          log(log_level::debug, name_, "discarding Configure-Reject quoting an option we did not send");
          return;
        }
      }
      r = option_reader(p.data);
    }
    while (r.next(o)) {
      if (reject)
        policy_.on_reject(o);
      else
        policy_.on_nak(o);
    }
    if (++naks_received_ > config_.max_naks_received) {
      close(now, "negotiation does not converge: " + std::to_string(config_.max_naks_received) +
                     " Configure-Nak/Reject in a row");
      return;
    }
    if (!policy_.failure().empty()) return;  // check_policy() closes the layer
  } else if (state_ == fsm_state::opened && (p.identifier != request_id_ || seen_ack_)) {
    return;
  }
  dispatch(event::rcn, now);
}

}  // namespace sstpgw::ppp
