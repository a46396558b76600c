// EAP and EAP-TLS parsers and the bounded reassembler. Input: records
// [len][len bytes], each an EAP packet; EAP-TLS Type-Data goes to the
// reassembler. A completed message never exceeds the limit or its declared L.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "control/auth/eap_packet.hh"
#include "control/auth/eap_tls_fragments.hh"

using namespace sstpgw::auth;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const reassembly_limits limits{.max_message = 4096, .max_fragments = 16};
  tls_reassembler r(limits);
  // The L of the message being collected (0: none seen). A plain pair, not an
  // optional, to keep GCC's -Wmaybe-uninitialized quiet.
  uint32_t declared = 0;
  size_t i = 0;
  while (i < size) {
    const size_t len = std::min<size_t>(data[i], size - i - 1);
    const std::span<const uint8_t> rec(data + i + 1, len);
    i += 1 + len;
    eap_packet p;
    if (parse_eap(rec, p) != eap_parse_status::ok) continue;
    if (p.type_data.data() && p.type_data.data() + p.type_data.size() > rec.data() + rec.size()) std::abort();
    if (p.type != kEapTypeTls) continue;
    eap_tls_header h;
    if (!parse_eap_tls(p.type_data, h)) continue;
    if (h.is_ack()) continue;
    if (!r.in_progress()) declared = 0;
    if (h.message_length && declared == 0) declared = *h.message_length;
    switch (r.add(h)) {
      case tls_reassembler::result::complete: {
        const auto m = r.take_message();
        if (m.empty() || m.size() > limits.max_message) std::abort();
        if (declared != 0 && m.size() != declared) std::abort();
        declared = 0;
        break;
      }
      case tls_reassembler::result::error:
        if (r.in_progress() || r.error().empty()) std::abort();
        declared = 0;
        break;
      case tls_reassembler::result::need_more:
        break;
    }
  }
  // The fragmenter splits and the reassembler rejoins whatever the input was.
  tls_fragmenter f;
  f.set_message(std::vector<uint8_t>(data, data + std::min<size_t>(size, 4096)));
  tls_reassembler back(limits);
  const size_t piece = 1 + (size % 700);
  tls_reassembler::result res = tls_reassembler::result::need_more;
  while (f.pending()) {
    const auto td = f.next(std::max<size_t>(piece, 4096 / limits.max_fragments + 1));
    eap_tls_header h;
    if (!parse_eap_tls(td, h)) std::abort();
    res = back.add(h);
  }
  if (size > 0 && res != tls_reassembler::result::complete) std::abort();
  return 0;
}
