// Fuzz target: the server's HTTP request parser. Each input is parsed whole,
// byte at a time, and cut at a point taken from the input; all three must
// reach the same decision with the same status code and consume the same
// number of bytes (the SSTP stream starts at the same place).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "control/http/request_parser.hh"

namespace {

using sstpgw::http::request_config;
using sstpgw::http::request_outcome;
using sstpgw::http::request_parser;
using sstpgw::http::time_point;

struct verdict {
  request_outcome outcome;
  int status;
  size_t consumed;
};

verdict parse_in_pieces(std::span<const uint8_t> in, size_t piece, const request_config& cfg) {
  const time_point now{};
  request_parser p(cfg, now);
  size_t consumed = 0;
  for (size_t at = 0; at < in.size() && p.outcome() == request_outcome::need_more; at += piece) {
    auto chunk = in.subspan(at, std::min(piece, in.size() - at));
    auto r = p.feed(chunk, now);
    if (r.consumed > chunk.size()) std::abort();
    consumed += r.consumed;
    if (r.outcome == request_outcome::need_more && r.consumed != chunk.size()) std::abort();
  }
  return {p.outcome(), p.status_code(), consumed};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  request_config cfg;
  cfg.limits.max_header_bytes = 2048;  // small limits reach the limit paths quickly
  cfg.limits.max_line = 512;
  cfg.limits.max_fields = 8;
  if (size && (data[0] & 1)) cfg.server_name = "vpn.example.test";
  std::span<const uint8_t> in(data, size);
  const verdict whole = parse_in_pieces(in, size ? size : 1, cfg);
  const verdict bytes = parse_in_pieces(in, 1, cfg);
  const verdict cut = parse_in_pieces(in, 1 + (size ? data[size / 2] : 0), cfg);
  for (const verdict& v : {bytes, cut}) {
    if (v.outcome != whole.outcome || v.status != whole.status) std::abort();
    if (whole.outcome == request_outcome::accepted && v.consumed != whole.consumed) std::abort();
  }
  if (whole.outcome == request_outcome::rejected && whole.status == 0) std::abort();
  if (whole.outcome == request_outcome::accepted && whole.consumed > size) std::abort();
  return 0;
}
