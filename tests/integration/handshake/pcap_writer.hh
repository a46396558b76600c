// Writes one TCP connection as a classic pcap file (Ethernet/IPv4/TCP, link type
// 1) from the byte streams of its two directions, so tshark can judge what we
// put on the wire: a SYN handshake, data segments of at most kMss bytes with
// correct sequence/acknowledgment numbers and IPv4/TCP checksums, and a FIN
// exchange. Timestamps are synthetic (1 ms apart): no clock involved.
#pragma once

#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

namespace sstpgw::handshake::testing {

struct tcp_endpoint_address {
  uint8_t mac[6];
  uint32_t ip;  // host order, e.g. 0x0a000001 for 10.0.0.1
  uint16_t port;
};

class tcp_pcap_writer {
 public:
  static constexpr size_t kMss = 1460;

  // Creates the file and writes the global header and the SYN handshake.
  tcp_pcap_writer(const std::string& path, const tcp_endpoint_address& client,
                  const tcp_endpoint_address& server);
  ~tcp_pcap_writer();
  tcp_pcap_writer(const tcp_pcap_writer&) = delete;
  tcp_pcap_writer& operator=(const tcp_pcap_writer&) = delete;

  // Data in one direction, segmented, then a pure ACK from the receiver.
  void client_sends(std::span<const uint8_t> bytes);
  void server_sends(std::span<const uint8_t> bytes);
  // FIN from the client, FIN+ACK from the server, final ACK; closes the file.
  void finish();

 private:
  struct side {
    tcp_endpoint_address addr;
    uint32_t next_seq;
  };
  void send(side& from, side& to, std::span<const uint8_t> bytes);
  void segment(const side& from, const side& to, uint32_t seq, uint8_t flags,
               std::span<const uint8_t> payload);

  std::FILE* file_ = nullptr;
  side client_;
  side server_;
  uint32_t usec_ = 0;
  uint16_t ip_id_ = 1;
};

}  // namespace sstpgw::handshake::testing
