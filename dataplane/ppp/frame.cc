#include "dataplane/ppp/frame.hh"

#include <cstring>

namespace sstpgw::ppp {

size_t build_frame(std::span<uint8_t> out, header_form f, uint16_t protocol,
                   std::span<const uint8_t> information) {
  const size_t hl = header_length(f, protocol);
  if (out.size() < hl + information.size()) return 0;
  write_header(out.data(), f, protocol);
  if (!information.empty()) std::memcpy(out.data() + hl, information.data(), information.size());
  return hl + information.size();
}

std::string_view protocol_name(uint16_t protocol) {
  switch (protocol) {
    case kProtoIpv4:
      return "IPv4";
    case kProtoIpv6:
      return "IPv6";
    case kProtoIpcp:
      return "IPCP";
    case kProtoIpv6cp:
      return "IPV6CP";
    case kProtoCcp:
      return "CCP";
    case kProtoLcp:
      return "LCP";
    case kProtoPap:
      return "PAP";
    case kProtoChap:
      return "CHAP";
    case kProtoEap:
      return "EAP";
    default:
      return "unknown";
  }
}

}  // namespace sstpgw::ppp
