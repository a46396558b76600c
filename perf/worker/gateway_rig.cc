#include "perf/worker/gateway_rig.hh"

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <time.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string_view>

#include "dataplane/eal/mempool.hh"

namespace sstpgw::perf {

namespace {

constexpr std::string_view kRawHello = "hello";  // stands for the ClientHello
constexpr std::string_view kRequest =
    "SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\n"
    "Host: gw.example\r\nContent-Length: 18446744073709551615\r\n"
    "SSTPCORRELATIONID: {00000000-0000-0000-0000-000000000001}\r\n\r\n";

rte_ring* make_ring(const char* name, uint32_t size) {
  rte_ring* r = rte_ring_create(name, size, static_cast<int>(rte_socket_id()), RING_F_SP_ENQ | RING_F_SC_DEQ);
  if (r == nullptr) throw std::runtime_error(std::string("ring ") + name + ": " + rte_strerror(rte_errno));
  return r;
}

void free_ring_contents(rte_ring* r) {
  void* p[64];
  unsigned n;
  while ((n = rte_ring_dequeue_burst(r, p, 64, nullptr)) > 0)
    rte_pktmbuf_free_bulk(reinterpret_cast<rte_mbuf**>(p), n);
}

}  // namespace

uint64_t thread_cpu_ns() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000 + static_cast<uint64_t>(ts.tv_nsec);
}

gateway_rig::gateway_rig(const rig_config& cfg) : cfg_(cfg) {
  wire_.client_rx = make_ring("wp_c_rx", cfg_.ring_size);
  wire_.client_tx = make_ring("wp_c_tx", cfg_.ring_size);
  wire_.vnet_rx = make_ring("wp_v_rx", cfg_.ring_size);
  wire_.vnet_tx = make_ring("wp_v_tx", cfg_.ring_size);
  owned_rings_ = {wire_.client_rx, wire_.client_tx, wire_.vnet_rx, wire_.vnet_tx};
  peer_pool_ = eal::create_packet_pool("wp_peer", cfg_.peer_mbufs, 256, RTE_MBUF_DEFAULT_BUF_SIZE,
                                       static_cast<int>(rte_socket_id()));

  const int cid = rte_eth_from_rings("wp_client", &wire_.client_rx, 1, &wire_.client_tx, 1, rte_socket_id());
  const int vid = rte_eth_from_rings("wp_vnet", &wire_.vnet_rx, 1, &wire_.vnet_tx, 1, rte_socket_id());
  if (cid < 0 || vid < 0) throw std::runtime_error(std::string("rte_eth_from_rings: ") + rte_strerror(rte_errno));
  eal::port_config pc;
  pc.n_queues = 1;
  pc.port_id = static_cast<uint16_t>(cid);
  // What TCP holds per connection (send queue of sealed records, their
  // headers and indirect references) beyond the formula's port share.
  pc.extra_mbufs = 32768;
  client_ = std::make_unique<eal::port>(pc);
  pc.port_id = static_cast<uint16_t>(vid);
  pc.extra_mbufs = 8192;
  vnet_ = std::make_unique<eal::port>(pc);

  channels_ = std::make_unique<session::channel_set>("wpch", 1);
  const net::ipv4_subnet pool{kPoolPrefix, 22};
  owners_ = std::make_unique<session::owner_table>(std::span<const net::ipv4_subnet>(&pool, 1));

  worker::gateway_config gc;
  gc.client_port = client_.get();
  gc.vnet_port = vnet_.get();
  gc.client_address = {kGwClientIp, 24};
  gc.vnet_address = {kGwVnetIp, 16};
  gc.vnet_prefixes = {{0x0a010000, 16}};
  gc.max_sessions = cfg_.max_sessions;
  gc.owners = owners_.get();
  gc.channels = channels_.get();
  gc.tcp.rcv_buf = cfg_.tcp_buffer;
  gc.tcp.snd_buf = cfg_.tcp_buffer;
  gc.poll.busy_poll = true;
  gw_ = std::make_unique<worker::gateway_workers>(gc);
  gw_->start(0);
}

gateway_rig::~gateway_rig() {
  gw_.reset();
  {
    session::message* m[64];
    uint32_t n;
    while ((n = channels_->control().receive(m, 64)) > 0)
      for (uint32_t k = 0; k < n; ++k) session::release(m[k]);
  }
  channels_.reset();
  for (rte_ring* r : owned_rings_) free_ring_contents(r);
  client_.reset();
  vnet_.reset();
  for (rte_ring* r : owned_rings_) rte_ring_free(r);
  rte_mempool_free(peer_pool_);
}

peer_config gateway_rig::peer_base() const {
  peer_config p;
  p.rings = wire_;
  p.pool = peer_pool_;
  const auto cm = client_->mac(), vm = vnet_->mac();
  std::memcpy(p.gw_client_mac.b.data(), cm.data(), 6);
  std::memcpy(p.gw_vnet_mac.b.data(), vm.data(), 6);
  p.gw_client_ip = kGwClientIp;
  p.first_client = kFirstClient;
  p.first_pool_ip = kFirstPoolIp;
  p.vnet_host = kVnetHost;
  p.gw_vnet_ip = kGwVnetIp;
  return p;
}

spent gateway_rig::run_until_idle() {
  spent s;
  const uint64_t c0 = thread_cpu_ns();
  const uint64_t t0 = rte_rdtsc();
  for (;;) {
    const bool busy = gw_->run_once(0);
    ++s.iterations;
    if (!busy && rte_ring_empty(wire_.client_rx) && rte_ring_empty(wire_.vnet_rx)) break;
    if (s.iterations > 1'000'000) break;  // a stuck loop shows as missing packets, not a hang
  }
  s.tsc = rte_rdtsc() - t0;
  s.cpu_ns = thread_cpu_ns() - c0;
  return s;
}

void gateway_rig::run_for_us(uint64_t us) {
  const uint64_t end = rte_rdtsc() + rte_get_tsc_hz() / 1'000'000 * us;
  do {
    gw_->run_once(0);
  } while (rte_rdtsc() < end);
}

void gateway_rig::poll_control() {
  session::message* m[64];
  uint32_t n;
  while ((n = channels_->control().receive(m, 64)) > 0) {
    for (uint32_t k = 0; k < n; ++k) {
      inbox_.push_back({m[k]->type, m[k]->session, m[k]->stream_phase, m[k]->peer_port, m[k]->byte_count()});
      session::release(m[k]);
    }
  }
  channels_->control().flush_closes();
}

bool gateway_rig::open_sessions(scripted_client& c, std::string& why) {
  const uint32_t n = c.sessions();
  session::control_end& ctl = channels_->control();
  inbox_.clear();
  ids_.assign(n, session::session_id{});

  c.announce();
  c.send_syns();
  if (!pump(c, [&] {
        for (uint32_t k = 0; k < n; ++k)
          if (!c.established(k)) return false;
        return true;
      })) {
    why = "TCP handshakes did not complete";
    return false;
  }
  // Handshake phase: raw bytes reach control, which learns the session ids.
  for (uint32_t k = 0; k < n; ++k)
    c.send_bytes(k, reinterpret_cast<const uint8_t*>(kRawHello.data()), static_cast<uint32_t>(kRawHello.size()));
  std::vector<uint32_t> raw(n, 0), http(n, 0);
  auto index_of = [&](uint16_t peer_port) { return static_cast<uint32_t>(peer_port - c.port(0)); };
  auto collect = [&] {
    for (const seen& s : inbox_) {
      const uint32_t k = index_of(s.peer_port);
      if (s.type != session::message_type::stream_bytes || k >= n) continue;
      ids_[k] = s.id;
      (s.ph == session::phase::raw ? raw : http)[k] += s.bytes;
    }
    inbox_.clear();
  };
  if (!pump(c, [&] {
        collect();
        return std::all_of(raw.begin(), raw.end(), [](uint32_t b) { return b == kRawHello.size(); });
      })) {
    why = "handshake bytes did not reach control";
    return false;
  }
  // "Handshake done": keys into the worker and the client.
  for (uint32_t k = 0; k < n; ++k) {
    if (!ctl.install_keys(ids_[k], c.c2s(k), c.s2c(k), kRawHello.size(), {})) {
      why = "install_keys did not fit the channel";
      return false;
    }
    c.install_keys(k);
  }
  pump(c, [] { return true; });
  for (uint32_t k = 0; k < n; ++k)
    c.send_record(k, reinterpret_cast<const uint8_t*>(kRequest.data()), static_cast<uint32_t>(kRequest.size()));
  if (!pump(c, [&] {
        collect();
        return std::all_of(http.begin(), http.end(), [](uint32_t b) { return b == kRequest.size(); });
      })) {
    why = "the HTTP request did not reach control";
    return false;
  }
  const std::string_view reply(kHttpReply);
  for (uint32_t k = 0; k < n; ++k) {
    owners_->set(c.pool_ip(k), 0);
    const bool ok = ctl.send_plaintext(ids_[k], {reinterpret_cast<const uint8_t*>(reply.data()), reply.size()}) &&
                    ctl.start_sstp(ids_[k], kRequest.size(), {}) &&
                    ctl.data_path_up(ids_[k], c.pool_ip(k), ppp::header_form{}, 1500 + 4);
    if (!ok) {
      why = "SSTP start did not fit the channel";
      return false;
    }
  }
  if (!pump(c, [&] {
        inbox_.clear();
        for (uint32_t k = 0; k < n; ++k)
          if (!c.http_done(k)) return false;
        return engine().data_paths_up() == n;
      })) {
    why = "the HTTP reply or data_path_up did not complete";
    return false;
  }
  if (c.errors()) {
    why = c.first_error();
    return false;
  }
  return true;
}

void gateway_rig::close_sessions(scripted_client& c) {
  session::control_end& ctl = channels_->control();
  for (uint32_t k = 0; k < c.sessions(); ++k) {
    ctl.close(ids_[k], false);
    owners_->clear(c.pool_ip(k));
  }
  pump(c, [&] {
    for (uint32_t k = 0; k < c.sessions(); ++k)
      if (!c.reset_seen(k)) return false;
    return engine().sessions_in_use() == 0;
  });
  inbox_.clear();
}

}  // namespace sstpgw::perf
