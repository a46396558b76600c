#include "dataplane/eal/rss.hh"

namespace sstpgw::eal {
namespace {

// The 32 key bits starting at bit position `bit` (bit 0 = MSB of key[0]).
uint32_t key_window(std::span<const uint8_t> key, size_t bit) {
  const size_t byte = bit / 8;
  const unsigned shift = bit % 8;
  uint64_t w = 0;
  for (size_t i = 0; i < 5; ++i) w = (w << 8) | (byte + i < key.size() ? key[byte + i] : 0);
  return static_cast<uint32_t>(w >> (8 - shift));
}

void put_be32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}

}  // namespace

uint32_t toeplitz_hash(std::span<const uint8_t> key, std::span<const uint8_t> input) {
  if (key.size() < input.size() + 4) return 0;
  uint32_t result = 0;
  for (size_t i = 0; i < input.size(); ++i) {
    for (unsigned b = 0; b < 8; ++b) {
      if (input[i] & (0x80u >> b)) result ^= key_window(key, i * 8 + b);
    }
  }
  return result;
}

uint32_t rss_hash_ipv4(std::span<const uint8_t> key, uint32_t src, uint32_t dst) {
  uint8_t in[8];
  put_be32(in, src);
  put_be32(in + 4, dst);
  return toeplitz_hash(key, in);
}

uint32_t rss_hash_ipv4_dst(std::span<const uint8_t> key, uint32_t dst) {
  uint8_t in[4];
  put_be32(in, dst);
  return toeplitz_hash(key, in);
}

uint32_t rss_hash_ipv4_tcp(std::span<const uint8_t> key, uint32_t src, uint32_t dst, uint16_t sport,
                           uint16_t dport) {
  uint8_t in[12];
  put_be32(in, src);
  put_be32(in + 4, dst);
  put_be32(in + 8, (uint32_t{sport} << 16) | dport);
  return toeplitz_hash(key, in);
}

toeplitz_table::toeplitz_table(std::span<const uint8_t> key) {
  for (size_t i = 0; i < kMaxInput; ++i) {
    for (unsigned v = 0; v < 256; ++v) {
      uint32_t h = 0;
      for (unsigned b = 0; b < 8; ++b) {
        if (v & (0x80u >> b)) h ^= key_window(key, i * 8 + b);
      }
      t_[i][v] = h;
    }
  }
}

uint32_t toeplitz_table::hash(std::span<const uint8_t> input) const {
  uint32_t h = 0;
  const size_t n = input.size() < kMaxInput ? input.size() : kMaxInput;
  for (size_t i = 0; i < n; ++i) h ^= t_[i][input[i]];
  return h;
}

uint32_t toeplitz_table::ipv4(uint32_t src, uint32_t dst) const {
  uint8_t in[8];
  put_be32(in, src);
  put_be32(in + 4, dst);
  return hash({in, 8});
}

uint32_t toeplitz_table::ipv4_tcp(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport) const {
  uint8_t in[12];
  put_be32(in, src);
  put_be32(in + 4, dst);
  put_be32(in + 8, (uint32_t{sport} << 16) | dport);
  return hash({in, 12});
}

}  // namespace sstpgw::eal
