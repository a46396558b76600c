// Session engine, receive side: TCP payload and returned bytes into the phase
// of their connection; records of all connections opened in one burst;
// plaintext to control or cut into SSTP packets; client IPv4 to the VNet.
#include <cstring>

#include "dataplane/common/byte_order.hh"
#include "dataplane/session/engine.hh"
#include "dataplane/sstp/ppp_frame_kind.hh"

namespace sstpgw::session {

namespace {

bool live(const connection& s) { return s.state == slot_state::open || s.state == slot_state::closing; }

// TTL - 1 with the checksum patched (RFC 1624: the TTL/protocol word drops by 0x0100).
void decrement_ttl(uint8_t* ip) {
  ip[net::kIpv4Ttl] = static_cast<uint8_t>(ip[net::kIpv4Ttl] - 1);
  uint32_t sum = uint32_t{load_be16(ip + net::kIpv4Checksum)} + 0x0100u;
  sum = (sum & 0xffffu) + (sum >> 16);
  store_be16(ip + net::kIpv4Checksum, static_cast<uint16_t>(sum));
}

}  // namespace

uint32_t engine::rx_stage(uint64_t now_us) {
  now_us_ = now_us;
  if (rx_list_.empty()) return 0;
  uint32_t work = 0;
  for (size_t k = 0; k < rx_list_.size(); ++k) {
    const uint32_t i = rx_list_[k];
    connection& s = slots_[i];
    s.rx_listed = false;
    if (s.state != slot_state::open) {
      if (s.state == slot_state::closing) {
        s.input.free_all();
        s.returned.free_all();
      }
      continue;
    }
    ++work;
    // 1. Bytes control returned at a phase switch, before anything newer.
    if (!s.returned.empty()) {
      if (s.returned_cipher) {
        if (!feed_reader(i, s.returned, false)) continue;
      } else {
        while (rte_mbuf* seg = s.returned.pop_segment()) {
          if (live(s)) plaintext(i, rte_pktmbuf_mtod(seg, const uint8_t*), seg->data_len);
          rte_pktmbuf_free(seg);
        }
        if (!live(s)) continue;
      }
    }
    // 2. Direct TCP input, unless the hand-back rule holds it.
    if (!s.input.empty() && !s.hb.holding()) {
      if (s.ph == phase::raw) {
        const uint32_t n = s.input.bytes;
        rte_mbuf* chain = s.input.take_all();
        s.hb.forwarded(n);
        tcp_->recv_consumed(s.tcp, n);
        counters_.add(session_counter::raw_bytes, n);
        if (!to_control(i, message_type::stream_bytes, chain)) continue;
      } else if (!feed_reader(i, s.input, true)) {
        continue;
      }
    }
    if (s.ph != phase::raw) collect(i);
  }
  rx_list_.clear();
  run_open();
  flush_vnet_out();
  return work;
}

// Feeds q's segments to the reader in order. False if the session ended.
bool engine::feed_reader(uint32_t i, chain_queue& q, bool from_tcp) {
  connection& s = slots_[i];
  uint32_t consumed = 0;
  bool ok = true;
  while (!q.empty()) {
    rte_mbuf* seg = q.head;
    const tls::segment g{rte_pktmbuf_mtod(seg, uint8_t*), seg->data_len, reinterpret_cast<uint64_t>(seg)};
    const tls::feed_status st = open_.feed(s.reader, g);
    if (st == tls::feed_status::accepted) {
      consumed += seg->data_len;
      q.pop_segment();
      continue;
    }
    if (st == tls::feed_status::closed) {
      // The reader failed or the peer closed: nothing more is read.
      consumed += q.bytes;
      q.free_all();
      break;
    }
    // Ring full: open what is complete; if nothing is, copy the pieces together.
    collect(i);
    run_open();
    if (!live(s)) {
      ok = false;
      break;
    }
    if (s.reader.needs_coalesce()) {
      rte_mbuf* big = cfg_.coalesce_pool ? rte_pktmbuf_alloc(cfg_.coalesce_pool) : nullptr;
      const uint32_t room = big ? rte_pktmbuf_tailroom(big) : 0;
      uint64_t released[tls::record_reader::kMaxSegments];
      const uint32_t k = big && room >= s.reader.buffered_bytes()
                             ? open_.coalesce(s.reader, {rte_pktmbuf_mtod(big, uint8_t*), room,
                                                         reinterpret_cast<uint64_t>(big)},
                                              released)
                             : 0;
      if (k == 0) {
        if (big) rte_pktmbuf_free(big);
        abort_session(i, close_reason::no_resources, session_counter::no_mbuf);
        ok = false;
        break;
      }
      for (uint32_t j = 0; j < k; ++j) rte_pktmbuf_free(reinterpret_cast<rte_mbuf*>(released[j]));
    }
  }
  if (from_tcp) {
    // Leading bytes that came back from control were counted when forwarded.
    const uint32_t pre = consumed < s.input_preconsumed ? consumed : s.input_preconsumed;
    s.input_preconsumed -= pre;
    consumed -= pre;
    if (consumed && s.tcp != tcp::kNoConn) tcp_->recv_consumed(s.tcp, consumed);
  }
  return ok && live(s);
}

void engine::collect(uint32_t i) {
  connection& s = slots_[i];
  if (!s.reader.installed()) return;
  s.reader.prefetch();
  for (;;) {
    open_.collect(s.reader, i);
    if (!open_.full()) return;
    run_open();
    if (!live(s)) return;
  }
}

void engine::run_open() {
  if (open_.size() == 0) return;
  for (const tls::opened_record& r : open_.run(aead_)) deliver(r);
  open_.clear();
}

void engine::deliver(const tls::opened_record& r) {
  const uint32_t i = r.conn;
  connection& s = slots_[i];
  if (live(s)) {
    switch (r.verdict) {
      case tls::open_verdict::data:
        for (const tls::byte_view& v : r.plaintext) {
          if (!live(s)) break;
          plaintext(i, v.data, v.len);
        }
        break;
      case tls::open_verdict::control:
        if (r.reply_key_update) s.key_update_due = true;
        if (r.reply_warning) {
          s.warning_due = true;
          s.alert = r.alert;
        }
        list_tx(i);
        break;
      case tls::open_verdict::peer_closed:
        counters_.add(session_counter::tls_close_notify);
        set_reason(i, close_reason::tls_close_notify);
        s.close_notify_due = true;
        s.state = slot_state::closing;
        list_tx(i);
        break;
      case tls::open_verdict::peer_alert:
        abort_session(i, close_reason::tls_alert_received, session_counter::tls_alert_received);
        break;
      case tls::open_verdict::failed:
        counters_.add(session_counter::tls_failed);
        set_reason(i, close_reason::tls_error);
        s.fatal_alert_due = true;
        s.alert = r.alert;
        s.state = slot_state::closing;
        list_tx(i);
        break;
      case tls::open_verdict::discarded:
        break;
    }
  }
  // Segments the reader is done with go back whatever became of the session.
  for (uint64_t c : r.released) rte_pktmbuf_free(reinterpret_cast<rte_mbuf*>(c));
}

void engine::plaintext(uint32_t i, const uint8_t* p, uint32_t len) {
  connection& s = slots_[i];
  if (len == 0) return;
  if (s.ph == phase::http) {
    rte_mbuf* chain = make_chain(ch_.mbufs(), {p, len});
    if (chain == nullptr) {
      abort_session(i, close_reason::no_resources, session_counter::no_mbuf);
      return;
    }
    s.hb.forwarded(len);
    counters_.add(session_counter::http_bytes, len);
    to_control(i, message_type::stream_bytes, chain);
    return;
  }
  std::span<const uint8_t> in(p, len);
  for (;;) {
    std::span<const uint8_t> pkt;
    switch (s.framer.next(in, pkt)) {
      case sstp::frame_status::packet:
        sstp_packet(i, pkt);
        if (!live(s)) return;
        continue;
      case sstp::frame_status::need_more:
        return;
      case sstp::frame_status::invalid:
        // MS-SSTP 3.1.5.1: abort the connection without sending anything.
        sstp::count_header_error(sstp_rx_, s.framer.error());
        abort_session(i, close_reason::invalid_sstp, session_counter::invalid_sstp);
        return;
    }
  }
}

void engine::sstp_packet(uint32_t i, std::span<const uint8_t> pkt) {
  const bool control = (pkt[1] & sstp::kControlBit) != 0;
  if (!control) {
    const std::span<const uint8_t> frame = pkt.subspan(sstp::kHeaderSize);
    const sstp::ppp_frame_info info = sstp::classify_ppp_frame(frame);
    if (info.kind == sstp::ppp_frame_kind::malformed) {
      counters_.add(session_counter::ppp_malformed);
      sstp_rx_.add(sstp::rx_counter::ppp_malformed);
      return;
    }
    if (info.protocol == sstp::kPppIpv4) {
      client_ipv4(i, frame.subspan(info.header_size));
      return;
    }
    counters_.add(session_counter::ppp_control_frames);
  } else {
    counters_.add(session_counter::sstp_control_packets);
  }
  rte_mbuf* chain = make_chain(ch_.mbufs(), pkt);
  if (chain == nullptr) {
    abort_session(i, close_reason::no_resources, session_counter::no_mbuf);
    return;
  }
  to_control(i, message_type::sstp_packet, chain);
}

void engine::client_ipv4(uint32_t i, std::span<const uint8_t> ip) {
  connection& s = slots_[i];
  if (!s.data_up) {
    counters_.add(session_counter::ipv4_before_data_path);
    return;
  }
  net::ipv4_info h;
  if (net::check_ipv4(ip.data(), ip.size(), ip.size(), true, h) != net::ipv4_check::ok || h.header_len > ip.size()) {
    counters_.add(session_counter::client_bad_ipv4);
    return;
  }
  if (h.src != s.client_ip) {
    counters_.add(session_counter::spoofed_source);
    return;
  }
  if (h.dst == cfg_.vnet_address) {
    counters_.add(session_counter::client_to_gateway);
    return;
  }
  if (cfg_.owners != nullptr && cfg_.owners->in_pool(h.dst)) {
    counters_.add(session_counter::client_to_client);
    return;
  }
  bool routed = !net::is_multicast(h.dst) && h.dst != 0xffffffffu && h.dst != 0;
  if (routed && !cfg_.vnet_prefixes.empty()) {
    routed = false;
    for (const net::ipv4_subnet& p : cfg_.vnet_prefixes) routed = routed || p.contains(h.dst);
  }
  if (!routed) {
    counters_.add(session_counter::client_not_routed);
    return;
  }
  if (h.ttl <= 1) {
    counters_.add(session_counter::client_ttl_expired);
    return;
  }
  rte_mbuf* m = vnet_mbufs_.alloc();
  uint8_t* d = m ? reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, h.total_length)) : nullptr;
  if (d == nullptr) {
    if (m) rte_pktmbuf_free(m);
    counters_.add(session_counter::vnet_no_mbuf);
    return;
  }
  std::memcpy(d, ip.data(), h.total_length);
  decrement_ttl(d);
  m->l3_len = h.header_len;
  session_stats& st = stats_[i];
  ++st.rx_packets;
  st.rx_bytes += h.total_length;
  counters_.add(session_counter::client_to_vnet);
  vnet_out_pkts_[n_vnet_out_++] = m;
  if (n_vnet_out_ == kVnetOutBatch) flush_vnet_out();
}

void engine::flush_vnet_out() {
  if (n_vnet_out_ == 0) return;
  const uint16_t k = vnet_out_ ? vnet_out_(vnet_out_pkts_, n_vnet_out_) : 0;
  if (k < n_vnet_out_) {
    counters_.add(session_counter::vnet_tx_full, n_vnet_out_ - k);
    rte_pktmbuf_free_bulk(vnet_out_pkts_ + k, n_vnet_out_ - k);
  }
  n_vnet_out_ = 0;
}

}  // namespace sstpgw::session
