// The EAP authenticator with the EAP-TLS server method over real OpenSSL, fed
// arbitrary Responses. Input records: [ctl][len][len bytes]; ctl bit 0 sends
// the bytes as EAP-TLS Type-Data answering the outstanding Request (so the
// input gets past identifier checks), otherwise as a raw EAP packet; ctl bit 1
// fires the retransmission timer first. Every packet sent must parse and fit
// the MRU; nothing the peer sends may crash or make it succeed.
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <optional>

#include "control/auth/eap_authenticator.hh"
#include "control/auth/eap_tls_context.hh"
#include "control/auth/eap_tls_server.hh"
#include "control/certs/cert_store.hh"
#include "dataplane/common/log.hh"
#include "tests/support/test_pki.hh"

using namespace sstpgw;
using namespace sstpgw::auth;

namespace {

struct server_env {
  server_env() : pki(testing::make_test_pki()) {
    store.add_roots("root", pki.root.cert_pem(), std::time(nullptr));
    factory.emplace(eap_tls_server_settings{.certificate_chain = {.pem = pki.server.cert_pem()},
                                            .private_key = {.pem = pki.server.key_pem()},
                                            .max_version = handshake::tls_version::tls1_3},
                    store);
  }
  testing::test_pki pki;
  certs::cert_store store;
  std::optional<eap_tls_server_factory> factory;
};

constexpr size_t kMru = 300;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static server_env env;
  set_log_level(log_level::off);
  authenticator_config ac;
  ac.make_method = [](const std::string&) {
    return std::make_unique<eap_tls_server>(
        env.factory->make([] { return static_cast<int64_t>(std::time(nullptr)); }),
        eap_tls_config{.max_packet = kMru, .limits = {.max_message = 8192, .max_fragments = 32}});
  };
  eap_authenticator server(ac);
  ppp::time_point now{};
  server.start(now);
  uint8_t outstanding = 0;
  auto drain = [&] {
    for (auto& p : server.take_packets()) {
      eap_packet e;
      if (parse_eap(p.data, e) != eap_parse_status::ok || p.data.size() > kMru) std::abort();
      if (e.code == eap_code::request) outstanding = e.identifier;
      if (e.code == eap_code::success) std::abort();  // no certificate was ever presented
    }
  };
  drain();
  size_t i = 0;
  while (i + 2 <= size) {
    const uint8_t ctl = data[i];
    const size_t len = std::min<size_t>(data[i + 1], size - i - 2);
    const std::span<const uint8_t> body(data + i + 2, len);
    i += 2 + len;
    if (ctl & 2) {
      now += std::chrono::seconds(3);
      server.on_timer(now);
    }
    if (ctl & 1) {
      const uint8_t type = (ctl & 4) ? kEapTypeIdentity : kEapTypeTls;
      server.receive(build_eap(eap_code::response, outstanding, type, body), now);
    } else {
      server.receive(body, now);
    }
    drain();
  }
  return 0;
}
