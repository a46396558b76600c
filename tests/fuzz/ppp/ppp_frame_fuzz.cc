// PPP frame parser: never reads out of bounds, and whatever parses rebuilds to
// the same protocol and information in every header form.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "dataplane/ppp/frame.hh"

using namespace sstpgw::ppp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  frame_view v;
  const parse_status s = parse_frame({data, size}, v);
  if (s != parse_status::ok) {
    (void)counter_for(s);
    return 0;
  }
  if (v.header.length > size || v.information.size() != size - v.header.length) std::abort();
  (void)classify(v.header.protocol);
  for (bool a : {false, true}) {
    for (bool p : {false, true}) {
      std::vector<uint8_t> out(kMaxHeaderLength + v.information.size());
      const size_t n = build_frame(out, {a, p}, v.header.protocol, v.information);
      if (n != header_length({a, p}, v.header.protocol) + v.information.size()) std::abort();
      frame_view back;
      if (parse_frame(std::span<const uint8_t>(out.data(), n), back) != parse_status::ok) std::abort();
      if (back.header.protocol != v.header.protocol || back.information.size() != v.information.size())
        std::abort();
    }
  }
  return 0;
}
