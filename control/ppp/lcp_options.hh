// What LCP's options mean to us (RFC 1661 §6, RFC 1570): MRU, Magic-Number,
// Authentication-Protocol, PFC and ACFC; everything else (Callback 13, Quality,
// Multilink, ...) is rejected. One policy serves the server (asks the client to
// authenticate with EAP) and the client (lets the server ask for EAP only).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "control/ppp/fsm.hh"

namespace sstpgw::ppp {

inline constexpr uint8_t kLcpOptMru = 1;
inline constexpr uint8_t kLcpOptAccm = 2;
inline constexpr uint8_t kLcpOptAuthProtocol = 3;
inline constexpr uint8_t kLcpOptQuality = 4;
inline constexpr uint8_t kLcpOptMagic = 5;
inline constexpr uint8_t kLcpOptPfc = 7;
inline constexpr uint8_t kLcpOptAcfc = 8;
inline constexpr uint8_t kLcpOptCallback = 13;

// The MRU a peer assumes when none is negotiated (RFC 1661 §6.1).
inline constexpr uint16_t kDefaultMru = 1500;
// An SSTP packet is at most 4095 bytes (12-bit length) including its 4-byte
// header; the PPP header takes up to 4 more (FF 03 + protocol).
inline constexpr uint16_t kSstpMaxMru = 4095 - 4 - 4;

struct lcp_config {
  // What we ask the peer to send us at most. Clamped to kSstpMaxMru.
  uint16_t mru = 1400;
  // Smaller MRUs from the peer are Nak'd up to this (pppd's MINMRU).
  uint16_t min_peer_mru = 128;
  bool request_magic = true;
  // Ask the peer to let us receive compressed headers (we parse both anyway).
  bool request_pfc = false;
  bool request_acfc = false;
  // Let the peer receive compressed headers from us when it asks (Windows does).
  bool accept_pfc = true;
  bool accept_acfc = true;
  // Server: the protocol the peer must authenticate with (EAP); 0 asks for none.
  uint16_t require_auth = 0;
  // Client: let the peer ask us to authenticate, with EAP only (others are Nak'd to EAP).
  bool allow_auth_eap = false;
  // Source of Magic-Numbers; std::random_device when empty.
  std::function<uint32_t()> random;
  fsm_config fsm;
  // Log component, e.g. "LCP[session 42]".
  std::string name = "LCP";

  static lcp_config server();
  static lcp_config client();
};

// The outcome, valid once LCP is Opened.
struct lcp_negotiated {
  uint16_t mru = kDefaultMru;       // the peer sends us at most this (ours, acknowledged)
  uint16_t peer_mru = kDefaultMru;  // we send the peer at most this (its, acknowledged)
  uint32_t magic = 0;               // ours; 0 if not negotiated
  uint32_t peer_magic = 0;
  bool peer_accepts_pfc = false;   // we may send one-octet protocol fields
  bool peer_accepts_acfc = false;  // we may omit FF 03
  bool we_accept_pfc = false;
  bool we_accept_acfc = false;
  uint16_t peer_auth = 0;  // the peer must authenticate to us with this
  uint16_t self_auth = 0;  // we must authenticate to the peer with this
};

class lcp_options final : public option_policy {
 public:
  explicit lcp_options(const lcp_config& config);

  void reset_negotiation() override;
  void write_request(byte_writer& w) override;
  void on_ack() override;
  void on_nak(const option_view& o) override;
  void on_reject(const option_view& o) override;
  void begin_peer_request() override;
  option_verdict check_peer_option(const option_view& o, byte_writer& nak) override;
  void commit_peer_request() override;

  const lcp_negotiated& negotiated() const { return result_; }
  uint32_t magic() const { return want_magic_ ? magic_ : 0; }
  uint32_t new_magic();

 private:
  const lcp_config& config_;
  // Our wishes for the current negotiation.
  bool want_mru_ = false;
  uint16_t mru_ = kDefaultMru;
  bool want_magic_ = false;
  uint32_t magic_ = 0;
  bool want_pfc_ = false;
  bool want_acfc_ = false;
  uint16_t want_auth_ = 0;
  // The peer's request being checked, committed when we Ack it.
  lcp_negotiated pending_;
  lcp_negotiated result_;
  void refuse(std::string reason);

  uint32_t last_nak_magic_ = 0;  // the Magic-Number we last suggested in a Nak
  bool saw_own_magic_ = false;   // the last peer request carried our Magic-Number
  int loopbacks_ = 0;
};

}  // namespace sstpgw::ppp
