#include "control/ppp/ipcp.hh"

#include "dataplane/ppp/protocol.hh"

namespace sstpgw::ppp {

ipcp::ipcp(ipcp_server_config config)
    : server_config_(std::move(config)),
      options_(std::make_unique<ipcp_server_options>(*server_config_)),
      fsm_(server_config_->name, kProtoIpcp, *options_, server_config_->fsm) {}

ipcp::ipcp(ipcp_client_config config)
    : client_config_(std::move(config)),
      options_(std::make_unique<ipcp_client_options>(*client_config_)),
      fsm_(client_config_->name, kProtoIpcp, *options_, client_config_->fsm) {}

std::optional<ipv4_address> ipcp::assigned_address() const {
  if (!server_config_) return std::nullopt;
  return static_cast<const ipcp_server_options&>(*options_).assigned();
}

}  // namespace sstpgw::ppp
