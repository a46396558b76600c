// A whole server-side PPP link fed arbitrary frames and timer ticks, with a
// stand-in authentication phase (succeeds on an EAP packet starting 0x03,
// fails on 0x04). Checks: every frame sent parses, events arrive in a
// possible order, and the pool gets every address back.
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <vector>

#include "control/ppp/link.hh"
#include "dataplane/common/log.hh"

using namespace sstpgw::ppp;
using sstpgw::ipv4_address;

namespace {

class one_address_pool : public address_pool {
 public:
  std::optional<ipv4_address> allocate(uint32_t) override {
    if (used) return std::nullopt;
    used = true;
    return ipv4_address::from_octets(172, 16, 201, 2);
  }
  void release(ipv4_address) override {
    if (!used) std::abort();
    used = false;
  }
  bool used = false;
};

class stand_in_auth : public auth_phase {
 public:
  uint16_t protocol() const override { return kProtoEap; }
  void start(const lcp_negotiated&, size_t, time_point) override {
    out.push_back({kProtoEap, {1, 1, 0, 5, 1}});
  }
  void receive(std::span<const uint8_t> info, time_point) override {
    if (st == result::pending && !info.empty() && info[0] == 3) st = result::succeeded;
    if (st == result::pending && !info.empty() && info[0] == 4) st = result::failed;
  }
  void on_timer(time_point) override {}
  time_point next_deadline() const override { return kNoDeadline; }
  std::vector<outgoing_packet> take_packets() override { return std::exchange(out, {}); }
  result status() const override { return st; }
  std::string reason() const override { return "stand-in"; }
  result st = result::pending;
  std::vector<outgoing_packet> out;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sstpgw::set_log_level(sstpgw::log_level::off);
  one_address_pool pool;
  {
    auto lc = lcp_config::server();
    lc.random = [n = 1u]() mutable { return n++; };
    ppp_link link(
        {.lcp = lc,
         .ipcp = ipcp_server_config{.local = ipv4_address::from_octets(172, 16, 201, 1), .pool = &pool}},
        std::make_unique<stand_in_auth>());
    time_point now{};
    link.start(now);
    bool finished = false, network_up = false;
    size_t i = 0;
    while (i + 2 <= size) {
      const uint8_t op = data[i];
      const size_t len = std::min<size_t>(data[i + 1], size - i - 2);
      const std::span<const uint8_t> body(data + i + 2, len);
      i += 2 + len;
      switch (op % 5) {
        case 0:
        case 1:
        case 2:
          link.receive_frame(body, now);
          break;
        case 3:
          now += std::chrono::seconds(1 + len % 4);
          link.on_timer(now);
          break;
        default:
          if (op & 0x80)
            link.lower_down(now);
          else
            link.close(now, "fuzz");
          break;
      }
      for (const auto& f : link.take_frames()) {
        frame_view v;
        if (parse_frame(f, v) != parse_status::ok) std::abort();
      }
      for (link_event e : link.take_events()) {
        if (finished) std::abort();  // nothing after finished
        if (e == link_event::network_up) network_up = true;
        if (e == link_event::network_down && !network_up) std::abort();
        if (e == link_event::finished) finished = true;
      }
      if (link.ipcp_layer().opened() && !pool.used) std::abort();  // an open IPCP holds its address
    }
  }
  if (pool.used) std::abort();
  return 0;
}
