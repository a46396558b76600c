// What IPCP's options mean (RFC 1332, RFC 1877). The server hands the client an
// address from the pool and its DNS servers by Nak; the client asks with
// 0.0.0.0 and takes what it is given. NBNS, IP-Compression-Protocol and the
// old IP-Addresses option are rejected.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "control/ppp/address_pool.hh"
#include "control/ppp/fsm.hh"

namespace sstpgw::ppp {

inline constexpr uint8_t kIpcpOptAddresses = 1;  // deprecated (RFC 1172)
inline constexpr uint8_t kIpcpOptCompression = 2;
inline constexpr uint8_t kIpcpOptAddress = 3;
inline constexpr uint8_t kIpcpOptPrimaryDns = 129;
inline constexpr uint8_t kIpcpOptPrimaryNbns = 130;
inline constexpr uint8_t kIpcpOptSecondaryDns = 131;
inline constexpr uint8_t kIpcpOptSecondaryNbns = 132;

// The outcome, valid once IPCP is Opened.
struct ipcp_result {
  ipv4_address local;                       // our address on the link
  ipv4_address peer;                        // the peer's (server: the client's pool address)
  std::optional<ipv4_address> dns_primary;  // client: as learned; server: as configured
  std::optional<ipv4_address> dns_secondary;
};

struct ipcp_server_config {
  ipv4_address local;  // the gateway's address, offered in our IP-Address option
  std::optional<ipv4_address> dns_primary;
  std::optional<ipv4_address> dns_secondary;
  address_pool* pool = nullptr;
  uint32_t preferred_worker = 0;
  fsm_config fsm;
  std::string name = "IPCP";
};

struct ipcp_client_config {
  ipv4_address requested;  // 0.0.0.0: let the server choose
  bool request_dns = true;
  fsm_config fsm;
  std::string name = "IPCP";
};

class ipcp_options : public option_policy {
 public:
  const ipcp_result& result() const { return result_; }

 protected:
  ipcp_result result_;
};

class ipcp_server_options final : public ipcp_options {
 public:
  explicit ipcp_server_options(const ipcp_server_config& config) : config_(config) {}
  ~ipcp_server_options() override { release(); }

  void reset_negotiation() override;
  void write_request(byte_writer& w) override;
  void on_ack() override;
  void on_nak(const option_view& o) override;
  void on_reject(const option_view& o) override;
  void begin_peer_request() override;
  option_verdict check_peer_option(const option_view& o, byte_writer& nak) override;
  void write_missing_options(byte_writer& nak) override;
  void commit_peer_request() override;
  void on_layer_event(layer_event e) override;
  void on_lower_down() override { release(); }

  // The address taken from the pool for this session, if any.
  std::optional<ipv4_address> assigned() const { return assigned_; }

 private:
  bool ensure_assigned();
  void release();

  const ipcp_server_config& config_;
  bool want_local_ = false;
  std::optional<ipv4_address> assigned_;
  bool saw_address_ = false;
  ipcp_result pending_;
};

class ipcp_client_options final : public ipcp_options {
 public:
  explicit ipcp_client_options(const ipcp_client_config& config) : config_(config) {}

  void reset_negotiation() override;
  void write_request(byte_writer& w) override;
  void on_ack() override;
  void on_nak(const option_view& o) override;
  void on_reject(const option_view& o) override;
  void begin_peer_request() override;
  option_verdict check_peer_option(const option_view& o, byte_writer& nak) override;
  void commit_peer_request() override;
  void on_layer_event(layer_event e) override;

 private:
  const ipcp_client_config& config_;
  ipv4_address address_;
  bool want_dns1_ = false, want_dns2_ = false;
  ipv4_address dns1_, dns2_;
  ipv4_address pending_peer_;
};

}  // namespace sstpgw::ppp
