// TCP option parsing and writing (RFC 9293 3.2, RFC 7323, RFC 2018), bounded
// by the header: a parser over [p, p + len) that never reads past the end.
#pragma once

#include <cstddef>
#include <cstdint>

#include "dataplane/net/tcp/types.hh"

namespace sstpgw::tcp {

namespace option_kind {
inline constexpr uint8_t eol = 0;
inline constexpr uint8_t nop = 1;
inline constexpr uint8_t mss = 2;
inline constexpr uint8_t window_scale = 3;
inline constexpr uint8_t sack_permitted = 4;
inline constexpr uint8_t sack = 5;
inline constexpr uint8_t timestamps = 8;
}  // namespace option_kind

struct sack_block {
  tcp_seq left;   // first sequence number of the block
  tcp_seq right;  // sequence number just after the block
};

inline constexpr unsigned kMaxSackBlocks = 4;  // 2 + 8 * 4 = 34 <= 40 option bytes

struct tcp_options {
  bool has_mss = false;
  bool has_window_scale = false;
  bool sack_permitted = false;
  bool has_timestamps = false;
  uint16_t mss = 0;
  uint8_t window_scale = 0;  // clamped to 14 (RFC 7323 2.3)
  uint8_t sack_count = 0;
  uint32_t ts_val = 0;
  uint32_t ts_ecr = 0;
  sack_block sack[kMaxSackBlocks];
};

enum class option_status : uint8_t {
  ok,
  malformed,  // a length byte that is missing, < 2, runs past the header, or is wrong for the kind
};

// Parses the options area of one header. Unknown kinds are skipped by their
// length; EOL ends parsing. Known kinds with a wrong length are malformed (the
// segment is dropped). A repeated option keeps the last value.
option_status parse_options(const uint8_t* p, size_t len, tcp_options& out);

// What to put in an outgoing segment's options.
struct option_request {
  bool syn = false;  // SYN or SYN-ACK: MSS, SACK-permitted, window scale as requested
  uint16_t mss = 0;
  bool window_scale = false;
  uint8_t window_scale_shift = 0;
  bool sack_permitted = false;
  bool timestamps = false;
  uint32_t ts_val = 0;
  uint32_t ts_ecr = 0;
  uint8_t sack_count = 0;  // non-SYN: SACK blocks to report (as many as fit)
  const sack_block* sack = nullptr;
};

// Writes options into out (at least kMaxOptionsLen bytes), padded with NOPs to a
// multiple of 4. Returns the length written (<= 40). SACK blocks are cut to fit.
size_t write_options(const option_request& req, uint8_t* out);

}  // namespace sstpgw::tcp
