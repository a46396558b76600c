// EAP-TLS framing (RFC 5216 §3.1, unchanged by RFC 9190): the Flags octet
// (L 0x80: 4-byte TLS Message Length follows, M 0x40: more fragments, S 0x20:
// start), fragmenting outgoing TLS data to fit the peer's MRU and bounded
// reassembly of incoming data. A peer that lies in L, overruns it or sends
// endless fragments fails its own session and nothing else.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace sstpgw::auth {

inline constexpr uint8_t kEapTlsFlagLength = 0x80;
inline constexpr uint8_t kEapTlsFlagMore = 0x40;
inline constexpr uint8_t kEapTlsFlagStart = 0x20;

// EAP header (4) + Type (1) + Flags (1) + TLS Message Length (4).
inline constexpr size_t kEapTlsOverhead = 10;
// Below this an MRU leaves no sensible room for TLS data.
inline constexpr size_t kEapTlsMinPacket = 64;

// TLS bytes per fragment for EAP packets of at most max_packet bytes (the
// peer's MRU as LCP negotiated it).
constexpr size_t eap_tls_fragment_size(size_t max_packet) {
  return (max_packet < kEapTlsMinPacket ? kEapTlsMinPacket : max_packet) - kEapTlsOverhead;
}

struct eap_tls_header {
  uint8_t flags = 0;
  std::optional<uint32_t> message_length;  // present iff L
  std::span<const uint8_t> data;

  bool start() const { return flags & kEapTlsFlagStart; }
  bool more() const { return flags & kEapTlsFlagMore; }
  // An empty message acknowledges a fragment (or, at the end, the last flight).
  bool is_ack() const { return !start() && !more() && !message_length && data.empty(); }
};

// Parses an EAP-TLS Type-Data. Empty Type-Data (no Flags octet) is taken as
// an acknowledgement. False if L is set but the length is cut off.
bool parse_eap_tls(std::span<const uint8_t> type_data, eap_tls_header& out);

// Type-Data with only flags (the Start request, an acknowledgement).
std::vector<uint8_t> eap_tls_flags_only(uint8_t flags);

// Splits one outgoing TLS message into EAP-TLS Type-Data fragments.
class tls_fragmenter {
 public:
  void set_message(std::vector<uint8_t> message);
  bool pending() const { return offset_ < message_.size(); }
  // The next fragment, carrying at most fragment_size TLS bytes. The first of
  // several carries L and the total length; all but the last carry M.
  std::vector<uint8_t> next(size_t fragment_size);

 private:
  std::vector<uint8_t> message_;
  size_t offset_ = 0;
};

struct reassembly_limits {
  size_t max_message = size_t{64} * 1024;  // TLS flights here are a few KiB; certificate chains stay far below
  size_t max_fragments = 256;
};

// Collects fragments of one incoming TLS message.
class tls_reassembler {
 public:
  enum class result : uint8_t { need_more, complete, error };

  explicit tls_reassembler(reassembly_limits limits = {}) : limits_(limits) {}

  result add(const eap_tls_header& h);
  // The whole message after `complete`; resets for the next one.
  std::vector<uint8_t> take_message();
  bool in_progress() const { return fragments_ > 0; }
  const std::string& error() const { return error_; }

 private:
  result fail(std::string why);

  reassembly_limits limits_;
  std::vector<uint8_t> buffer_;
  std::optional<uint32_t> expected_;
  size_t fragments_ = 0;
  std::string error_;
};

}  // namespace sstpgw::auth
