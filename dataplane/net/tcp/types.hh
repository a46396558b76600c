// TCP vocabulary: the wrap-aware sequence number type, header field offsets,
// flags and connection states (RFC 9293). Pure: no DPDK, no allocation.
#pragma once

#include <cstdint>

namespace sstpgw::tcp {

// A 32-bit TCP sequence number. Comparisons are modulo 2^32 (RFC 9293 3.4):
// a < b when the signed distance from a to b is positive, so values less than
// 2^31 apart compare correctly across the wrap. Arithmetic never mixes with
// plain integers by accident: only seq + length, seq - length and seq - seq.
class tcp_seq {
 public:
  constexpr tcp_seq() = default;
  constexpr explicit tcp_seq(uint32_t v) : v_(v) {}
  constexpr uint32_t raw() const { return v_; }

  constexpr tcp_seq operator+(uint32_t n) const { return tcp_seq(v_ + n); }
  constexpr tcp_seq operator-(uint32_t n) const { return tcp_seq(v_ - n); }
  constexpr tcp_seq& operator+=(uint32_t n) {
    v_ += n;
    return *this;
  }
  // Signed distance b..a (a - b), meaningful when |a - b| < 2^31.
  constexpr int32_t operator-(tcp_seq b) const { return static_cast<int32_t>(v_ - b.v_); }

  friend constexpr bool operator==(tcp_seq a, tcp_seq b) { return a.v_ == b.v_; }
  friend constexpr bool operator<(tcp_seq a, tcp_seq b) { return (a - b) < 0; }
  friend constexpr bool operator>(tcp_seq a, tcp_seq b) { return (a - b) > 0; }
  friend constexpr bool operator<=(tcp_seq a, tcp_seq b) { return (a - b) <= 0; }
  friend constexpr bool operator>=(tcp_seq a, tcp_seq b) { return (a - b) >= 0; }

 private:
  uint32_t v_ = 0;
};

constexpr tcp_seq seq_max(tcp_seq a, tcp_seq b) { return a < b ? b : a; }
constexpr tcp_seq seq_min(tcp_seq a, tcp_seq b) { return a < b ? a : b; }
// lo <= s < hi, modulo 2^32.
constexpr bool seq_in(tcp_seq s, tcp_seq lo, tcp_seq hi) { return lo <= s && s < hi; }

// Header field offsets (RFC 9293 3.1). Read and written with load_be*/store_be*.
inline constexpr unsigned kOffSrcPort = 0;
inline constexpr unsigned kOffDstPort = 2;
inline constexpr unsigned kOffSeq = 4;
inline constexpr unsigned kOffAck = 8;
inline constexpr unsigned kOffDataOff = 12;  // high nibble: header length in 32-bit words
inline constexpr unsigned kOffFlags = 13;
inline constexpr unsigned kOffWindow = 14;
inline constexpr unsigned kOffChecksum = 16;
inline constexpr unsigned kOffUrgent = 18;
inline constexpr unsigned kMinHeaderLen = 20;
inline constexpr unsigned kMaxHeaderLen = 60;
inline constexpr unsigned kMaxOptionsLen = kMaxHeaderLen - kMinHeaderLen;

// IPv4 header offsets used when TCP writes the header it hands to the IPv4 layer.
inline constexpr unsigned kIpv4HeaderLen = 20;
inline constexpr unsigned kIpOffTotalLen = 2;
inline constexpr unsigned kIpOffSrc = 12;
inline constexpr unsigned kIpOffDst = 16;
inline constexpr uint8_t kIpProtoTcp = 6;

namespace flag {
inline constexpr uint8_t fin = 0x01;
inline constexpr uint8_t syn = 0x02;
inline constexpr uint8_t rst = 0x04;
inline constexpr uint8_t psh = 0x08;
inline constexpr uint8_t ack = 0x10;
inline constexpr uint8_t urg = 0x20;
inline constexpr uint8_t ece = 0x40;
inline constexpr uint8_t cwr = 0x80;
}  // namespace flag

enum class tcp_state : uint8_t {
  closed,
  listen,
  syn_sent,
  syn_received,
  established,
  fin_wait_1,
  fin_wait_2,
  close_wait,
  closing,
  last_ack,
  time_wait,
};

const char* to_string(tcp_state s);

// Smallest MSS a peer may announce that we accept (RFC 9293 3.7.1 allows
// anything; tiny MSS values are a resource attack: Linux floors at 48).
inline constexpr uint16_t kMinMss = 64;
inline constexpr uint16_t kDefaultMss = 536;    // RFC 9293: when the peer sends none
inline constexpr uint8_t kMaxWindowScale = 14;  // RFC 7323 2.3

}  // namespace sstpgw::tcp
