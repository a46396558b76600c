// The far ends of the gateway in the worker benchmark, scripted on the
// benchmark's thread and talking to the gateway's ports through the rings
// under them (net_ring ports made with rte_eth_from_rings):
//
//   SSTP clients (client port): one TCP connection per session from its own
//     address, written segment by segment (SYN with MSS and window scale, then
//     data and ACKs; no timestamps, no SACK). Client -> gateway data are SSTP
//     data packets (PPP + IPv4/UDP) sealed as TLS records by a client-side
//     record_writer, laid in the TCP stream and cut at the MSS as a kernel
//     sender cuts them (or one record per segment). Gateway -> client bytes
//     are ACKed every second segment (RFC 5681 delayed ACK) and at the end of
//     each drain, and every record is opened with a client-side record_reader
//     and checked: HTTP reply first, then SSTP data packets whose IPv4/UDP
//     payload carries (session, counter) in order.
//   The VNet host (VNet port): sends IPv4/UDP packets to the client addresses
//     and checks what the gateway forwards from the clients the same way.
//   Both answer ARP requests for their addresses.
//
// Nothing here is timed: the benchmark times the worker's loop only.
#pragma once

#include <rte_mbuf.h>
#include <rte_ring.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/net/ether.hh"
#include "dataplane/session/session_id.hh"
#include "dataplane/tls/aead_ipsecmb.hh"
#include "dataplane/tls/keys.hh"
#include "dataplane/tls/open_batch.hh"
#include "dataplane/tls/record_reader.hh"
#include "dataplane/tls/record_writer.hh"
#include "dataplane/tls/seal_batch.hh"

namespace sstpgw::perf {

// The rings under the two ports, as the gateway sees them: it receives from
// *_rx and transmits to *_tx.
struct wire {
  rte_ring* client_rx = nullptr;
  rte_ring* client_tx = nullptr;
  rte_ring* vnet_rx = nullptr;
  rte_ring* vnet_tx = nullptr;
};

struct peer_config {
  wire rings;
  rte_mempool* pool = nullptr;  // frames the peers send
  net::mac_addr gw_client_mac, gw_vnet_mac;
  uint32_t gw_client_ip = 0;   // the gateway on the client subnet
  uint32_t first_client = 0;   // session k's TCP address: first_client + k (same subnet)
  uint16_t first_port = 40000;  // session k's TCP port
  uint32_t first_pool_ip = 0;  // session k's PPP (pool) address: first_pool_ip + k
  uint32_t vnet_host = 0;      // the VNet host's address (on the VNet subnet)
  uint32_t gw_vnet_ip = 0;     // the gateway on the VNet subnet
  uint16_t mss = 1460;
  bool record_per_segment = false;  // otherwise records are cut at the MSS like a byte stream
};

// Fixed traffic keys of session k in one direction.
tls::traffic_keys fixed_keys(tls::protocol_version v, tls::aead_algorithm a, uint32_t session, bool client_to_server);

inline constexpr const char* kHttpReply = "HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\n\r\n";

class scripted_client {
 public:
  scripted_client(const peer_config& cfg, uint32_t sessions, tls::protocol_version v, tls::aead_algorithm a);
  ~scripted_client();
  scripted_client(const scripted_client&) = delete;
  scripted_client& operator=(const scripted_client&) = delete;

  uint32_t sessions() const { return n_; }
  uint32_t pool_ip(uint32_t k) const { return cfg_.first_pool_ip + k; }
  uint16_t port(uint32_t k) const { return static_cast<uint16_t>(cfg_.first_port + k); }
  bool established(uint32_t k) const { return s_[k].established; }
  bool reset_seen(uint32_t k) const { return s_[k].closed; }
  bool http_done(uint32_t k) const { return s_[k].http_got == std::string_view(kHttpReply).size(); }

  // Connection setup steps. announce(): ARP requests from every client and
  // the VNet host to the gateway, so it knows them before traffic starts (a
  // next hop's ARP queue holds only a few packets).
  void announce();
  void send_syns();
  void send_bytes(uint32_t k, const uint8_t* p, uint32_t n);  // raw TCP payload (handshake phase)
  void send_record(uint32_t k, const uint8_t* p, uint32_t n);  // one application_data record
  // Keys on the client side (the gateway gets the same via install_keys).
  void install_keys(uint32_t k);
  const tls::traffic_keys& c2s(uint32_t k) const { return s_[k].c2s; }
  const tls::traffic_keys& s2c(uint32_t k) const { return s_[k].s2c; }
  void set_data_phase(uint32_t ip_size) { ip_size_ = ip_size; }

  // Reads everything the gateway sent on both ports: answers ARP, follows
  // TCP, ACKs, opens and checks records, checks forwarded packets.
  void drain();

  // Queues up to `per_session` client->VNet packets of ip_size bytes for every
  // session (fewer where the gateway's window is short). Returns the packets.
  uint32_t client_chunk(uint32_t per_session);
  // Queues per_session VNet->client packets for every session.
  uint32_t vnet_chunk(uint32_t per_session);

  // Verification results.
  uint64_t c2v_checked() const { return c2v_checked_; }
  uint64_t v2c_checked() const { return v2c_checked_; }
  uint64_t errors() const { return errors_; }
  const std::string& first_error() const { return first_error_; }
  uint64_t frames_sent() const { return frames_sent_; }
  // Client->VNet packets sent and not yet seen on the VNet side, and the
  // reverse: what is still in flight inside the gateway.
  uint64_t c2v_outstanding() const;
  uint64_t v2c_outstanding() const;

 private:
  struct session {
    uint32_t ip = 0;
    uint16_t port = 0;
    // TCP, as the client: our sequence space and the gateway's.
    uint32_t snd_nxt = 0, snd_una = 0, rcv_nxt = 0;
    uint32_t gw_window = 0;  // bytes, scaled
    uint8_t gw_wscale = 0;
    uint16_t gw_mss = 0;
    bool established = false, closed = false;
    uint32_t segs_unacked = 0;
    // TLS, as the client
    tls::traffic_keys c2s, s2c;
    tls::record_writer writer;
    tls::record_reader reader;
    std::vector<uint8_t> tx_stream;  // records of this chunk before they are cut
    std::vector<uint8_t> rx_stream;  // gateway bytes not yet opened
    std::vector<uint8_t> plain;      // opened SSTP bytes not yet a whole packet
    size_t http_got = 0;
    // data counters carried in the UDP payload
    uint64_t c2v_next = 0, c2v_seen = 0;
    uint64_t v2c_next = 0, v2c_seen = 0;
  };

  void fail(const std::string& what);
  void enqueue(rte_ring* r, rte_mbuf** m, uint32_t n);
  void send_segment(session& s, uint8_t flags, const uint8_t* payload, uint32_t len);
  void send_ack(session& s) { send_segment(s, 0x10, nullptr, 0); }
  void arp_request(rte_ring* out, const net::mac_addr& mine, uint32_t my_ip, uint32_t target);
  void answer_arp(const uint8_t* frame, size_t len, rte_ring* out, const net::mac_addr& mine, bool client_side);
  void client_frame(const uint8_t* frame, size_t len);
  void vnet_frame(const uint8_t* frame, size_t len);
  void open_records(uint32_t k);
  void plaintext(uint32_t k, const uint8_t* p, uint32_t n);
  void sstp_packet(uint32_t k, const uint8_t* p, uint32_t n);
  // One client->VNet packet of ip_size_ as SSTP + PPP + IPv4/UDP at out.
  void write_client_packet(uint32_t k, uint8_t* out);
  void cut_stream(session& s);
  void seal_pending();

  peer_config cfg_;
  tls::aead_engine aead_;
  std::unique_ptr<session[]> s_;
  uint32_t n_ = 0;
  tls::seal_batch seal_;
  tls::open_batch open_;
  net::mac_addr client_mac_{{0x02, 0, 0, 0, 0, 0x02}};
  net::mac_addr host_mac_{{0x02, 0, 0, 0, 1, 0x09}};
  uint32_t ip_size_ = 64;
  uint16_t ip_id_ = 0;
  uint64_t c2v_checked_ = 0, v2c_checked_ = 0, errors_ = 0, frames_sent_ = 0;
  std::string first_error_;
  std::vector<uint8_t> scratch_;
};

}  // namespace sstpgw::perf
