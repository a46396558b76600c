// Fuzz target: the SSTP server call state machine driven by an arbitrary
// sequence of events (stream bytes, time, authentication, PPP frames to send,
// operator actions, and well-formed setup messages so that deep states are
// reached). Invariants: no crash; output per step is bounded; no PPP data
// frame is sent or delivered before the crypto binding verified; nothing at
// all once closed.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "control/sstp/server_call.hh"
#include "dataplane/common/log.hh"
#include "dataplane/sstp/ppp_frame_kind.hh"
#include "dataplane/sstp/stream_framer.hh"

using namespace sstpgw;
using namespace sstpgw::sstp;

namespace {

const uint8_t kLcp[] = {0xFF, 0x03, 0xC0, 0x21, 0x01, 0x01, 0x00, 0x04};
const uint8_t kIpv4[] = {0xFF, 0x03, 0x00, 0x21, 0x45, 0x00, 0x00, 0x14, 0, 0, 0, 0, 64, 1, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2};
const uint8_t kIpv4Pfc[] = {0x21, 0x45, 0x00};

struct harness {
  counter_set<call_counter> counters;
  cert_hashes cert;
  time_point now = time_point{} + std::chrono::hours(1);
  server_call server;
  std::vector<uint8_t> msk = std::vector<uint8_t>(64, 0x42);
  bool connected = false;
  bool closed = false;

  harness() : cert(make_cert()), server(server_call_config{}, cert, counters, now) {}
  static cert_hashes make_cert() {
    cert_hashes c;
    c.sha1.fill(0x11);
    c.sha256.fill(0x22);
    return c;
  }

  void check() {
    call_event e;
    while (server.next_event(e)) {
      if (closed) std::abort();  // nothing after closed
      if (e.kind == call_event_kind::connected) connected = true;
      if (e.kind == call_event_kind::closed) closed = true;
      if (e.kind == call_event_kind::ppp_frame && !connected &&
          classify_ppp_frame(e.frame).kind != ppp_frame_kind::control)
        std::abort();
    }
    auto out = server.take_output();
    if (out.size() > 64 * 1024) std::abort();
    stream_framer f;
    std::span<const uint8_t> in(out);
    for (;;) {
      std::span<const uint8_t> p;
      auto st = f.next(in, p);
      if (st == frame_status::invalid) std::abort();  // we never send broken framing
      if (st == frame_status::need_more) break;
      if (!(p[1] & kControlBit) && !connected &&
          classify_ppp_frame(p.subspan(kHeaderSize)).kind != ppp_frame_kind::control)
        std::abort();
    }
    if (f.buffered()) std::abort();
  }

  void good_call_connected(uint8_t hash_choice, bool right_key) {
    const hash_protocol h = (hash_choice & 1) ? hash_protocol::sha1 : hash_protocol::sha256;
    hlak_bytes hlak = right_key ? client_hlak_eap_tls(msk, hlak_form::eap_tls_msk) : hlak_bytes{};
    uint8_t buf[kCallConnectedSize];
    size_t n = build_bound_call_connected(buf, h, server.nonce(), cert.get(h), hlak);
    server.receive_bytes({buf, n}, now);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool quiet = (set_log_level(log_level::off), true);  // a log line per abort is noise here
  (void)quiet;
  harness h;
  size_t i = 0;
  auto next = [&]() -> uint8_t { return i < size ? data[i++] : 0; };
  while (i < size) {
    const uint8_t op = next();
    switch ((op & 0x0F) % 12) {
      case 0:
      case 1:
      case 2: {  // raw stream bytes
        const size_t want = next();  // read before `size - i`: argument order is unspecified
        const size_t n = std::min(want, size - i);
        h.server.receive_bytes({data + i, n}, h.now);
        i += n;
        break;
      }
      case 3:  // time passes
        h.now += std::chrono::milliseconds(250) * next();
        h.server.on_timer(h.now);
        break;
      case 4:
        h.server.authenticated((op & 0x10) ? hlak_candidates::zero() : hlak_candidates::eap_tls(h.msk), h.now);
        break;
      case 5: {
        const uint8_t which = next() % 3;
        if (which == 0) h.server.send_ppp(kLcp, h.now);
        else if (which == 1) h.server.send_ppp(kIpv4, h.now);
        else h.server.send_ppp(kIpv4Pfc, h.now);
        break;
      }
      case 6:
        h.server.disconnect(h.now);
        break;
      case 7:
        h.server.abort(static_cast<status>(next() % 12), h.now);
        break;
      case 8: {
        uint8_t buf[kCallConnectRequestSize];
        h.server.receive_bytes({buf, build_call_connect_request(buf, (op & 0x10) ? 2 : 1)}, h.now);
        break;
      }
      case 9:
        h.good_call_connected(next(), !(op & 0x10));
        break;
      case 10: {
        uint8_t buf[kEmptyControlSize];
        const auto t = static_cast<message_type>(6 + next() % 4);  // DISCONNECT .. ECHO_RESPONSE
        h.server.receive_bytes({buf, build_empty_message(buf, t)}, h.now);
        break;
      }
      default: {
        uint8_t buf[64];
        const uint8_t* frame = (op & 0x10) ? kIpv4 : kLcp;
        const size_t len = (op & 0x10) ? sizeof kIpv4 : sizeof kLcp;
        h.server.receive_bytes({buf, build_data_packet(buf, {frame, len})}, h.now);
        break;
      }
    }
    h.check();
    if (h.server.is_closed() && h.server.next_deadline()) std::abort();
  }
  return 0;
}
