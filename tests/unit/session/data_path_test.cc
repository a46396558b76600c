// The data path once a session is in the SSTP phase: client IPv4 to the VNet
// only after data_path_up and only from the client's own address; VNet IPv4
// encapsulated byte-exact (PPP header in the negotiated form + SSTP data
// header) as one record; unknown destinations dropped; another worker's
// addresses handed off; invalid framing aborts; a full ring closes; stale
// generations are dropped; graceful close sends close_notify.
#include "dataplane/common/byte_order.hh"
#include "tests/unit/session/engine_harness.hh"

namespace sstpgw::session::test {
namespace {

class DataPath : public EngineHarness {
 protected:
  // Connect, fake handshake, request, 200 OK, start_sstp.
  session_id to_sstp(tls::protocol_version v = tls::protocol_version::tls13,
                     tls::aead_algorithm a = tls::aead_algorithm::aes_128_gcm) {
    make_keys(v, a);
    EXPECT_TRUE(connect());
    client_send(to_bytes("hello"));
    EXPECT_TRUE(pump([&] {
      drain_control();
      return !inbox_.empty();
    }));
    const session_id id = inbox_.front().id;
    inbox_.clear();
    install(id, 5, {});
    client_send(client_record(to_bytes("REQ")));
    EXPECT_TRUE(pump([&] {
      drain_control();
      return !inbox_.empty();
    }));
    EXPECT_EQ(inbox_.front().ph, phase::http);
    EXPECT_EQ(inbox_.front().data, to_bytes("REQ"));
    inbox_.clear();
    EXPECT_TRUE(ch_->control().start_sstp(id, 3, {}));
    pump([] { return false; }, 1'000'000);
    return id;
  }
  void up(session_id id, ppp::header_form f, uint16_t mru = 1500) {
    ASSERT_TRUE(ch_->control().data_path_up(id, kClientAddr, f, mru));
    pump([&] { return eng_->data_paths_up() == 1; });
  }
  void client_ip(const bytes& ip, bytes ppp_hdr = {0x00, 0x21}) {
    ppp_hdr.insert(ppp_hdr.end(), ip.begin(), ip.end());
    client_send(client_record(sstp_packet(false, ppp_hdr)));
  }
  // A VNet packet as the VNet iface forwards it: Ethernet in the buffer, data at IPv4.
  void vnet_packet(const bytes& ip, bool from_handoff = false) {
    rte_mbuf* m = rte_pktmbuf_alloc(pool_);
    auto* p = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, static_cast<uint16_t>(14 + ip.size())));
    std::memset(p, 0xee, 14);
    std::memcpy(p + 14, ip.data(), ip.size());
    rte_pktmbuf_adj(m, 14);
    m->l2_len = 14;
    m->l3_len = 20;
    eng_->vnet_input(&m, 1, from_handoff);
  }
  static bytes mbuf_bytes(const rte_mbuf* m) {
    bytes b;
    append_bytes(m, b);
    return b;
  }
};

TEST_F(DataPath, ClientIpv4OnlyAfterDataPathUpAndFromItsOwnAddress) {
  const session_id id = to_sstp();
  const bytes good = ipv4(kClientAddr, kVnetHost, 64, to_bytes("ping"));
  client_ip(good);
  pump([&] { return eng_->counters().get(session_counter::ipv4_before_data_path) == 1; });
  EXPECT_EQ(eng_->counters().get(session_counter::ipv4_before_data_path), 1u);
  up(id, {});
  client_ip(ipv4(kClientAddr + 1, kVnetHost, 64, to_bytes("spoof")));
  client_ip(ipv4(kClientAddr, 0x0b000001, 64, to_bytes("off-vnet")));
  client_ip(ipv4(kClientAddr, kVnetHost, 1, to_bytes("ttl")));
  client_ip(ipv4(kClientAddr, 0xac10c906, 64, to_bytes("other client")));
  client_ip(good, {0x21});  // PFC form from the client is accepted too
  ASSERT_TRUE(pump([&] { return vnet_.size() == 1; }));
  EXPECT_EQ(eng_->counters().get(session_counter::spoofed_source), 1u);
  EXPECT_EQ(eng_->counters().get(session_counter::client_not_routed), 1u);
  EXPECT_EQ(eng_->counters().get(session_counter::client_ttl_expired), 1u);
  EXPECT_EQ(eng_->counters().get(session_counter::client_to_client), 1u);
  bytes out = mbuf_bytes(vnet_[0]);
  bytes want = good;
  want[8] = 63;  // TTL decremented, checksum patched
  ASSERT_EQ(out.size(), want.size());
  EXPECT_EQ(bytes(out.begin() + 12, out.end()), bytes(want.begin() + 12, want.end()));
  EXPECT_EQ(out[8], 63);
  EXPECT_TRUE(ipv4_checksum_ok(out));
  EXPECT_EQ(eng_->stats(id.slot()).rx_packets, 1u);
}

TEST_F(DataPath, VnetPacketsAreEncapsulatedByteExactInBothPppForms) {
  for (const bool compressed : {false, true}) {
    for (auto v : {tls::protocol_version::tls12, tls::protocol_version::tls13}) {
      SCOPED_TRACE(testing::Message() << "compressed=" << compressed << " v=" << int(v));
      const session_id id = to_sstp(v, tls::aead_algorithm::aes_256_gcm);
      up(id, {compressed, compressed});
      const bytes ip = ipv4(kVnetHost, kClientAddr, 64, bytes(1000, 0x5a), 6);
      vnet_packet(ip);
      bytes plain;
      ASSERT_TRUE(pump([&] {
        EXPECT_TRUE(client_open(plain));
        return !plain.empty();
      }));
      bytes want_ip = ip;
      want_ip[8] = 63;
      uint32_t sum = uint32_t{load_be16(want_ip.data() + 10)} + 0x100;
      store_be16(want_ip.data() + 10, static_cast<uint16_t>((sum & 0xffff) + (sum >> 16)));
      const bytes ppp = compressed ? bytes{0x21} : bytes{0xff, 0x03, 0x00, 0x21};
      bytes frame = ppp;
      frame.insert(frame.end(), want_ip.begin(), want_ip.end());
      EXPECT_EQ(plain, sstp_packet(false, frame));
      EXPECT_TRUE(ipv4_checksum_ok(bytes(plain.begin() + 4 + static_cast<long>(ppp.size()), plain.end())));
      teardown();
      client_ = client_app{};
      opened_ = 0;
      build({});
    }
  }
}

TEST_F(DataPath, UnknownDestinationsDropAndOtherWorkersGetTheirs) {
  const session_id id = to_sstp();
  up(id, {});
  vnet_packet(ipv4(kVnetHost, 0xac10c907, 64, to_bytes("nobody")));
  owners_->set(0xac10c908, 3);
  vnet_packet(ipv4(kVnetHost, 0xac10c908, 64, to_bytes("worker 3")));
  vnet_packet(ipv4(kVnetHost, 0xac10c908, 64, to_bytes("handed already")), true);
  vnet_packet(ipv4(kVnetHost, kClientAddr, 1, to_bytes("ttl")));
  vnet_packet(ipv4(kVnetHost, kClientAddr, 64, bytes(1600, 1)));  // above the MRU
  pump([] { return false; }, 2'000'000);
  EXPECT_EQ(eng_->counters().get(session_counter::vnet_unknown_destination), 2u);
  EXPECT_EQ(eng_->counters().get(session_counter::vnet_ttl_expired), 1u);
  EXPECT_EQ(eng_->counters().get(session_counter::vnet_too_big), 1u);
  ASSERT_EQ(handed_.size(), 1u);
  EXPECT_EQ(handed_to_[0], 3);
  const bytes h = mbuf_bytes(handed_[0]);
  EXPECT_EQ(h[0], 0xee) << "Ethernet header given back for the owner's iface";
  EXPECT_EQ(load_be32(h.data() + 14 + 16), 0xac10c908u);
}

TEST_F(DataPath, NonIpv4PppAndControlPacketsGoToControl) {
  const session_id id = to_sstp();
  up(id, {});
  const bytes ipv6 = sstp_packet(false, {0x00, 0x57, 0x60, 0, 0, 0});
  const bytes bad_ppp = sstp_packet(false, {0xff, 0x05, 0x00, 0x21});
  const bytes echo = sstp_packet(true, {0, 8, 0, 0});
  bytes all = ipv6;
  all.insert(all.end(), bad_ppp.begin(), bad_ppp.end());
  all.insert(all.end(), echo.begin(), echo.end());
  client_send(client_record(all));
  std::vector<bytes> got;
  ASSERT_TRUE(pump([&] {
    drain_control();
    for (auto& r : inbox_)
      if (r.type == message_type::sstp_packet) got.push_back(r.data);
    inbox_.clear();
    return got.size() == 2;
  }));
  EXPECT_EQ(got[0], ipv6);
  EXPECT_EQ(got[1], echo);
  EXPECT_EQ(eng_->counters().get(session_counter::ppp_malformed), 1u);
  (void)id;
}

TEST_F(DataPath, InvalidFramingAbortsWithoutSendingAndReportsClosed) {
  const session_id id = to_sstp();
  const size_t before = client_.rx.size();
  client_send(client_record({0x11, 0x00, 0x00, 0x08, 1, 2, 3, 4}));  // version 1.1
  ASSERT_TRUE(pump([&] { return client_.closed; }));
  EXPECT_EQ(client_.why, tcp::close_reason::reset);
  EXPECT_EQ(client_.rx.size(), before) << "nothing sent before the RST";
  drain_control();
  ASSERT_FALSE(inbox_.empty());
  EXPECT_EQ(inbox_.back().type, message_type::closed);
  EXPECT_EQ(inbox_.back().reason, close_reason::invalid_sstp);
  EXPECT_EQ(inbox_.back().id, id);
  EXPECT_EQ(eng_->sstp_counters().get(sstp::rx_counter::bad_version), 1u);
  EXPECT_EQ(eng_->sessions_in_use(), 0u);
  // A message for the old generation is dropped and counted.
  EXPECT_TRUE(ch_->control().send_plaintext(id, to_bytes("late")));
  pump([] { return false; }, 1'000'000);
  EXPECT_EQ(eng_->counters().get(session_counter::stale_message), 1u);
}

TEST_F(DataPath, GracefulCloseSendsCloseNotifyThenFin) {
  const session_id id = to_sstp(tls::protocol_version::tls12);
  ASSERT_TRUE(ch_->control().send_plaintext(id, to_bytes("bye")));
  ASSERT_TRUE(ch_->control().close(id, true));
  std::vector<uint8_t> types;
  bytes plain;
  ASSERT_TRUE(pump([&] {
    EXPECT_TRUE(client_open(plain, &types));
    return !types.empty() && types.back() == 21;
  }));
  EXPECT_EQ(plain, to_bytes("bye"));
  // The peer's FIN comes back: the connection ends and control hears of it.
  link_->a().close(cconn_);
  ASSERT_TRUE(pump([&] {
    drain_control();
    for (auto& r : inbox_)
      if (r.type == message_type::closed) return true;
    return false;
  }));
  EXPECT_EQ(inbox_.back().reason, close_reason::close_requested);
}

TEST_F(DataPath, PeerFatalAlertAbortsAndBadRecordSendsAnAlert) {
  const session_id id = to_sstp();
  bytes bad = client_record(to_bytes("x"));
  bad.back() ^= 1;  // tag
  client_send(bad);
  std::vector<uint8_t> types;
  bytes plain;
  ASSERT_TRUE(pump([&] {
    drain_control();
    return !inbox_.empty() && inbox_.back().type == message_type::closed;
  }) || pump([&] {
    client_open(plain, &types);
    return !types.empty();
  }));
  EXPECT_EQ(eng_->counters().get(session_counter::tls_failed), 1u);
  (void)id;
}

class RingFull : public EngineHarness {
 protected:
  void SetUp() override { build({.ring_size = 4, .messages = 15, .mbufs = 255}); }
};

TEST_F(RingFull, AFullRingClosesTheSessionAndTheReportFollows) {
  ASSERT_TRUE(connect());
  // Control does not read: every raw write is one message until the ring is full.
  for (int i = 0; i < 8 && !client_.closed; ++i) {
    client_send(bytes(10, uint8_t(i)));
    pump([] { return false; }, 2'000'000);
  }
  EXPECT_TRUE(client_.closed);
  EXPECT_EQ(eng_->counters().get(session_counter::ring_full), 1u);
  EXPECT_EQ(eng_->counters().get(session_counter::closed_report_deferred), 1u);
  drain_control();
  pump([] { return false; }, 1'000'000);
  drain_control();
  ASSERT_FALSE(inbox_.empty());
  EXPECT_EQ(inbox_.back().type, message_type::closed);
  EXPECT_EQ(inbox_.back().reason, close_reason::ring_full);
  EXPECT_EQ(eng_->sessions_in_use(), 0u);
}

}  // namespace
}  // namespace sstpgw::session::test
