// One PPP link, phase by phase (RFC 1661 §3.2): Establish (LCP), Authenticate,
// Network (IPCP), Terminate. Takes whole PPP frames as SSTP carries them and
// gives back frames in the negotiated header form, so the session owner only
// moves bytes and reacts to four events. Protocols we do not run (IPV6CP, CCP,
// IPv6, ...) are Protocol-Rejected in the Network phase; anything but LCP and
// the authentication protocol is discarded before it (§3.5).
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "control/ppp/auth_phase.hh"
#include "control/ppp/ipcp.hh"
#include "control/ppp/lcp.hh"

namespace sstpgw::ppp {

enum class link_phase : uint8_t { dead, establish, authenticate, network, terminate };
std::string_view to_string(link_phase p);

enum class link_event : uint8_t {
  authenticated,  // the auth phase succeeded (read its keys now: the crypto binding needs them)
  network_up,     // IPCP Opened: ipcp_layer().result() has the addresses
  network_down,   // IPCP left Opened
  finished,       // the link is over; reason() says why
};
std::string_view to_string(link_event e);

struct link_config {
  lcp_config lcp;
  std::variant<ipcp_server_config, ipcp_client_config> ipcp;
  std::string name = "PPP";
};

class ppp_link {
 public:
  // auth may be null when no authentication is configured (a peer that then
  // requires it ends the link).
  ppp_link(link_config config, std::unique_ptr<auth_phase> auth);
  ppp_link(const ppp_link&) = delete;
  ppp_link& operator=(const ppp_link&) = delete;

  // The SSTP call is up: the lower layer is up and LCP starts negotiating.
  void start(time_point now);
  // Ends the link with LCP Terminate-Request carrying the reason.
  void close(time_point now, std::string_view reason);
  // The transport is gone: every layer down at once, nothing more is sent.
  void lower_down(time_point now);

  // One PPP frame from the peer ([FF 03] protocol information).
  void receive_frame(std::span<const uint8_t> frame, time_point now);
  void on_timer(time_point now);
  time_point next_deadline() const;

  // Frames for the peer, headers already in the negotiated form.
  std::vector<std::vector<uint8_t>> take_frames() { return std::exchange(frames_, {}); }
  std::vector<link_event> take_events() { return std::exchange(events_, {}); }

  link_phase phase() const { return phase_; }
  const std::string& reason() const { return reason_; }
  header_form tx_header_form() const { return lcp_.tx_header_form(); }
  lcp& lcp_layer() { return lcp_; }
  const lcp& lcp_layer() const { return lcp_; }
  ipcp& ipcp_layer() { return *ipcp_; }
  const ipcp& ipcp_layer() const { return *ipcp_; }
  auth_phase* auth() { return auth_.get(); }

  // Frames discarded by phase or unparseable, for stats.
  uint64_t discarded_frames() const { return discarded_; }

 private:
  ppp_link(link_config&& named, std::unique_ptr<auth_phase> auth, int);
  void pump(time_point now);
  void on_lcp_event(layer_event e, time_point now);
  void collect(std::vector<outgoing_packet> packets);
  void set_phase(link_phase p);

  std::string name_;
  lcp lcp_;
  std::optional<ipcp> ipcp_;  // optional only to pick the role's constructor in ours
  std::unique_ptr<auth_phase> auth_;
  link_phase phase_ = link_phase::dead;
  bool auth_reported_ = false;
  bool ever_opened_ = false;
  std::string reason_;
  uint64_t discarded_ = 0;
  std::vector<std::vector<uint8_t>> frames_;
  std::vector<link_event> events_;
};

}  // namespace sstpgw::ppp
