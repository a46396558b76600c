// The phase machine and the hand-back rule with bytes arriving at every cut
// point: a fake handshake, then records whose plaintext is the HTTP request
// followed by SSTP packets; the scripted control thread consumes exactly the
// handshake / the request and returns the rest, eagerly (before more arrives)
// or lazily (more already forwarded and bounced back as returned_bytes).
#include "dataplane/session/handback.hh"
#include "tests/unit/session/engine_harness.hh"

namespace sstpgw::session::test {
namespace {

TEST(Handback, Arithmetic) {
  handback h;
  EXPECT_EQ(h.on_returned(1), handback_verdict::unexpected);
  h.forwarded(100);
  EXPECT_EQ(h.on_switch(101, 0), handback_verdict::over_consumed);
  EXPECT_EQ(h.on_switch(60, 30), handback_verdict::ok);
  EXPECT_TRUE(h.holding());
  EXPECT_EQ(h.outstanding(), 10u);
  EXPECT_EQ(h.on_returned(11), handback_verdict::over_returned);
  EXPECT_EQ(h.on_returned(10), handback_verdict::ok);
  EXPECT_FALSE(h.holding());
  EXPECT_EQ(h.forwarded_bytes(), 0u);
  handback g;
  g.forwarded(5);
  EXPECT_EQ(g.on_switch(5, 1), handback_verdict::over_returned);
}

const std::string kRequest =
    "SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\n"
    "Host: vpn.example.test\r\nContent-Length: 18446744073709551615\r\n\r\n";
const std::string kReply = "HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\n\r\n";

struct cut_case {
  tls::protocol_version v;
  tls::aead_algorithm a;
  size_t cut;        // the client's first write ends here (bytes of the whole wire stream)
  size_t split;      // plaintext bytes in the first record
  bool lazy;         // control reads all forwarded bytes before it acts
  bool hold = false;  // lazy, and new TCP data arrives between install_keys and the bounce
};

class CutPoints : public EngineHarness {
 protected:
  void run(const cut_case& c) {
    make_keys(c.v, c.a);
    ASSERT_TRUE(connect());
    bytes hs(100);
    for (auto& b : hs) b = static_cast<uint8_t>(rng_());
    const bytes p1 = sstp_packet(true, {0, 1, 0, 0});                           // Call Connect Request-ish
    const bytes p2 = sstp_packet(false, {0xff, 0x03, 0xc0, 0x21, 1, 2, 0, 4});  // LCP in a data packet
    const bytes p3 = sstp_packet(false, {0x80, 0x21, 1, 1, 0, 4});              // IPCP
    const bytes p4 = sstp_packet(true, {0, 8, 0, 0});                           // echo request
    bytes plain = to_bytes(kRequest);
    for (const bytes* p : {&p1, &p2, &p3}) plain.insert(plain.end(), p->begin(), p->end());
    const size_t split = std::min(c.split, plain.size() - 1);
    const bytes r1 = client_record(bytes(plain.begin(), plain.begin() + split));
    const bytes r2 = client_record(bytes(plain.begin() + split, plain.end()));
    bytes wire = hs;
    wire.insert(wire.end(), r1.begin(), r1.end());
    wire.insert(wire.end(), r2.begin(), r2.end());
    const size_t cut = std::min(std::max<size_t>(c.cut, 1), wire.size() - 1);

    // Control: raw bytes until the handshake is complete, then install_keys.
    uint64_t raw_seen = 0;
    bytes raw_extra;  // raw bytes beyond the handshake
    bool installed = false, started = false;
    bool pause = c.hold, paused = false;
    uint64_t http_seen = 0;
    bytes http;
    std::vector<bytes> packets;
    session_id id{};
    auto control = [&] {
      drain_control();
      while (!inbox_.empty()) {
        received r = std::move(inbox_.front());
        inbox_.pop_front();
        id = r.id;
        if (r.type == message_type::stream_bytes && r.ph == phase::raw) {
          if (installed) {
            ++bounced_;
            ASSERT_TRUE(ch_->control().returned_bytes(r.id, r.data));
            continue;
          }
          const uint64_t before = raw_seen;
          raw_seen += r.data.size();
          if (raw_seen >= hs.size()) {
            const size_t beyond = raw_seen - hs.size();
            raw_extra.assign(r.data.end() - static_cast<long>(beyond), r.data.end());
            ASSERT_TRUE(ch_->control().send_raw(r.id, to_bytes("server flight")));
            install(r.id, hs.size(), raw_extra);
            installed = true;
            if (pause) {
              pause = false;
              paused = true;
              return;
            }
          }
          (void)before;
        } else if (r.type == message_type::stream_bytes && r.ph == phase::http) {
          if (started) {
            ++bounced_;
            ASSERT_TRUE(ch_->control().returned_bytes(r.id, r.data));
            continue;
          }
          http.insert(http.end(), r.data.begin(), r.data.end());
          http_seen += r.data.size();
          if (http.size() >= kRequest.size()) {
            ASSERT_EQ(bytes(http.begin(), http.begin() + kRequest.size()), to_bytes(kRequest));
            ASSERT_TRUE(ch_->control().send_plaintext(r.id, to_bytes(kReply)));
            ASSERT_TRUE(ch_->control().start_sstp(r.id, kRequest.size(),
                                                  bytes(http.begin() + kRequest.size(), http.end())));
            started = true;
          }
        } else if (r.type == message_type::sstp_packet) {
          packets.push_back(r.data);
        } else {
          ADD_FAILURE() << "unexpected message " << name_of(r.type) << " " << name_of(r.reason);
        }
      }
    };
    client_send(bytes(wire.begin(), wire.begin() + cut));
    if (c.lazy) {
      // Both parts reach control before it acts: the tail is bounced back.
      pump([&] { return eng_->counters().get(session_counter::raw_bytes) >= cut; });
      client_send(bytes(wire.begin() + cut, wire.end()));
      pump([&] { return eng_->counters().get(session_counter::raw_bytes) >= wire.size(); });
      if (c.hold) {
        control();
        EXPECT_TRUE(paused);
        // More records before control bounces what was in flight: held.
        client_send(client_record(p4));
        pump([&] { return eng_->counters().get(session_counter::held_chains) > 0; }, 50'000'000);
        EXPECT_GT(eng_->counters().get(session_counter::held_chains), 0u);
      }
    } else {
      pump([&] {
        control();
        return installed || raw_seen >= cut;
      });
      client_send(bytes(wire.begin() + cut, wire.end()));
    }
    ASSERT_TRUE(pump([&] {
      control();
      return packets.size() == (c.hold ? 4u : 3u);
    })) << "packets " << packets.size() << " installed " << installed << " started " << started;
    EXPECT_EQ(packets[0], p1);
    EXPECT_EQ(packets[1], p2);
    EXPECT_EQ(packets[2], p3);
    if (c.hold) {
      EXPECT_EQ(packets[3], p4);
    }
    // The client got the server flight in clear, then the reply as a record.
    ASSERT_TRUE(pump([&] { return client_.rx.size() >= 13 + 5; }));
    EXPECT_EQ(bytes(client_.rx.begin(), client_.rx.begin() + 13), to_bytes("server flight"));
    opened_ = 13;
    bytes reply;
    ASSERT_TRUE(pump([&] {
      EXPECT_TRUE(client_open(reply));
      return reply.size() >= kReply.size();
    }));
    EXPECT_EQ(reply, to_bytes(kReply));
    EXPECT_EQ(eng_->counters().get(session_counter::handback_violation), 0u);
    EXPECT_EQ(eng_->sessions_in_use(), 1u);
    held_ += eng_->counters().get(session_counter::held_chains);
    returned_with_switch_ += raw_extra.size() > 0 ? 1 : 0;
  }
  size_t bounced_ = 0, held_ = 0, returned_with_switch_ = 0;
};

TEST_F(CutPoints, EveryCutEagerAndLazyBothVersions) {
  size_t runs = 0;
  for (auto v : {tls::protocol_version::tls12, tls::protocol_version::tls13}) {
    for (bool lazy : {false, true}) {
      for (size_t cut = 1; cut < 400; cut += (cut < 120 ? 7 : 23)) {
        for (size_t split : {size_t{10}, kRequest.size(), kRequest.size() + 5}) {
          SCOPED_TRACE(testing::Message() << "v=" << int(v) << " lazy=" << lazy << " cut=" << cut
                                          << " split=" << split);
          const auto a = (cut & 1) ? tls::aead_algorithm::aes_256_gcm : tls::aead_algorithm::aes_128_gcm;
          // The hold case needs bytes still outstanding after the switch.
          run({v, a, cut, split, lazy, lazy && cut > 100});
          if (HasFatalFailure()) return;
          teardown();
          client_ = client_app{};
          opened_ = 0;
          build({});
          ++runs;
        }
      }
    }
  }
  EXPECT_GT(runs, 100u);
  // Every path of the rule was taken somewhere in the sweep.
  EXPECT_GT(bounced_, 0u) << "returned_bytes bounced from the ring";
  EXPECT_GT(returned_with_switch_, 0u) << "bytes returned with install_keys";
}

}  // namespace
}  // namespace sstpgw::session::test
