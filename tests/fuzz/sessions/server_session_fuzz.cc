// server_session fed arbitrary input, as a worker would deliver it: either an
// arbitrary raw byte stream from the start, or - after a real outer TLS
// handshake with a client tls_endpoint (TLS 1.2 or 1.3) - arbitrary HTTP
// plaintext, SSTP packets (raw, or built around fuzzed PPP LCP/EAP/IPCP
// frames and control messages to get past the framing), timers, operator
// kills, TCP loss and certificate store events.
//
// Input: byte 0 = flags (bit 0: handshake first; bit 1: a valid SSTP request
// first; bit 2: TLS 1.2), then operations [op][len][len bytes]; op % 12:
// 0 stream bytes of the current phase, 1 an SSTP packet as is, 2/3/4 an SSTP
// data packet around a PPP LCP/EAP/IPCP information field, 5 a control
// message [type][count][attributes], 6 time passes, 7 activity/kill/TCP loss,
// 8 a store event, 9 stream bytes of any phase, 10 Configure-Ack of the
// server's last LCP (body[0] even) or IPCP request, 11 an EAP Response to the
// server's last Request: [type][type-data].
//
// Invariants checked after every operation: no crash (ASan/UBSan builds), at
// most one close action and one closed event, nothing after the close, no
// data_path_up without a verified crypto binding, the address pool back to
// empty once the session is gone, and bounded output per operation.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "control/auth/eap_tls_context.hh"
#include "control/certs/cert_store.hh"
#include "control/handshake/tls_endpoint.hh"
#include "control/http/client_request.hh"
#include "control/pool/ip_pool.hh"
#include "control/sessions/server_session.hh"
#include "dataplane/common/log.hh"
#include "dataplane/ppp/frame.hh"
#include "dataplane/sstp/messages.hh"
#include "dataplane/sstp/packet.hh"
#include "dataplane/sstp/stream_framer.hh"
#include "tests/support/test_pki.hh"

using namespace sstpgw;
using namespace std::chrono_literals;

namespace {

struct env {
  env() : pki(testing::make_test_pki()) {
    store.add_roots("root", pki.root.cert_pem(), std::time(nullptr));
    pool::pool_settings ps;
    ps.ranges.push_back({ipv4_address::from_octets(172, 16, 201, 0), 29});
    pool = std::make_unique<pool::ip_pool>(ps, 2);
    eap.emplace(auth::eap_tls_server_settings{.certificate_chain = {.pem = pki.server.cert_pem()},
                                              .private_key = {.pem = pki.server.key_pem()}},
                store);
    handshake::server_tls_config sc;
    sc.certificate_chain.pem = pki.server.cert_pem();
    sc.private_key.pem = pki.server.key_pem();
    config.emplace(sessions::server_session_config{
        .outer_tls = handshake::tls_context::make_server(sc), .eap_tls = &*eap, .pool = pool.get()});
    config->gateway_address = ipv4_address::from_octets(172, 16, 201, 1);
    config->lcp.random = [] { return 0x5eed1234u; };  // reproducible Magic-Numbers
    for (auto v : {handshake::tls_version::tls1_2, handshake::tls_version::tls1_3}) {
      handshake::client_tls_config cc;
      cc.protocol.max_version = v;
      cc.protocol.records = handshake::record_protection::keep;
      cc.verify_server = false;
      clients.push_back(handshake::tls_context::make_client(cc));
    }
  }
  testing::test_pki pki;
  certs::cert_store store;
  std::unique_ptr<pool::ip_pool> pool;
  std::optional<auth::eap_tls_server_factory> eap;
  std::optional<sessions::server_session_config> config;
  std::vector<handshake::tls_context> clients;  // TLS 1.2, TLS 1.3
};

struct checker {
  sessions::server_session& s;
  bool closed = false;
  size_t closes = 0, closed_events = 0;
  std::vector<uint8_t> raw_to_client;
  bool keys_installed = false;
  // What the server sent, so operations can answer it (past its random Magic-Number and identifiers).
  bool sstp_started = false;
  bool reply_skipped = false;
  sstp::stream_framer framer;
  std::vector<uint8_t> lcp_request, ipcp_request;  // the server's last Configure-Requests (information field)
  std::optional<uint8_t> eap_request_id;

  void watch(std::span<const uint8_t> plaintext) {
    if (!sstp_started) return;
    if (!reply_skipped) {  // the 200 OK precedes the first SSTP packet, in one send_plaintext
      reply_skipped = true;
      return;
    }
    for (;;) {
      std::span<const uint8_t> packet;
      if (framer.next(plaintext, packet) != sstp::frame_status::packet) return;
      if (packet[1] & sstp::kControlBit) continue;
      ppp::frame_view f;
      if (ppp::parse_frame(packet.subspan(sstp::kHeaderSize), f) != ppp::parse_status::ok ||
          f.information.empty())
        continue;
      const uint8_t code = f.information[0];
      if (f.header.protocol == ppp::kProtoLcp && code == 1)
        lcp_request.assign(f.information.begin(), f.information.end());
      if (f.header.protocol == ppp::kProtoIpcp && code == 1)
        ipcp_request.assign(f.information.begin(), f.information.end());
      if (f.header.protocol == ppp::kProtoEap && code == 1 && f.information.size() > 1)
        eap_request_id = f.information[1];
    }
  }

  void drain() {
    size_t bytes = 0;
    for (sessions::session_action& a : s.take_actions()) {
      if (closed) std::abort();  // nothing after the close
      if (auto* r = std::get_if<sessions::send_raw>(&a)) {
        raw_to_client.insert(raw_to_client.end(), r->bytes.begin(), r->bytes.end());
        bytes += r->bytes.size();
      }
      if (auto* p = std::get_if<sessions::send_plaintext>(&a)) {
        bytes += p->bytes.size();
        watch(p->bytes);
      }
      if (std::holds_alternative<sessions::start_sstp>(a)) sstp_started = true;
      if (std::holds_alternative<sessions::install_keys>(a)) keys_installed = true;
      if (std::holds_alternative<sessions::data_path_up>(a)) {
        // Only a verified binding may open the data path.
        if (!s.info().hlak_form || s.call_counters().get(sstp::call_counter::calls_connected) == 0)
          std::abort();
      }
      if (std::holds_alternative<sessions::close_connection>(a)) {
        ++closes;
        closed = true;
      }
    }
    for (const sessions::session_event& e : s.take_events())
      if (e.kind == sessions::session_event_kind::closed) ++closed_events;
    if (closes > 1 || closed_events > 1 || closes != closed_events) std::abort();
    if (bytes > (1u << 20)) std::abort();  // one input never makes a megabyte of output
  }
};

std::vector<uint8_t> data_packet(uint16_t protocol, std::span<const uint8_t> body) {
  std::vector<uint8_t> frame = {0xFF, 0x03, static_cast<uint8_t>(protocol >> 8),
                                static_cast<uint8_t>(protocol)};
  frame.insert(frame.end(), body.begin(),
               body.begin() + static_cast<std::ptrdiff_t>(std::min<size_t>(body.size(), 4000)));
  std::vector<uint8_t> packet(sstp::kHeaderSize + frame.size());
  packet.resize(sstp::build_data_packet(packet, frame));
  return packet;
}

std::vector<uint8_t> control_packet(std::span<const uint8_t> body) {
  // [type][attribute count][attributes...]
  const uint8_t type = body.empty() ? 1 : body[0];
  const uint8_t count = body.size() < 2 ? 0 : body[1];
  const size_t n = body.size() < 2 ? 0 : std::min<size_t>(body.size() - 2, 4000);
  std::vector<uint8_t> p(8 + n);
  sstp::write_header(p.data(), true, static_cast<uint16_t>(p.size()));
  p[4] = 0;
  p[5] = type;
  p[6] = 0;
  p[7] = count;
  if (n) std::copy(body.begin() + 2, body.begin() + 2 + static_cast<std::ptrdiff_t>(n), p.begin() + 8);
  return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static env e;
  set_log_level(std::getenv("SSTPGW_FUZZ_LOG") ? log_level::debug
                                               : log_level::off);  // to replay one input with logs
  if (size == 0) return 0;
  const uint8_t flags = data[0];
  sessions::time_point now = sessions::time_point{} + 1000s;
  {
    sessions::server_session s(*e.config, sessions::session_id::make(flags & 1, 3, 9), now,
                               std::chrono::system_clock::now());
    checker c{s};
    if (flags & 1) {
      // A real outer handshake first.
      handshake::tls_endpoint client(e.clients[(flags & 4) ? 0 : 1]);
      for (int round = 0; round < 8 && !c.keys_installed && !c.closed; ++round) {
        const std::vector<uint8_t> out = client.take_output();
        if (!out.empty()) s.on_stream_bytes(sessions::stream_phase::raw, out, now);
        c.drain();
        if (!c.raw_to_client.empty()) client.feed(std::exchange(c.raw_to_client, {}));
      }
      if (!c.keys_installed) std::abort();  // our own client and server must agree
      if (flags & 2) {
        const std::string req = http::build_sstp_request("vpn.example.test", "{1234}");
        s.on_stream_bytes(sessions::stream_phase::http,
                          {reinterpret_cast<const uint8_t*>(req.data()), req.size()}, now);
        c.drain();
      }
    }
    size_t i = 1;
    while (i + 2 <= size) {
      const uint8_t op = data[i];
      const size_t len = std::min<size_t>(data[i + 1], size - i - 2);
      const std::span<const uint8_t> body(data + i + 2, len);
      i += 2 + len;
      switch (op % 12) {
        case 0:
          s.on_stream_bytes(s.phase(), body, now);
          break;
        case 1:
          s.on_sstp_packet(body, now);
          break;
        case 2:
          s.on_sstp_packet(data_packet(0xC021, body), now);
          break;
        case 3:
          s.on_sstp_packet(data_packet(0xC227, body), now);
          break;
        case 4:
          s.on_sstp_packet(data_packet(0x8021, body), now);
          break;
        case 5:
          s.on_sstp_packet(control_packet(body), now);
          break;
        case 6:
          now += std::chrono::seconds(body.empty() ? 1 : body[0]);
          s.on_timer(now);
          break;
        case 7: {
          const uint8_t what = body.empty() ? 0 : body[0] % 3;
          if (what == 0) s.note_activity(now);
          if (what == 1) s.kill("fuzz", now);
          if (what == 2) s.on_closed("fuzz", now);
          break;
        }
        case 8: {
          certs::store_event ev;
          ev.what = (op & 0x10) ? certs::store_event::kind::thumbprint_revoked
                                : certs::store_event::kind::root_removed;
          ev.sha1 = e.store.roots().front().summary.sha1;
          s.on_store_event(ev, now);
          break;
        }
        case 9:
          s.on_stream_bytes(static_cast<sessions::stream_phase>(body.empty() ? 0 : body[0] % 3), body, now);
          break;
        case 10: {
          std::vector<uint8_t> ack = (!body.empty() && (body[0] & 1)) ? c.ipcp_request : c.lcp_request;
          if (ack.empty()) break;
          ack[0] = 2;  // Configure-Ack: same identifier and options
          s.on_sstp_packet(data_packet((!body.empty() && (body[0] & 1)) ? 0x8021 : 0xC021, ack), now);
          break;
        }
        case 11: {
          if (!c.eap_request_id) break;
          std::vector<uint8_t> eap = {2, *c.eap_request_id, 0, 0, body.empty() ? uint8_t{13} : body[0]};
          if (body.size() > 1) eap.insert(eap.end(), body.begin() + 1, body.end());
          eap[2] = static_cast<uint8_t>(eap.size() >> 8);
          eap[3] = static_cast<uint8_t>(eap.size());
          s.on_sstp_packet(data_packet(0xC227, eap), now);
          break;
        }
      }
      c.drain();
      if (s.next_deadline() <= now) {
        s.on_timer(now);
        c.drain();
      }
    }
    // Whatever happened, the end releases the address.
    if (!s.ended()) s.on_closed("end of input", now);
    c.drain();
    if (!c.closed) std::abort();
  }
  if (e.pool->in_use() != 0) std::abort();
  return 0;
}
