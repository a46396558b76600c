// Fuzz target: the SSTP stream framer and every control message parser. The
// input is framed twice (whole, and cut at points taken from its first byte);
// both must yield the same packets. Every packet goes through the generic and
// the typed parsers; whatever parses is built again and must parse to the same
// values.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

#include "dataplane/sstp/control_message.hh"
#include "dataplane/sstp/messages.hh"
#include "dataplane/sstp/packet.hh"
#include "dataplane/sstp/ppp_frame_kind.hh"
#include "dataplane/sstp/stream_framer.hh"

using namespace sstpgw::sstp;

namespace {

std::vector<std::vector<uint8_t>> frame_all(std::span<const uint8_t> in, size_t piece, bool& failed) {
  std::vector<std::vector<uint8_t>> out;
  stream_framer f;
  failed = false;
  for (size_t at = 0; at < in.size(); at += piece) {
    auto chunk = in.subspan(at, std::min(piece, in.size() - at));
    for (;;) {
      std::span<const uint8_t> p;
      auto st = f.next(chunk, p);
      if (st == frame_status::invalid) {
        failed = true;
        return out;
      }
      if (st == frame_status::need_more) {
        if (!chunk.empty()) std::abort();
        break;
      }
      packet_header h;
      if (parse_header(p, h) != header_error::ok || h.length != p.size()) std::abort();
      out.emplace_back(p.begin(), p.end());
    }
  }
  return out;
}

void check_control(const std::vector<uint8_t>& pkt) {
  control_message m;
  if (parse_control_message(pkt, m) != control_error::ok) return;
  attribute_reader r(m);
  attribute_view a;
  size_t n = 0;
  while (r.next(a)) ++n;
  if (n != m.num_attributes) std::abort();

  uint8_t buf[kMaxPacketSize];
  crypto_binding_req req;
  if (parse_call_connect_ack(m, req)) {
    size_t len = build_call_connect_ack(buf, req);
    control_message m2;
    crypto_binding_req req2;
    if (len != kCallConnectAckSize || parse_control_message({buf, len}, m2) != control_error::ok ||
        !parse_call_connect_ack(m2, req2) || req2.hash_bitmask != req.hash_bitmask || req2.nonce != req.nonce)
      std::abort();
  }
  crypto_binding b;
  if (parse_call_connected(m, b)) {
    size_t len = build_call_connected(buf, b);
    // Reserved bits aside, a well-formed CALL_CONNECTED is rebuilt byte for byte.
    if (len != kCallConnectedSize || std::memcmp(buf + kCallConnectedNonceOffset, pkt.data() + kCallConnectedNonceOffset,
                                                 kCallConnectedSize - kCallConnectedNonceOffset) != 0)
      std::abort();
  }
  status_info_list list;
  if (parse_call_connect_nak(m, list)) {
    size_t len = build_call_connect_nak(buf, list.view());
    if (list.dropped == 0 && len == 0) std::abort();
  }
  status_info s;
  bool has = false;
  if (parse_call_abort(m, s, has) || parse_call_disconnect(m, s, has)) {
    if (build_call_abort(buf, has ? &s : nullptr) == 0) std::abort();
  }
  (void)parse_empty_message(m, message_type::echo_request);
  auto v = check_call_connect_request(m);
  if (v.acceptable && (v.problems.count != 0 || v.protocol_id != kEncapsulatedProtocolPpp)) std::abort();
  if (!v.acceptable && v.problems.count == 0) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> in(data, size);
  bool failed_whole = false, failed_cut = false;
  auto whole = frame_all(in, size ? size : 1, failed_whole);
  auto cut = frame_all(in, 1 + (size ? data[0] % 17 : 0), failed_cut);
  if (whole != cut || failed_whole != failed_cut) std::abort();
  for (const auto& p : whole) {
    if (p[1] & kControlBit) {
      check_control(p);
    } else {
      auto info = classify_ppp_frame({p.data() + kHeaderSize, p.size() - kHeaderSize});
      if (info.kind != ppp_frame_kind::malformed && info.header_size > p.size() - kHeaderSize) std::abort();
    }
  }
  return 0;
}
