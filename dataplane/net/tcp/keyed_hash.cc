#include "dataplane/net/tcp/keyed_hash.hh"

#include "dataplane/common/byte_order.hh"

namespace sstpgw::tcp {
namespace {

constexpr uint64_t rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

struct sip_state {
  uint64_t v0, v1, v2, v3;
  void round() {
    v0 += v1;
    v1 = rotl(v1, 13);
    v1 ^= v0;
    v0 = rotl(v0, 32);
    v2 += v3;
    v3 = rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = rotl(v1, 17);
    v1 ^= v2;
    v2 = rotl(v2, 32);
  }
  void absorb(uint64_t m) {
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
};

uint64_t load_le64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

void put_tuple(uint8_t* b, const four_tuple& t) {
  store_be32(b, t.local_ip);
  store_be32(b + 4, t.remote_ip);
  store_be16(b + 8, t.local_port);
  store_be16(b + 10, t.remote_port);
}

}  // namespace

uint64_t siphash24(const hash_key& key, const uint8_t* data, size_t len) {
  sip_state s{0x736f6d6570736575ULL ^ key.k0, 0x646f72616e646f6dULL ^ key.k1, 0x6c7967656e657261ULL ^ key.k0,
              0x7465646279746573ULL ^ key.k1};
  const size_t full = len & ~size_t{7};
  for (size_t i = 0; i < full; i += 8) s.absorb(load_le64(data + i));
  uint64_t last = uint64_t{len & 0xff} << 56;
  for (size_t i = 0; i < (len & 7); ++i) last |= uint64_t{data[full + i]} << (8 * i);
  s.absorb(last);
  s.v2 ^= 0xff;
  for (int i = 0; i < 4; ++i) s.round();
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

uint32_t initial_sequence(const hash_key& key, const four_tuple& t, uint64_t now_ns) {
  uint8_t b[12];
  put_tuple(b, t);
  const auto f = static_cast<uint32_t>(siphash24(key, b, sizeof b));
  return f + static_cast<uint32_t>(now_ns / 4000);
}

uint32_t timestamp_offset(const hash_key& key, const four_tuple& t) {
  uint8_t b[13];
  put_tuple(b, t);
  b[12] = 0x75;  // domain separation from the ISN
  return static_cast<uint32_t>(siphash24(key, b, sizeof b));
}

}  // namespace sstpgw::tcp
