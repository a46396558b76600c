#include "perf/worker/scripted_client.hh"

#include <fmt/format.h>

#include <cstdlib>
#include <stdexcept>

#include "dataplane/common/byte_order.hh"
#include "dataplane/net/arp.hh"
#include "perf/worker/frames.hh"

namespace sstpgw::perf {

namespace {

constexpr uint8_t kWscale = 7;           // our window: 65535 << 7 (8 MiB), never closes
constexpr uint16_t kWindow = 65535;
constexpr uint16_t kUdpSport = 5000, kUdpDport = 5001;
constexpr size_t kSstpPpp = 4 + 4;       // SSTP data header + PPP FF 03 00 21
constexpr size_t kTagBytes = 12;         // UDP payload: session (4) | counter (8)
constexpr uint8_t kPppIpv4[4] = {0xff, 0x03, 0x00, 0x21};

uint32_t isn_of(uint32_t k) { return 0x10000000u + k * 0x01000193u; }

// The UDP part of a test packet: ports, length, no checksum, then the tag.
void write_udp(uint8_t* udp, uint16_t udp_len, uint32_t session, uint64_t counter) {
  store_be16(udp, kUdpSport);
  store_be16(udp + 2, kUdpDport);
  store_be16(udp + 4, udp_len);
  store_be16(udp + 6, 0);
  store_be32(udp + kUdp, session);
  store_be64(udp + kUdp + 4, counter);
}

}  // namespace

tls::traffic_keys fixed_keys(tls::protocol_version v, tls::aead_algorithm a, uint32_t session,
                             bool client_to_server) {
  tls::traffic_keys k;
  k.version = v;
  k.aead = a;
  const uint8_t base = static_cast<uint8_t>(session * 31 + (client_to_server ? 1 : 101));
  for (size_t i = 0; i < tls::kMaxKeyLen; ++i) k.key[i] = static_cast<uint8_t>(base + i * 7);
  for (size_t i = 0; i < tls::kIvLen; ++i) k.iv[i] = static_cast<uint8_t>(base ^ (i * 13));
  for (size_t i = 0; i < tls::kMaxSecretLen; ++i) k.secret[i] = static_cast<uint8_t>(base + i);
  // TLS 1.2: the Finished messages used sequence 0 (design "Sequence numbers at the handoff").
  k.sequence = v == tls::protocol_version::tls12 ? 1 : 0;
  return k;
}

scripted_client::scripted_client(const peer_config& cfg, uint32_t sessions, tls::protocol_version v,
                                 tls::aead_algorithm a)
    : cfg_(cfg), s_(std::make_unique<session[]>(sessions)), n_(sessions) {
  if (!aead_.init()) throw std::runtime_error("scripted client: ipsec-mb init failed");
  for (uint32_t k = 0; k < n_; ++k) {
    session& s = s_[k];
    s.ip = cfg_.first_client + k;
    s.port = port(k);
    s.c2s = fixed_keys(v, a, k, true);
    s.s2c = fixed_keys(v, a, k, false);
    s.tx_stream.reserve(256 * 1024);
    s.rx_stream.reserve(256 * 1024);
    s.plain.reserve(8192);
  }
  scratch_.resize(65536);
}

scripted_client::~scripted_client() {
  for (uint32_t k = 0; k < n_; ++k) {
    uint64_t cookies[tls::record_reader::kMaxSegments];
    s_[k].reader.drain(cookies);  // cookies name our own buffers: nothing to free
    s_[k].writer.wipe();
  }
}

void scripted_client::fail(const std::string& what) {
  if (errors_++ == 0) first_error_ = what;
}

uint64_t scripted_client::c2v_outstanding() const {
  uint64_t n = 0;
  for (uint32_t k = 0; k < n_; ++k) n += s_[k].c2v_next - s_[k].c2v_seen;
  return n;
}

uint64_t scripted_client::v2c_outstanding() const {
  uint64_t n = 0;
  for (uint32_t k = 0; k < n_; ++k) n += s_[k].v2c_next - s_[k].v2c_seen;
  return n;
}

void scripted_client::enqueue(rte_ring* r, rte_mbuf** m, uint32_t n) {
  const unsigned k = rte_ring_enqueue_burst(r, reinterpret_cast<void**>(m), n, nullptr);
  if (k < n) {
    rte_pktmbuf_free_bulk(m + k, n - k);
    fail("a ring into the gateway was full (raise the ring size or lower the chunk)");
  }
  frames_sent_ += k;
}

// ---- TCP, as the client ------------------------------------------------------

void scripted_client::send_segment(session& s, uint8_t flags, const uint8_t* payload, uint32_t len) {
  rte_mbuf* m = rte_pktmbuf_alloc(cfg_.pool);
  if (m == nullptr) {
    fail("peer pool empty");
    return;
  }
  const bool syn = (flags & tcp_flag::syn) != 0;
  const size_t th = tcp_header_len(syn);
  auto* f = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, static_cast<uint16_t>(kEth + kIp + th + len)));
  if (f == nullptr) {
    rte_pktmbuf_free(m);
    fail("segment larger than an mbuf");
    return;
  }
  net::write_ether_header(f, cfg_.gw_client_mac, client_mac_, net::kEtherTypeIpv4);
  uint8_t* ip = f + kEth;
  write_ipv4(ip, s.ip, cfg_.gw_client_ip, net::kProtoTcp, static_cast<uint16_t>(kIp + th + len), ++ip_id_);
  tcp_fields tf;
  tf.sport = s.port;
  tf.dport = 443;
  tf.seq = s.snd_nxt;
  tf.ack = s.established ? s.rcv_nxt : 0;
  tf.flags = s.established ? static_cast<uint8_t>(flags | tcp_flag::ack) : flags;
  tf.window = kWindow;
  write_tcp(ip + kIp, tf, cfg_.mss, kWscale);
  if (len) std::memcpy(ip + kIp + th, payload, len);
  finish_tcp_checksum(ip, th + len);
  s.snd_nxt += len + (syn ? 1 : 0);
  if (tf.flags & tcp_flag::ack) s.segs_unacked = 0;
  enqueue(cfg_.rings.client_rx, &m, 1);
}

void scripted_client::arp_request(rte_ring* out, const net::mac_addr& mine, uint32_t my_ip, uint32_t target) {
  rte_mbuf* m = rte_pktmbuf_alloc(cfg_.pool);
  auto* r = m ? reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, net::kEtherMinFrame)) : nullptr;
  if (r == nullptr) {
    if (m) rte_pktmbuf_free(m);
    return fail("peer pool empty");
  }
  std::memset(r, 0, net::kEtherMinFrame);
  net::write_ether_header(r, net::mac_addr::broadcast(), mine, net::kEtherTypeArp);
  uint8_t* b = r + kEth;
  store_be16(b, 1);
  store_be16(b + 2, net::kEtherTypeIpv4);
  b[4] = 6;
  b[5] = 4;
  store_be16(b + 6, 1);
  mine.store(b + 8);
  store_be32(b + 14, my_ip);
  store_be32(b + 24, target);
  enqueue(out, &m, 1);
}

void scripted_client::announce() {
  // The gateway learns a requester's address when it is the target (RFC 826).
  for (uint32_t k = 0; k < n_; ++k) arp_request(cfg_.rings.client_rx, client_mac_, s_[k].ip, cfg_.gw_client_ip);
  arp_request(cfg_.rings.vnet_rx, host_mac_, cfg_.vnet_host, cfg_.gw_vnet_ip);
}

void scripted_client::send_syns() {
  for (uint32_t k = 0; k < n_; ++k) {
    session& s = s_[k];
    s.snd_nxt = s.snd_una = isn_of(k);
    send_segment(s, tcp_flag::syn, nullptr, 0);
  }
}

void scripted_client::send_bytes(uint32_t k, const uint8_t* p, uint32_t n) {
  session& s = s_[k];
  const uint32_t mss = s.gw_mss && s.gw_mss < cfg_.mss ? s.gw_mss : cfg_.mss;
  for (uint32_t off = 0; off < n;) {
    const uint32_t len = n - off < mss ? n - off : mss;
    send_segment(s, tcp_flag::psh, p + off, len);
    off += len;
  }
}

void scripted_client::install_keys(uint32_t k) {
  session& s = s_[k];
  if (!s.writer.install(aead_, s.c2s) || !s.reader.install(aead_, s.s2c, tls::endpoint_role::client))
    fail("client keys refused");
}

void scripted_client::send_record(uint32_t k, const uint8_t* p, uint32_t n) {
  session& s = s_[k];
  std::vector<uint8_t> rec(s.writer.record_size(n));
  seal_.add(s.writer, k, tls::content_type::application_data, {p, n}, rec);
  for (const tls::sealed_record& r : seal_.run(aead_))
    if (!r.ok) fail("client seal failed");
  seal_.clear();
  send_bytes(k, rec.data(), static_cast<uint32_t>(rec.size()));
}

// ---- what the gateway sends --------------------------------------------------

void scripted_client::answer_arp(const uint8_t* f, size_t len, rte_ring* out, const net::mac_addr& mine,
                                 bool client_side) {
  if (len < kEth + 28) return;
  const uint8_t* a = f + kEth;
  if (load_be16(a + 6) != 1) return;  // requests only
  const uint32_t target = load_be32(a + 24);
  const bool ours = client_side ? (target >= cfg_.first_client && target < cfg_.first_client + n_)
                                : target == cfg_.vnet_host;
  if (!ours) return;
  rte_mbuf* m = rte_pktmbuf_alloc(cfg_.pool);
  if (m == nullptr) return fail("peer pool empty");
  auto* r = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, net::kEtherMinFrame));
  if (r == nullptr) {
    rte_pktmbuf_free(m);
    return fail("no room for an ARP reply");
  }
  std::memset(r, 0, net::kEtherMinFrame);
  const net::mac_addr asker = net::mac_addr::from(a + 8);
  net::write_ether_header(r, asker, mine, net::kEtherTypeArp);
  uint8_t* b = r + kEth;
  store_be16(b, 1);
  store_be16(b + 2, net::kEtherTypeIpv4);
  b[4] = 6;
  b[5] = 4;
  store_be16(b + 6, 2);
  mine.store(b + 8);
  store_be32(b + 14, target);
  asker.store(b + 18);
  std::memcpy(b + 24, a + 14, 4);
  enqueue(out, &m, 1);
}

void scripted_client::drain() {
  rte_mbuf* pkts[64];
  unsigned n;
  while ((n = rte_ring_dequeue_burst(cfg_.rings.client_tx, reinterpret_cast<void**>(pkts), 64, nullptr)) > 0) {
    for (unsigned i = 0; i < n; ++i) {
      rte_mbuf* m = pkts[i];
      const uint8_t* f = m->nb_segs == 1 ? rte_pktmbuf_mtod(m, const uint8_t*)
                                         : static_cast<const uint8_t*>(rte_pktmbuf_read(m, 0, m->pkt_len, scratch_.data()));
      client_frame(f, m->pkt_len);
    }
    rte_pktmbuf_free_bulk(pkts, n);
  }
  for (uint32_t k = 0; k < n_; ++k) {
    session& s = s_[k];
    if (s.segs_unacked) send_ack(s);
    if (s.rx_stream.size() >= tls::kHeaderLen) open_records(k);
  }
  while ((n = rte_ring_dequeue_burst(cfg_.rings.vnet_tx, reinterpret_cast<void**>(pkts), 64, nullptr)) > 0) {
    for (unsigned i = 0; i < n; ++i) {
      rte_mbuf* m = pkts[i];
      const uint8_t* f = m->nb_segs == 1 ? rte_pktmbuf_mtod(m, const uint8_t*)
                                         : static_cast<const uint8_t*>(rte_pktmbuf_read(m, 0, m->pkt_len, scratch_.data()));
      vnet_frame(f, m->pkt_len);
    }
    rte_pktmbuf_free_bulk(pkts, n);
  }
}

void scripted_client::client_frame(const uint8_t* f, size_t len) {
  if (len < kEth) return fail("runt frame from the client port");
  const uint16_t type = net::ether_type(f);
  if (type == net::kEtherTypeArp) return answer_arp(f, len, cfg_.rings.client_rx, client_mac_, true);
  if (type != net::kEtherTypeIpv4) return fail("non-IPv4 frame from the client port");
  tcp_view v;
  if (!parse_tcp(f + kEth, len - kEth, v)) return fail("not a TCP segment on the client port");
  if (!ipv4_header_ok(f + kEth) || !tcp_checksum_ok(f + kEth)) return fail("bad IPv4 or TCP checksum from the gateway");
  const uint32_t k = static_cast<uint32_t>(v.f.dport - cfg_.first_port);
  if (v.f.dport < cfg_.first_port || k >= n_) return fail("segment for an unknown client port");
  session& s = s_[k];
  if (v.f.flags & tcp_flag::rst) {
    s.closed = true;
    return;
  }
  if (v.f.flags & tcp_flag::syn) {
    if (!(v.f.flags & tcp_flag::ack) || v.f.ack != s.snd_nxt) return fail("bad SYN-ACK");
    if (!s.established) {
      syn_options(v, s.gw_wscale, s.gw_mss);
      s.rcv_nxt = v.f.seq + 1;
      s.snd_una = v.f.ack;
      s.gw_window = v.f.window;
      s.established = true;
    }
    send_ack(s);
    return;
  }
  if (!s.established) return fail("segment before the handshake");
  if (v.f.flags & tcp_flag::ack) {
    const uint32_t acked = v.f.ack - s.snd_una;
    if (acked <= s.snd_nxt - s.snd_una) s.snd_una = v.f.ack;
    s.gw_window = uint32_t{v.f.window} << s.gw_wscale;
  }
  if (v.payload_len) {
    if (v.f.seq != s.rcv_nxt) {
      // The ring neither loses nor reorders: a retransmission means the
      // gateway timed out on us, which the measurement must not hide.
      fail(fmt::format("session {}: segment at {} expected {} (retransmission?)", k, v.f.seq, s.rcv_nxt));
      send_ack(s);
      return;
    }
    s.rcv_nxt += v.payload_len;
    s.rx_stream.insert(s.rx_stream.end(), v.payload, v.payload + v.payload_len);
    if (++s.segs_unacked >= 2) send_ack(s);
  }
  if (v.f.flags & tcp_flag::fin) {
    s.rcv_nxt += 1;
    s.closed = true;
    send_ack(s);
  }
}

// Opens the whole records at the front of the session's stream.
void scripted_client::open_records(uint32_t k) {
  session& s = s_[k];
  if (!s.reader.installed()) return fail("gateway bytes before the keys");
  size_t whole = 0;
  while (s.rx_stream.size() - whole >= tls::kHeaderLen) {
    const size_t rl = tls::kHeaderLen + load_be16(s.rx_stream.data() + whole + 3);
    if (s.rx_stream.size() - whole < rl) break;
    whole += rl;
  }
  if (whole == 0) return;
  const tls::segment seg{s.rx_stream.data(), static_cast<uint32_t>(whole), k};
  if (open_.feed(s.reader, seg) != tls::feed_status::accepted) return fail("client reader refused bytes");
  for (;;) {
    if (open_.collect(s.reader, k) == 0 && open_.size() == 0) break;
    for (const tls::opened_record& r : open_.run(aead_)) {
      if (r.verdict != tls::open_verdict::data) {
        fail(fmt::format("session {}: gateway record not application data (verdict {})", k, int(r.verdict)));
        continue;
      }
      for (const tls::byte_view& b : r.plaintext) plaintext(k, b.data, b.len);
    }
    open_.clear();
  }
  if (s.reader.segment_count() != 0) fail("client reader still holds bytes after whole records");
  s.rx_stream.erase(s.rx_stream.begin(), s.rx_stream.begin() + static_cast<long>(whole));
}

void scripted_client::plaintext(uint32_t k, const uint8_t* p, uint32_t n) {
  session& s = s_[k];
  const std::string_view reply(kHttpReply);
  if (s.http_got < reply.size()) {
    const size_t take = std::min<size_t>(n, reply.size() - s.http_got);
    if (std::memcmp(p, reply.data() + s.http_got, take) != 0) fail("HTTP reply differs");
    s.http_got += take;
    p += take;
    n -= static_cast<uint32_t>(take);
    if (n == 0) return;
  }
  s.plain.insert(s.plain.end(), p, p + n);
  size_t off = 0;
  while (s.plain.size() - off >= 4) {
    const uint32_t len = load_be16(s.plain.data() + off + 2) & 0x0fff;
    if (s.plain[off] != 0x10 || len < 4) {
      fail("bad SSTP header from the gateway");
      s.plain.clear();
      return;
    }
    if (s.plain.size() - off < len) break;
    sstp_packet(k, s.plain.data() + off, len);
    off += len;
  }
  s.plain.erase(s.plain.begin(), s.plain.begin() + static_cast<long>(off));
}

void scripted_client::sstp_packet(uint32_t k, const uint8_t* p, uint32_t n) {
  session& s = s_[k];
  if (p[1] & 1) return fail("SSTP control packet from the gateway");
  if (n < 4 + sizeof kPppIpv4 + kIp + kUdp + kTagBytes || std::memcmp(p + 4, kPppIpv4, 4) != 0)
    return fail("SSTP data packet without FF 03 00 21 + IPv4");
  const uint8_t* ip = p + kSstpPpp;
  const uint32_t ip_len = n - static_cast<uint32_t>(kSstpPpp);
  if (!ipv4_header_ok(ip) || load_be16(ip + net::kIpv4TotalLength) != ip_len || ip[net::kIpv4Ttl] != 63 ||
      net::ipv4_src(ip) != cfg_.vnet_host || net::ipv4_dst(ip) != pool_ip(k))
    return fail(fmt::format("session {}: IPv4 packet from the gateway is not the one sent", k));
  const uint8_t* tag = ip + kIp + kUdp;
  if (load_be32(tag) != k || load_be64(tag + 4) != s.v2c_seen) {
    fail(fmt::format("session {}: VNet packet {} arrived, {} expected", k, load_be64(tag + 4), s.v2c_seen));
    if (load_be32(tag) != k) return;
  }
  s.v2c_seen = load_be64(tag + 4) + 1;
  ++v2c_checked_;
}

void scripted_client::vnet_frame(const uint8_t* f, size_t len) {
  if (len < kEth) return fail("runt frame from the VNet port");
  const uint16_t type = net::ether_type(f);
  if (type == net::kEtherTypeArp) return answer_arp(f, len, cfg_.rings.vnet_rx, host_mac_, false);
  if (type != net::kEtherTypeIpv4 || len < kEth + kIp + kUdp + kTagBytes) return fail("unexpected VNet frame");
  const uint8_t* ip = f + kEth;
  const uint32_t src = net::ipv4_src(ip);
  const uint32_t k = src - cfg_.first_pool_ip;
  if (!net::mac_equal(f, host_mac_) || !ipv4_header_ok(ip) || k >= n_ || net::ipv4_dst(ip) != cfg_.vnet_host ||
      ip[net::kIpv4Ttl] != 63 || load_be16(ip + net::kIpv4TotalLength) != ip_size_)
    return fail("forwarded client packet is not the one sent");
  session& s = s_[k];
  const uint8_t* tag = ip + kIp + kUdp;
  if (load_be32(tag) != k || load_be64(tag + 4) != s.c2v_seen) {
    fail(fmt::format("session {}: client packet {} arrived, {} expected", k, load_be64(tag + 4), s.c2v_seen));
    if (load_be32(tag) != k) return;
  }
  s.c2v_seen = load_be64(tag + 4) + 1;
  ++c2v_checked_;
}

// ---- data generators ---------------------------------------------------------

void scripted_client::write_client_packet(uint32_t k, uint8_t* out) {
  session& s = s_[k];
  const auto ppp_len = static_cast<uint16_t>(4 + ip_size_);
  out[0] = 0x10;
  out[1] = 0;
  store_be16(out + 2, static_cast<uint16_t>(4 + ppp_len));
  std::memcpy(out + 4, kPppIpv4, 4);
  uint8_t* ip = out + kSstpPpp;
  write_ipv4(ip, pool_ip(k), cfg_.vnet_host, net::kProtoUdp, static_cast<uint16_t>(ip_size_), ++ip_id_);
  write_udp(ip + kIp, static_cast<uint16_t>(ip_size_ - kIp), k, s.c2v_next++);
  std::memset(ip + kIp + kUdp + kTagBytes, 0x5a, ip_size_ - kIp - kUdp - kTagBytes);
}

void scripted_client::seal_pending() {
  for (const tls::sealed_record& r : seal_.run(aead_))
    if (!r.ok) fail("client seal failed");
  seal_.clear();
}

uint32_t scripted_client::client_chunk(uint32_t per_session) {
  const auto plain_len = static_cast<uint32_t>(kSstpPpp + ip_size_);
  uint32_t total = 0;
  for (uint32_t k = 0; k < n_; ++k) {
    session& s = s_[k];
    if (!s.established || s.closed) continue;
    const uint32_t rec = static_cast<uint32_t>(s.writer.record_size(plain_len));
    const uint32_t in_flight = s.snd_nxt - s.snd_una;
    const uint32_t room = s.gw_window > in_flight ? s.gw_window - in_flight : 0;
    uint32_t m = room / rec;
    if (m > per_session) m = per_session;
    s.tx_stream.resize(size_t{m} * rec);
    for (uint32_t j = 0; j < m; ++j) {
      uint8_t* out = s.tx_stream.data() + size_t{j} * rec;
      write_client_packet(k, out + s.writer.header_room());
      if (seal_.full()) seal_pending();
      seal_.add(s.writer, k, tls::content_type::application_data, {out + s.writer.header_room(), plain_len},
                {out, rec});
    }
    total += m;
  }
  seal_pending();
  for (uint32_t k = 0; k < n_; ++k) cut_stream(s_[k]);
  return total;
}

void scripted_client::cut_stream(session& s) {
  if (s.tx_stream.empty()) return;
  const uint32_t mss = s.gw_mss && s.gw_mss < cfg_.mss ? s.gw_mss : cfg_.mss;
  const auto total = static_cast<uint32_t>(s.tx_stream.size());
  if (cfg_.record_per_segment) {
    // Each record alone in its segment (records are all one size here).
    const uint32_t one = tls::kHeaderLen + load_be16(s.tx_stream.data() + 3);
    for (uint32_t off = 0; off < total; off += one) send_segment(s, tcp_flag::psh, s.tx_stream.data() + off, one);
  } else {
    for (uint32_t off = 0; off < total;) {
      const uint32_t len = total - off < mss ? total - off : mss;
      send_segment(s, total - off == len ? tcp_flag::psh : 0, s.tx_stream.data() + off, len);
      off += len;
    }
  }
  s.tx_stream.clear();
}

uint32_t scripted_client::vnet_chunk(uint32_t per_session) {
  const uint32_t frame_len = static_cast<uint32_t>(kEth + ip_size_);
  rte_mbuf* burst[64];
  uint32_t n = 0, total = 0;
  for (uint32_t j = 0; j < per_session; ++j) {
    for (uint32_t k = 0; k < n_; ++k) {
      session& s = s_[k];
      if (!s.established || s.closed) continue;
      rte_mbuf* m = rte_pktmbuf_alloc(cfg_.pool);
      if (m == nullptr) {
        fail("peer pool empty");
        break;
      }
      auto* f = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, static_cast<uint16_t>(frame_len)));
      if (f == nullptr) {
        rte_pktmbuf_free(m);
        fail("frame larger than an mbuf");
        break;
      }
      net::write_ether_header(f, cfg_.gw_vnet_mac, host_mac_, net::kEtherTypeIpv4);
      uint8_t* ip = f + kEth;
      write_ipv4(ip, cfg_.vnet_host, pool_ip(k), net::kProtoUdp, static_cast<uint16_t>(ip_size_), ++ip_id_);
      write_udp(ip + kIp, static_cast<uint16_t>(ip_size_ - kIp), k, s.v2c_next++);
      std::memset(ip + kIp + kUdp + kTagBytes, 0xa5, ip_size_ - kIp - kUdp - kTagBytes);
      burst[n++] = m;
      ++total;
      if (n == 64) {
        enqueue(cfg_.rings.vnet_rx, burst, n);
        n = 0;
      }
    }
  }
  if (n) enqueue(cfg_.rings.vnet_rx, burst, n);
  return total;
}

}  // namespace sstpgw::perf
