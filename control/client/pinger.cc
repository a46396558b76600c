#include "control/client/pinger.hh"

#include <fmt/format.h>

#include "dataplane/common/byte_order.hh"
#include "dataplane/net/inet_checksum.hh"

namespace sstpgw::client {

namespace {

constexpr size_t kIpHeader = 20;
constexpr size_t kIcmpHeader = 8;
constexpr uint8_t kProtoIcmp = 1;
constexpr uint8_t kEchoReply = 0;
constexpr uint8_t kEchoRequest = 8;

}  // namespace

std::vector<uint8_t> build_echo_request(ipv4_address src, ipv4_address dst, uint16_t id, uint16_t seq,
                                        std::span<const uint8_t> payload) {
  std::vector<uint8_t> p(kIpHeader + kIcmpHeader + payload.size(), 0);
  uint8_t* ip = p.data();
  ip[0] = 0x45;
  store_be16(ip + 2, static_cast<uint16_t>(p.size()));
  store_be16(ip + 4, seq);     // identification: any value; unfragmented
  store_be16(ip + 6, 0x4000);  // DF
  ip[8] = 64;
  ip[9] = kProtoIcmp;
  store_be32(ip + 12, src.value);
  store_be32(ip + 16, dst.value);
  store_be16(ip + 10, net::inet_checksum(ip, kIpHeader));
  uint8_t* icmp = ip + kIpHeader;
  icmp[0] = kEchoRequest;
  store_be16(icmp + 4, id);
  store_be16(icmp + 6, seq);
  std::copy(payload.begin(), payload.end(), icmp + kIcmpHeader);
  store_be16(icmp + 2, net::inet_checksum(icmp, kIcmpHeader + payload.size()));
  return p;
}

std::optional<echo_reply> parse_echo_reply(std::span<const uint8_t> ip) {
  if (ip.size() < kIpHeader + kIcmpHeader || (ip[0] >> 4) != 4) return std::nullopt;
  const size_t ihl = size_t{static_cast<uint8_t>(ip[0] & 0x0f)} * 4;
  const size_t total = load_be16(ip.data() + 2);
  if (ihl < kIpHeader || total > ip.size() || total < ihl + kIcmpHeader) return std::nullopt;
  if (ip[9] != kProtoIcmp || (load_be16(ip.data() + 6) & 0x3fff) != 0) return std::nullopt;  // MF or offset
  if (net::inet_checksum(ip.data(), ihl) != 0) return std::nullopt;
  const uint8_t* icmp = ip.data() + ihl;
  const size_t icmp_len = total - ihl;
  if (icmp[0] != kEchoReply || icmp[1] != 0 || net::inet_checksum(icmp, icmp_len) != 0) return std::nullopt;
  echo_reply r;
  r.from = ipv4_address{load_be32(ip.data() + 12)};
  r.ttl = ip[8];
  r.id = load_be16(icmp + 4);
  r.seq = load_be16(icmp + 6);
  r.icmp_bytes = icmp_len;
  r.payload.assign(icmp + kIcmpHeader, icmp + icmp_len);
  return r;
}

pinger::pinger(ipv4_address source, ipv4_address target, unsigned count, std::chrono::milliseconds interval,
               uint16_t id, time_point now)
    : source_(source),
      target_(target),
      count_(count),
      interval_(interval),
      id_(id),
      next_send_(now),
      sent_at_(count),
      answered_(count, false) {}

std::vector<std::vector<uint8_t>> pinger::due(time_point now) {
  std::vector<std::vector<uint8_t>> out;
  while (sent_ < count_ && next_send_ <= now) {
    const auto seq = static_cast<uint16_t>(sent_ + 1);
    uint8_t payload[kPingPayload];
    for (size_t i = 0; i < kPingPayload; ++i) payload[i] = static_cast<uint8_t>(i);
    out.push_back(build_echo_request(source_, target_, id_, seq, payload));
    sent_at_[sent_] = now;
    last_sent_ = now;
    ++sent_;
    next_send_ += interval_;
    if (next_send_ <= now) next_send_ = now + interval_;  // late: no burst to catch up
  }
  return out;
}

std::optional<std::string> pinger::on_packet(std::span<const uint8_t> ip, time_point now) {
  const std::optional<echo_reply> r = parse_echo_reply(ip);
  if (!r || r->id != id_ || r->from != target_ || r->seq == 0 || r->seq > sent_) return std::nullopt;
  const size_t i = r->seq - 1u;
  if (answered_[i] || !sent_at_[i])
    return fmt::format("{} bytes from {}: icmp_seq={} (DUP!)", r->icmp_bytes, r->from.to_string(), r->seq);
  answered_[i] = true;
  ++received_;
  const double ms = std::chrono::duration<double, std::milli>(now - *sent_at_[i]).count();
  rtt_min_ = received_ == 1 ? ms : std::min(rtt_min_, ms);
  rtt_max_ = std::max(rtt_max_, ms);
  rtt_sum_ += ms;
  return fmt::format("{} bytes from {}: icmp_seq={} ttl={} time={:.3f} ms", r->icmp_bytes,
                     r->from.to_string(), r->seq, r->ttl, ms);
}

time_point pinger::next_deadline() const {
  if (sent_ < count_) return next_send_;
  if (all_replied()) return sessions::kNoDeadline;
  return last_sent_ + kPingReplyWait;
}

bool pinger::done(time_point now) const {
  if (sent_ < count_) return false;
  return all_replied() || now >= last_sent_ + kPingReplyWait;
}

std::string pinger::summary() const {
  const unsigned loss = sent_ == 0 ? 0 : (sent_ - received_) * 100 / sent_;
  std::string s = fmt::format("{} packets transmitted, {} received, {}% packet loss", sent_, received_, loss);
  if (received_ > 0)
    s += fmt::format(", rtt min/avg/max = {:.3f}/{:.3f}/{:.3f} ms", rtt_min_, rtt_sum_ / received_, rtt_max_);
  return s;
}

}  // namespace sstpgw::client
