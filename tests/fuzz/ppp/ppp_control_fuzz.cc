// LCP and IPCP automata fed arbitrary packets and events. Input: a role byte,
// then records [op][len][len bytes]. Checks: every packet sent parses and fits
// the peer's MRU, the pool never hands out an address twice, and every address
// goes back when the session ends.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <vector>

#include "control/ppp/ipcp.hh"
#include "control/ppp/lcp.hh"
#include "dataplane/common/log.hh"

using namespace sstpgw::ppp;
using sstpgw::ipv4_address;

namespace {

class checked_pool : public address_pool {
 public:
  std::optional<ipv4_address> allocate(uint32_t) override {
    for (uint8_t i = 0; i < 2; ++i)
      if (!used[i]) {
        used[i] = true;
        return ipv4_address::from_octets(172, 16, 201, static_cast<uint8_t>(2 + i));
      }
    return std::nullopt;
  }
  void release(ipv4_address a) override {
    const uint32_t i = (a.value & 0xFF) - 2;
    if (i > 1 || !used[i]) std::abort();  // double or foreign release
    used[i] = false;
  }
  bool used[2] = {};
};

void check(const std::vector<outgoing_packet>& out, size_t mru) {
  for (const auto& p : out) {
    cp_packet cp;
    if (!parse_cp_packet(p.data, cp) || cp.whole.size() != p.data.size()) std::abort();
    const bool bounded = cp.code == 5 || (cp.code >= 7 && cp.code <= 10);  // the ones we cut to the MRU
    if (bounded && p.data.size() > mru) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  sstpgw::set_log_level(sstpgw::log_level::off);
  const bool server = (data[0] & 1) == 0;
  checked_pool pool;
  {
    std::optional<lcp> link;
    std::optional<ipcp> ncp;
    if (server) {
      auto c = lcp_config::server();
      c.random = [n = 1u]() mutable { return n++; };
      link.emplace(c);
      ncp.emplace(ipcp_server_config{.local = ipv4_address::from_octets(172, 16, 201, 1),
                                     .dns_primary = ipv4_address::from_octets(10, 0, 0, 53),
                                     .pool = &pool});
    } else {
      auto c = lcp_config::client();
      c.random = [n = 7u]() mutable { return n++; };
      c.request_pfc = c.request_acfc = true;
      link.emplace(c);
      ncp.emplace(ipcp_client_config{});
    }
    time_point now{};
    link->open(now);
    link->up(now);
    ncp->open(now);
    ncp->up(now);
    size_t i = 1;
    while (i + 2 <= size) {
      const uint8_t op = data[i];
      const size_t len = std::min<size_t>(data[i + 1], size - i - 2);
      const std::span<const uint8_t> body(data + i + 2, len);
      i += 2 + len;
      switch (op % 9) {
        case 0:
          link->receive(body, now);
          break;
        case 1:
          ncp->receive(body, now);
          break;
        case 2:
          now += std::chrono::milliseconds(500 * (1 + len));
          link->on_timer(now);
          ncp->on_timer(now);
          break;
        case 3:
          ncp->up(now);
          break;
        case 4:
          ncp->down(now);
          break;
        case 5:
          ncp->open(now);
          break;
        case 6:
          ncp->close(now, "fuzz");
          break;
        case 7:
          link->send_echo_request();
          break;
        default:
          link->reject_protocol(kProtoIpv6cp, body);
          break;
      }
      for (uint16_t p : link->take_rejected_protocols())
        if (p == kProtoIpcp) ncp->protocol_rejected(now);
      ncp->set_peer_mru(link->max_send_size());
      check(link->take_packets(), link->max_send_size());
      check(ncp->take_packets(), link->max_send_size());
      link->take_events();
      ncp->take_events();
      (void)link->tx_header_form();
    }
    ncp->down(now);
  }
  if (pool.used[0] || pool.used[1]) std::abort();  // an address leaked
  return 0;
}
