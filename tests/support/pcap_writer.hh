// Writes classic pcap files of plaintext TCP conversations (Ethernet / IPv4 /
// TCP with correct sequence numbers, acknowledgements and checksums, both
// directions, segments cut where the test chooses), so that a dissector nobody
// here wrote - tshark - can judge what our protocol code put on the wire.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace sstpgw::testing {

// Link-layer header types this writer is used with (tcpdump.org linktypes).
enum class pcap_link : uint32_t {
  ethernet = 1,
  ppp = 9,  // optional FF 03, then the PPP protocol field: the frames SSTP carries
};

// A pcap file in memory (microsecond timestamps).
class pcap_file {
 public:
  explicit pcap_file(pcap_link link = pcap_link::ethernet);
  // Appends one Ethernet frame; each frame is stamped 1 ms after the previous.
  void add_frame(std::span<const uint8_t> frame);
  const std::vector<uint8_t>& bytes() const { return data_; }
  size_t frame_count() const { return frames_; }
  // Throws std::runtime_error if the file cannot be written.
  void write(const std::string& path) const;

 private:
  std::vector<uint8_t> data_;
  size_t frames_ = 0;
  uint64_t usec_ = 1'700'000'000ULL * 1'000'000ULL;
};

struct tcp_endpoint {
  std::array<uint8_t, 6> mac{};
  std::array<uint8_t, 4> ip{};
  uint16_t port = 0;
};

// One TCP connection written into a pcap_file: handshake, data both ways, close.
class tcp_conversation {
 public:
  tcp_conversation(pcap_file& file, const tcp_endpoint& client, const tcp_endpoint& server);

  void handshake();  // SYN, SYN-ACK, ACK
  // `data` from one side in segments of at most `max_segment` bytes, then a
  // pure ACK from the other side.
  void send(bool from_client, std::span<const uint8_t> data, size_t max_segment = 1460);
  // `data` cut at the given offsets (ascending, inside the data), then an ACK.
  void send_cut(bool from_client, std::span<const uint8_t> data, std::span<const size_t> cuts);
  void close();  // FIN from the client, FIN from the server, final ACK

 private:
  void segment(bool from_client, uint8_t flags, std::span<const uint8_t> payload);

  pcap_file& file_;
  tcp_endpoint client_;
  tcp_endpoint server_;
  uint32_t client_seq_ = 0x1000'0000;
  uint32_t server_seq_ = 0x2000'0000;
  uint16_t ip_id_ = 1;
};

// The Internet checksum (RFC 1071) over `data`, starting from `sum`.
uint16_t internet_checksum(std::span<const uint8_t> data, uint32_t sum = 0);

}  // namespace sstpgw::testing
