#include "control/pool/toeplitz.hh"

namespace sstpgw::pool {
namespace {

void put_be32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}

}  // namespace

uint32_t toeplitz_hash(std::span<const uint8_t> key, std::span<const uint8_t> input) {
  if (key.size() < input.size() + 4) return 0;
  uint32_t hash = 0;
  for (size_t j = 0; j < input.size(); ++j) {
    // 40 key bits starting at input byte j's first bit; bit b of the byte uses bits b..b+31.
    const uint64_t window = uint64_t{key[j]} << 32 | uint64_t{key[j + 1]} << 24 | uint64_t{key[j + 2]} << 16 |
                            uint64_t{key[j + 3]} << 8 | (j + 4 < key.size() ? uint64_t{key[j + 4]} : 0);
    for (int b = 0; b < 8; ++b)
      if (input[j] & (0x80u >> b)) hash ^= static_cast<uint32_t>(window >> (8 - b));
  }
  return hash;
}

uint32_t rss_hash_ipv4(std::span<const uint8_t> key, ipv4_addr src, ipv4_addr dst) {
  uint8_t in[8];
  put_be32(in, src.value);
  put_be32(in + 4, dst.value);
  return toeplitz_hash(key, in);
}

uint32_t rss_hash_ipv4_tcp(std::span<const uint8_t> key, ipv4_addr src, ipv4_addr dst, uint16_t src_port,
                           uint16_t dst_port) {
  uint8_t in[12];
  put_be32(in, src.value);
  put_be32(in + 4, dst.value);
  in[8] = static_cast<uint8_t>(src_port >> 8);
  in[9] = static_cast<uint8_t>(src_port);
  in[10] = static_cast<uint8_t>(dst_port >> 8);
  in[11] = static_cast<uint8_t>(dst_port);
  return toeplitz_hash(key, in);
}

uint32_t rss_hash_ipv4_dst(std::span<const uint8_t> key, ipv4_addr dst) {
  uint8_t in[4];
  put_be32(in, dst.value);
  return toeplitz_hash(key, in);
}

std::function<uint32_t(ipv4_addr)> make_dst_rss_worker_of(std::vector<uint8_t> key,
                                                          std::vector<uint16_t> reta) {
  return [key = std::move(key), reta = std::move(reta)](ipv4_addr client) {
    return rss_queue(rss_hash_ipv4_dst(key, client), reta);
  };
}

std::vector<uint16_t> default_reta(uint32_t queues, uint32_t size) {
  std::vector<uint16_t> reta(size);
  for (uint32_t i = 0; i < size; ++i) reta[i] = static_cast<uint16_t>(queues ? i % queues : 0);
  return reta;
}

}  // namespace sstpgw::pool
