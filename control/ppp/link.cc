#include "control/ppp/link.hh"

#include <algorithm>

#include "dataplane/common/log.hh"

namespace sstpgw::ppp {

std::string_view to_string(link_phase p) {
  switch (p) {
    case link_phase::dead:
      return "Dead";
    case link_phase::establish:
      return "Establish";
    case link_phase::authenticate:
      return "Authenticate";
    case link_phase::network:
      return "Network";
    case link_phase::terminate:
      return "Terminate";
  }
  return "?";
}

std::string_view to_string(link_event e) {
  switch (e) {
    case link_event::authenticated:
      return "authenticated";
    case link_event::network_up:
      return "network up";
    case link_event::network_down:
      return "network down";
    case link_event::finished:
      return "finished";
  }
  return "?";
}

namespace {

// Default layer names take the link's, so one session's log lines read together.
link_config with_layer_names(link_config c) {
  if (c.lcp.name == "LCP") c.lcp.name = c.name + " LCP";
  std::visit(
      [&c](auto& n) {
        if (n.name == "IPCP") n.name = c.name + " IPCP";
      },
      c.ipcp);
  return c;
}

}  // namespace

ppp_link::ppp_link(link_config config, std::unique_ptr<auth_phase> auth)
    : ppp_link(with_layer_names(std::move(config)), std::move(auth), 0) {}

ppp_link::ppp_link(link_config&& config, std::unique_ptr<auth_phase> auth, int)
    : name_(config.name), lcp_(std::move(config.lcp)), auth_(std::move(auth)) {
  if (auto* s = std::get_if<ipcp_server_config>(&config.ipcp))
    ipcp_.emplace(std::move(*s));
  else
    ipcp_.emplace(std::move(std::get<ipcp_client_config>(config.ipcp)));
}

void ppp_link::set_phase(link_phase p) {
  if (p == phase_) return;
  log(log_level::debug, name_, "phase {} -> {}", to_string(phase_), to_string(p));
  phase_ = p;
}

void ppp_link::start(time_point now) {
  if (phase_ != link_phase::dead) return;
  set_phase(link_phase::establish);
  // NCPs are opened administratively now and come up in the Network phase.
  ipcp_->open(now);
  lcp_.open(now);
  lcp_.up(now);
  pump(now);
}

void ppp_link::close(time_point now, std::string_view reason) {
  if (phase_ == link_phase::dead) return;
  if (reason_.empty()) reason_ = reason;
  ipcp_->down(now);  // reported as network_down by pump()
  set_phase(link_phase::terminate);
  lcp_.close(now, reason);
  pump(now);
}

void ppp_link::lower_down(time_point now) {
  if (phase_ == link_phase::dead) return;
  if (reason_.empty()) reason_ = "lower layer down";
  ipcp_->down(now);
  lcp_.down(now);
  lcp_.close(now, reason_);
  for (layer_event e : ipcp_->take_events())
    if (e == layer_event::down) events_.push_back(link_event::network_down);
  lcp_.take_events();
  lcp_.take_packets();
  ipcp_->take_packets();
  if (auth_) auth_->take_packets();
  set_phase(link_phase::dead);
  events_.push_back(link_event::finished);
}

void ppp_link::receive_frame(std::span<const uint8_t> frame, time_point now) {
  frame_view v;
  if (parse_frame(frame, v) != parse_status::ok || phase_ == link_phase::dead) {
    ++discarded_;
    return;
  }
  const uint16_t proto = v.header.protocol;
  if (proto == kProtoLcp) {
    lcp_.receive(v.information, now);
  } else if (auth_ && proto == auth_->protocol() &&
             (phase_ == link_phase::authenticate || phase_ == link_phase::network)) {
    auth_->receive(v.information, now);  // late retransmissions in Network are ignored by the phase
  } else if (phase_ != link_phase::network) {
    ++discarded_;  // §3.5: only LCP and authentication before the Network phase
  } else if (proto == kProtoIpcp) {
    ipcp_->receive(v.information, now);
  } else if (proto == kProtoIpv4) {
    ++discarded_;  // data belongs to the worker; the control thread does not forward it
  } else {
    lcp_.reject_protocol(proto, v.information);
  }
  pump(now);
}

void ppp_link::on_timer(time_point now) {
  lcp_.on_timer(now);
  ipcp_->on_timer(now);
  if (auth_ && phase_ == link_phase::authenticate) auth_->on_timer(now);
  pump(now);
}

time_point ppp_link::next_deadline() const {
  time_point t = std::min(lcp_.next_deadline(), ipcp_->next_deadline());
  if (auth_ && phase_ == link_phase::authenticate) t = std::min(t, auth_->next_deadline());
  return t;
}

void ppp_link::on_lcp_event(layer_event e, time_point now) {
  switch (e) {
    case layer_event::up: {
      ever_opened_ = true;
      const lcp_negotiated& n = lcp_.negotiated();
      ipcp_->set_peer_mru(lcp_.max_send_size());
      const bool needs_auth = n.peer_auth != 0 || n.self_auth != 0;
      if (!needs_auth) {
        set_phase(link_phase::network);
        ipcp_->up(now);
      } else if (!auth_) {
        close(now, "authentication required but none configured");
      } else {
        set_phase(link_phase::authenticate);
        auth_->start(n, lcp_.max_send_size(), now);
      }
      break;
    }
    case layer_event::down:
      ipcp_->down(now);
      // A renegotiated LCP would need a new authentication and a new SSTP
      // crypto binding, which SSTP cannot do: end the link instead.
      if (ever_opened_ && phase_ != link_phase::terminate) {
        if (reason_.empty()) reason_ = lcp_.reason().empty() ? "LCP renegotiation" : lcp_.reason();
        set_phase(link_phase::terminate);
        if (lcp_.state() != fsm_state::closing && lcp_.state() != fsm_state::stopping)
          lcp_.close(now, "LCP renegotiation is not supported");
      }
      break;
    case layer_event::started:
      break;
    case layer_event::finished:
      if (reason_.empty()) reason_ = lcp_.reason();
      ipcp_->down(now);
      set_phase(link_phase::dead);
      log(log_level::info, name_, "link finished: {}", reason_);
      events_.push_back(link_event::finished);
      break;
  }
}

void ppp_link::collect(std::vector<outgoing_packet> packets) {
  const header_form form = lcp_.tx_header_form();
  for (const auto& p : packets) {
    std::vector<uint8_t> f(header_length(form, p.protocol) + p.data.size());
    f.resize(build_frame(f, form, p.protocol, p.data));
    frames_.push_back(std::move(f));
  }
}

void ppp_link::pump(time_point now) {
  // Layers react to each other; a few rounds settle everything one input causes.
  for (int round = 0; round < 8; ++round) {
    bool changed = false;
    for (layer_event e : lcp_.take_events()) {
      on_lcp_event(e, now);
      changed = true;
    }
    for (uint16_t proto : lcp_.take_rejected_protocols()) {
      if (proto == kProtoIpcp) ipcp_->protocol_rejected(now);
      if (auth_ && proto == auth_->protocol() && phase_ == link_phase::authenticate)
        close(now, "peer rejected the authentication protocol");
      changed = true;
    }
    if (auth_ && phase_ == link_phase::authenticate) {
      const auto st = auth_->status();
      if (st == auth_phase::result::succeeded && !auth_reported_) {
        auth_reported_ = true;
        events_.push_back(link_event::authenticated);
        set_phase(link_phase::network);
        ipcp_->up(now);
        changed = true;
      } else if (st == auth_phase::result::failed) {
        collect(auth_->take_packets());  // the EAP-Failure goes out before LCP Terminate
        close(now, "authentication failed: " + auth_->reason());
        changed = true;
      }
    }
    for (layer_event e : ipcp_->take_events()) {
      changed = true;
      if (e == layer_event::up) events_.push_back(link_event::network_up);
      if (e == layer_event::down) events_.push_back(link_event::network_down);
      if (e == layer_event::finished && phase_ == link_phase::network)
        close(now, ipcp_->reason().empty() ? "IPCP finished" : "IPCP: " + ipcp_->reason());
    }
    collect(lcp_.take_packets());
    if (auth_) collect(auth_->take_packets());
    collect(ipcp_->take_packets());
    if (!changed) break;
  }
}

}  // namespace sstpgw::ppp
