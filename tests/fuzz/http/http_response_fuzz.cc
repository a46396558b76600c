// Fuzz target: the client's check of the server's HTTP reply, whole and byte
// at a time; both must agree.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "control/http/response_parser.hh"

using namespace sstpgw::http;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const time_point now{};
  std::span<const uint8_t> in(data, size);
  response_parser whole({}, now);
  auto rw = whole.feed(in, now);
  response_parser bytes({}, now);
  size_t consumed = 0;
  for (size_t i = 0; i < size && bytes.check_timeout(now) == request_outcome::need_more; ++i)
    consumed += bytes.feed(in.subspan(i, 1), now).consumed;
  if (bytes.check_timeout(now) != rw.outcome) std::abort();
  if (rw.outcome == request_outcome::accepted && (consumed != rw.consumed || whole.status_code() != 200))
    std::abort();
  return 0;
}
