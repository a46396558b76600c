#include "tests/support/pcap_writer.hh"

#include <fstream>
#include <stdexcept>

namespace sstpgw::testing {

namespace {

constexpr uint8_t kFin = 0x01;
constexpr uint8_t kSyn = 0x02;
constexpr uint8_t kPsh = 0x08;
constexpr uint8_t kAck = 0x10;

void put_le32(std::vector<uint8_t>& v, uint32_t x) {
  for (int i = 0; i < 4; ++i) v.push_back(static_cast<uint8_t>(x >> (8 * i)));
}
void put_le16(std::vector<uint8_t>& v, uint16_t x) {
  v.push_back(static_cast<uint8_t>(x));
  v.push_back(static_cast<uint8_t>(x >> 8));
}
void put_be16(std::vector<uint8_t>& v, uint16_t x) {
  v.push_back(static_cast<uint8_t>(x >> 8));
  v.push_back(static_cast<uint8_t>(x));
}
void put_be32(std::vector<uint8_t>& v, uint32_t x) {
  put_be16(v, static_cast<uint16_t>(x >> 16));
  put_be16(v, static_cast<uint16_t>(x));
}

}  // namespace

uint16_t internet_checksum(std::span<const uint8_t> data, uint32_t sum) {
  size_t i = 0;
  for (; i + 1 < data.size(); i += 2) sum += static_cast<uint32_t>(data[i] << 8 | data[i + 1]);
  if (i < data.size()) sum += static_cast<uint32_t>(data[i] << 8);
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

pcap_file::pcap_file(pcap_link link) {
  put_le32(data_, 0xA1B2C3D4);  // magic: microsecond timestamps
  put_le16(data_, 2);           // version 2.4
  put_le16(data_, 4);
  put_le32(data_, 0);           // thiszone
  put_le32(data_, 0);           // sigfigs
  put_le32(data_, 262144);      // snaplen
  put_le32(data_, static_cast<uint32_t>(link));
}

void pcap_file::add_frame(std::span<const uint8_t> frame) {
  usec_ += 1000;
  put_le32(data_, static_cast<uint32_t>(usec_ / 1'000'000));
  put_le32(data_, static_cast<uint32_t>(usec_ % 1'000'000));
  put_le32(data_, static_cast<uint32_t>(frame.size()));
  put_le32(data_, static_cast<uint32_t>(frame.size()));
  data_.insert(data_.end(), frame.begin(), frame.end());
  ++frames_;
}

void pcap_file::write(const std::string& path) const {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data_.data()), static_cast<std::streamsize>(data_.size()));
  if (!out) throw std::runtime_error("cannot write pcap file " + path);
}

tcp_conversation::tcp_conversation(pcap_file& file, const tcp_endpoint& client, const tcp_endpoint& server)
    : file_(file), client_(client), server_(server) {}

void tcp_conversation::segment(bool from_client, uint8_t flags, std::span<const uint8_t> payload) {
  const tcp_endpoint& src = from_client ? client_ : server_;
  const tcp_endpoint& dst = from_client ? server_ : client_;
  uint32_t& seq = from_client ? client_seq_ : server_seq_;
  const uint32_t ack = from_client ? server_seq_ : client_seq_;
  if (payload.size() > 65535 - 40) throw std::invalid_argument("TCP segment too large for IPv4");

  std::vector<uint8_t> f;
  f.insert(f.end(), dst.mac.begin(), dst.mac.end());
  f.insert(f.end(), src.mac.begin(), src.mac.end());
  put_be16(f, 0x0800);

  const size_t ip_at = f.size();
  const uint16_t total = static_cast<uint16_t>(20 + 20 + payload.size());
  f.push_back(0x45);
  f.push_back(0x00);
  put_be16(f, total);
  put_be16(f, ip_id_++);
  put_be16(f, 0x4000);  // DF
  f.push_back(64);      // TTL
  f.push_back(6);       // TCP
  put_be16(f, 0);       // checksum, below
  f.insert(f.end(), src.ip.begin(), src.ip.end());
  f.insert(f.end(), dst.ip.begin(), dst.ip.end());
  const uint16_t ip_sum = internet_checksum({f.data() + ip_at, 20});
  f[ip_at + 10] = static_cast<uint8_t>(ip_sum >> 8);
  f[ip_at + 11] = static_cast<uint8_t>(ip_sum);

  const size_t tcp_at = f.size();
  put_be16(f, src.port);
  put_be16(f, dst.port);
  put_be32(f, seq);
  put_be32(f, (flags & kAck) ? ack : 0);
  f.push_back(5 << 4);  // data offset: 20 bytes, no options
  f.push_back(flags);
  put_be16(f, 65535);   // window
  put_be16(f, 0);       // checksum, below
  put_be16(f, 0);       // urgent pointer
  f.insert(f.end(), payload.begin(), payload.end());

  // Pseudo-header: source, destination, zero, protocol, TCP length.
  uint32_t sum = 0;
  for (size_t i = 0; i < 8; i += 2) sum += static_cast<uint32_t>(f[ip_at + 12 + i] << 8 | f[ip_at + 13 + i]);
  sum += 6;
  sum += static_cast<uint32_t>(20 + payload.size());
  const uint16_t tcp_sum = internet_checksum({f.data() + tcp_at, f.size() - tcp_at}, sum);
  f[tcp_at + 16] = static_cast<uint8_t>(tcp_sum >> 8);
  f[tcp_at + 17] = static_cast<uint8_t>(tcp_sum);

  file_.add_frame(f);
  seq += static_cast<uint32_t>(payload.size());
  if (flags & (kSyn | kFin)) seq += 1;
}

void tcp_conversation::handshake() {
  segment(true, kSyn, {});
  segment(false, kSyn | kAck, {});
  segment(true, kAck, {});
}

void tcp_conversation::send(bool from_client, std::span<const uint8_t> data, size_t max_segment) {
  if (max_segment == 0) throw std::invalid_argument("max_segment must be positive");
  std::vector<size_t> cuts;
  for (size_t at = max_segment; at < data.size(); at += max_segment) cuts.push_back(at);
  send_cut(from_client, data, cuts);
}

void tcp_conversation::send_cut(bool from_client, std::span<const uint8_t> data, std::span<const size_t> cuts) {
  size_t prev = 0;
  auto emit = [&](size_t end) {
    if (end > prev) segment(from_client, kPsh | kAck, data.subspan(prev, end - prev));
    prev = end;
  };
  for (size_t c : cuts) {
    if (c < prev || c > data.size()) throw std::invalid_argument("cuts must ascend inside the data");
    emit(c);
  }
  emit(data.size());
  segment(!from_client, kAck, {});
}

void tcp_conversation::close() {
  segment(true, kFin | kAck, {});
  segment(false, kFin | kAck, {});
  segment(true, kAck, {});
}

}  // namespace sstpgw::testing
