// The EAP peer with the EAP-TLS peer method over real OpenSSL, fed arbitrary
// Requests, Successes and Failures. It must never claim success without a
// completed handshake, and every Response must parse and fit the MRU.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>

#include "control/auth/eap_peer.hh"
#include "control/auth/eap_tls_context.hh"
#include "control/auth/eap_tls_peer.hh"
#include "dataplane/common/log.hh"
#include "tests/support/test_pki.hh"

using namespace sstpgw;
using namespace sstpgw::auth;

namespace {

struct client_env {
  client_env() : pki(testing::make_test_pki()) {
    ctx.emplace(make_eap_tls_client_context({.certificate_chain = {.pem = pki.client.cert_pem()},
                                             .private_key = {.pem = pki.client.key_pem()},
                                             .trust_roots = {.pem = pki.root.cert_pem()}}));
  }
  testing::test_pki pki;
  std::optional<handshake::tls_context> ctx;
};

constexpr size_t kMru = 200;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static client_env env;
  set_log_level(log_level::off);
  eap_tls_peer* method = nullptr;
  peer_config pc;
  pc.identity = "fuzz";
  pc.make_method = [&method] {
    auto m = std::make_unique<eap_tls_peer>(
        make_eap_tls_client_session(*env.ctx),
        eap_tls_config{.max_packet = kMru, .limits = {.max_message = 8192, .max_fragments = 32}});
    method = m.get();
    return m;
  };
  eap_peer peer(pc);
  size_t i = 0;
  uint8_t id = 0;
  while (i + 2 <= size) {
    const uint8_t ctl = data[i];
    const size_t len = std::min<size_t>(data[i + 1], size - i - 2);
    const std::span<const uint8_t> body(data + i + 2, len);
    i += 2 + len;
    switch (ctl % 4) {
      case 0:
        peer.receive(build_eap(eap_code::request, ++id, kEapTypeTls, body), {});
        break;
      case 1:
        peer.receive(build_eap_result((ctl & 4) ? eap_code::failure : eap_code::success, id), {});
        break;
      case 2:
        peer.receive(build_eap(eap_code::request, ++id, body.empty() ? 1 : body[0], body), {});
        break;
      default:
        peer.receive(body, {});
        break;
    }
    for (auto& p : peer.take_packets()) {
      eap_packet e;
      if (parse_eap(p.data, e) != eap_parse_status::ok || e.code != eap_code::response) std::abort();
      if (p.data.size() > kMru) std::abort();
    }
    if (peer.status() == auth_status::succeeded &&
        (!method || method->tls().state() != tls_state::established))
      std::abort();
  }
  return 0;
}
