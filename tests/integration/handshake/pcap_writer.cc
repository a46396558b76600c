#include "tests/integration/handshake/pcap_writer.hh"

#include <cstring>
#include <stdexcept>

namespace sstpgw::handshake::testing {
namespace {

constexpr uint8_t kFin = 0x01, kSyn = 0x02, kPsh = 0x08, kAck = 0x10;
constexpr size_t kEthLen = 14, kIpLen = 20, kTcpLen = 20;

void put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
void put32(uint8_t* p, uint32_t v) {
  put16(p, static_cast<uint16_t>(v >> 16));
  put16(p + 2, static_cast<uint16_t>(v));
}
// pcap headers are in the writer's byte order (little-endian here, magic says so).
void put_le32(std::vector<uint8_t>& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void put_le16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v));
  out.push_back(static_cast<uint8_t>(v >> 8));
}

// RFC 1071 ones' complement sum over 16-bit big-endian words.
uint32_t sum16(const uint8_t* p, size_t n, uint32_t acc = 0) {
  for (size_t i = 0; i + 1 < n; i += 2) acc += static_cast<uint32_t>(p[i] << 8 | p[i + 1]);
  if (n % 2 != 0) acc += static_cast<uint32_t>(p[n - 1] << 8);
  return acc;
}
uint16_t fold(uint32_t acc) {
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  return static_cast<uint16_t>(~acc);
}

}  // namespace

tcp_pcap_writer::tcp_pcap_writer(const std::string& path, const tcp_endpoint_address& client,
                                 const tcp_endpoint_address& server)
    : client_{client, 0x10000000}, server_{server, 0x50000000} {
  file_ = std::fopen(path.c_str(), "wb");
  if (file_ == nullptr) throw std::runtime_error("cannot create " + path);
  std::vector<uint8_t> h;
  put_le32(h, 0xa1b2c3d4);  // microsecond pcap
  put_le16(h, 2);
  put_le16(h, 4);
  put_le32(h, 0);      // thiszone
  put_le32(h, 0);      // sigfigs
  put_le32(h, 65535);  // snaplen
  put_le32(h, 1);      // LINKTYPE_ETHERNET
  std::fwrite(h.data(), 1, h.size(), file_);

  segment(client_, server_, client_.next_seq, kSyn, {});
  ++client_.next_seq;
  segment(server_, client_, server_.next_seq, kSyn | kAck, {});
  ++server_.next_seq;
  segment(client_, server_, client_.next_seq, kAck, {});
}

tcp_pcap_writer::~tcp_pcap_writer() {
  if (file_ != nullptr) std::fclose(file_);
}

void tcp_pcap_writer::client_sends(std::span<const uint8_t> bytes) { send(client_, server_, bytes); }
void tcp_pcap_writer::server_sends(std::span<const uint8_t> bytes) { send(server_, client_, bytes); }

void tcp_pcap_writer::send(side& from, side& to, std::span<const uint8_t> bytes) {
  if (bytes.empty()) return;
  while (!bytes.empty()) {
    const size_t n = std::min(bytes.size(), kMss);
    segment(from, to, from.next_seq, kPsh | kAck, bytes.first(n));
    from.next_seq += static_cast<uint32_t>(n);
    bytes = bytes.subspan(n);
  }
  segment(to, from, to.next_seq, kAck, {});
}

void tcp_pcap_writer::finish() {
  if (file_ == nullptr) return;
  segment(client_, server_, client_.next_seq, kFin | kAck, {});
  ++client_.next_seq;
  segment(server_, client_, server_.next_seq, kFin | kAck, {});
  ++server_.next_seq;
  segment(client_, server_, client_.next_seq, kAck, {});
  std::fclose(file_);
  file_ = nullptr;
}

void tcp_pcap_writer::segment(const side& from, const side& to, uint32_t seq, uint8_t flags,
                              std::span<const uint8_t> payload) {
  std::vector<uint8_t> f(kEthLen + kIpLen + kTcpLen + payload.size());
  uint8_t* eth = f.data();
  std::memcpy(eth, to.addr.mac, 6);
  std::memcpy(eth + 6, from.addr.mac, 6);
  put16(eth + 12, 0x0800);

  uint8_t* ip = eth + kEthLen;
  ip[0] = 0x45;
  put16(ip + 2, static_cast<uint16_t>(kIpLen + kTcpLen + payload.size()));
  put16(ip + 4, ip_id_++);
  put16(ip + 6, 0x4000);  // DF
  ip[8] = 64;
  ip[9] = 6;  // TCP
  put32(ip + 12, from.addr.ip);
  put32(ip + 16, to.addr.ip);
  put16(ip + 10, fold(sum16(ip, kIpLen)));

  uint8_t* tcp = ip + kIpLen;
  put16(tcp, from.addr.port);
  put16(tcp + 2, to.addr.port);
  put32(tcp + 4, seq);
  put32(tcp + 8, (flags & kAck) ? to.next_seq : 0);
  tcp[12] = static_cast<uint8_t>((kTcpLen / 4) << 4);
  tcp[13] = flags;
  put16(tcp + 14, 65535);  // window
  if (!payload.empty()) std::memcpy(tcp + kTcpLen, payload.data(), payload.size());
  // Pseudo-header: source, destination, zero, protocol, TCP length.
  const size_t tcp_len = kTcpLen + payload.size();
  uint32_t acc = sum16(ip + 12, 8);
  acc += 6;
  acc += static_cast<uint32_t>(tcp_len);
  put16(tcp + 16, fold(sum16(tcp, tcp_len, acc)));

  std::vector<uint8_t> rec;
  usec_ += 1000;
  put_le32(rec, 1700000000 + usec_ / 1000000);
  put_le32(rec, usec_ % 1000000);
  put_le32(rec, static_cast<uint32_t>(f.size()));
  put_le32(rec, static_cast<uint32_t>(f.size()));
  std::fwrite(rec.data(), 1, rec.size(), file_);
  std::fwrite(f.data(), 1, f.size(), file_);
}

}  // namespace sstpgw::handshake::testing
