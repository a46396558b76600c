#include "control/gateway/data_plane.hh"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mempool.h>

#include <stdexcept>

#include "control/pool/return_worker.hh"
#include "dataplane/common/log.hh"
#include "dataplane/eal/mempool.hh"
#include "dataplane/tls/record_format.hh"

namespace sstpgw::gateway {

namespace {

net::ipv4_subnet interface_of(std::string_view which, const std::string& text) {
  std::string error;
  const auto a = parse_ipv4_interface(text, &error);
  if (!a) throw config::config_error(fmt::format("[dataplane.{}] address \"{}\": {}", which, text, error));
  return {a->address.value, a->length};
}

uint32_t next_hop_of(std::string_view which, const std::string& text) {
  if (text.empty()) return 0;
  const auto a = parse_ipv4(text);
  if (!a)
    throw config::config_error(
        fmt::format("[dataplane.{}] gateway \"{}\" is not an IPv4 address", which, text));
  return a->value;
}

std::vector<net::ipv4_subnet> prefixes_of(const std::vector<std::string>& texts, std::string_view what) {
  std::vector<net::ipv4_subnet> out;
  for (const auto& t : texts) {
    const auto p = parse_ipv4_prefix(t);
    if (!p) throw config::config_error(fmt::format("{} \"{}\" is not a prefix", what, t));
    out.push_back({p->network.value, p->length});
  }
  return out;
}

// Whether the port's RSS hashes IPv4 on the destination address only, so the
// queue a client address's return traffic lands on is known in advance.
bool hashes_destination_only(const eal::port& p) {
  if (!p.rss().hardware) return false;
  uint8_t key[64] = {};
  rte_eth_rss_conf rc{};
  rc.rss_key = key;
  rc.rss_key_len = sizeof key;
  if (rte_eth_dev_rss_hash_conf_get(p.id(), &rc) != 0) return false;
  return (rc.rss_hf & RTE_ETH_RSS_L3_DST_ONLY) != 0 && (rc.rss_hf & RTE_ETH_RSS_L3_SRC_ONLY) == 0;
}

}  // namespace

data_plane::data_plane(const config::gateway_config& cfg, const pool_plan& pools)
    : sessions_per_worker_(pools.sessions_per_worker) {
  const uint32_t n = cfg.workers;
  unsigned lc = 0;
  RTE_LCORE_FOREACH_WORKER(lc) {
    if (lcores_.size() < n) lcores_.push_back(lc);
  }
  if (lcores_.size() < n)
    throw std::runtime_error(fmt::format("EAL gave {} worker lcore(s) for {} worker(s)", lcores_.size(), n));

  if (n > 1) mesh_ = std::make_unique<rings::handoff_mesh>("gwho", static_cast<uint16_t>(n));

  auto make_port = [&](std::string_view which, const config::port_config& pc) {
    const port_device d = plan_port_device(which, pc.device, n);
    eal::port_config c;
    try {
      c.port_id = eal::port::find(d.name);
    } catch (const std::exception& e) {
      // DPDK logged why the probe failed (no such interface, no permission).
      throw std::runtime_error(
          fmt::format("[dataplane.{}] device \"{}\": {}; DPDK could not probe it (see its log above)", which,
                      pc.device, e.what()));
    }
    c.n_queues = static_cast<uint16_t>(n);
    c.queue_lcores = lcores_;
    c.mtu = pc.mtu;
    c.max_rx_frame = d.max_rx_frame;
    c.handoff_slots = mesh_ ? mesh_->slots() : 0;
    c.reassembly_mbufs = n * 256;
    c.arp_pending_mbufs = n * 256 * 8;
    c.extra_mbufs = pools.extra_mbufs_per_port;
    auto p = std::make_unique<eal::port>(c);
    const eal::link_state l = p->link();
    log(log_level::info, "gateway", "{} port {} ({}): {} queue(s), {} mbufs, link {}{}", which, d.name,
        p->caps().driver, p->n_queues(), p->pool_size(), l.up ? "up" : "down",
        l.speed_mbps ? fmt::format(" {} Mb/s", l.speed_mbps) : std::string());
    return p;
  };
  client_ = make_port("client_port", cfg.client_port);
  vnet_ = make_port("vnet_port", cfg.vnet_port);

  session::channel_config cc;
  cc.messages = pools.channel_messages;
  cc.mbufs = pools.channel_mbufs;
  channels_ = std::make_unique<session::channel_set>("gwch", static_cast<uint16_t>(n), cc);

  // A client may spread one TLS record over more TCP segments than a record
  // reader holds (kMaxSegments); the engine then copies the pieces into one
  // large buffer from this pool, or closes the session when there is none.
  // A buffer lives from the copy until its record is opened: a handful per
  // worker at a time, 64 each is ample.
  coalesce_pool_ = eal::create_packet_pool("gwcoal", 64 * n - 1, 0,
                                           static_cast<uint16_t>(RTE_PKTMBUF_HEADROOM + tls::kMaxRecordLen),
                                           static_cast<int>(rte_socket_id()));

  const auto pool_prefixes = prefixes_of(cfg.pool_ranges, "[pool] range");
  owners_ = std::make_unique<session::owner_table>(pool_prefixes);

  worker::gateway_config wc;
  wc.client_port = client_.get();
  wc.vnet_port = vnet_.get();
  wc.client_address = interface_of("client_port", cfg.client_port.address);
  wc.client_gateway = next_hop_of("client_port", cfg.client_port.gateway);
  wc.vnet_address = interface_of("vnet_port", cfg.vnet_port.address);
  wc.vnet_gateway = next_hop_of("vnet_port", cfg.vnet_port.gateway);
  wc.vnet_prefixes = prefixes_of(cfg.vnet_prefixes, "[vnet] prefix");
  wc.listen_port = cfg.listen_port;
  wc.max_sessions = sessions_per_worker_;
  wc.owners = owners_.get();
  wc.channels = channels_.get();
  wc.mesh = mesh_.get();
  wc.coalesce_pool = coalesce_pool_;
  workers_ = std::make_unique<worker::gateway_workers>(wc);

  dst_only_rss_ = hashes_destination_only(*vnet_);
  if (n == 1) {
    return_mode_ = "one worker: every address is its own";
  } else if (dst_only_rss_) {
    return_mode_ =
        "the VNet port hashes on the destination address: each session gets an address its worker receives";
  } else {
    return_mode_ = fmt::format(
        "the VNet port ({}) does not hash on the destination address alone: return traffic is handed to the "
        "owning "
        "worker over the handoff rings",
        vnet_->caps().driver);
  }
}

data_plane::~data_plane() {
  stop();
  // gateway_workers first (its engines free what they hold), then the rest.
  workers_.reset();
  channels_.reset();
  owners_.reset();
  client_.reset();
  vnet_.reset();
  mesh_.reset();
  rte_mempool_free(coalesce_pool_);
}

int data_plane::worker_main(void* arg) {
  auto* a = static_cast<launch_arg*>(arg);
  a->self->workers_->run(a->worker, a->self->stop_);
  return 0;
}

void data_plane::launch() {
  if (running_) return;
  stop_.store(false, std::memory_order_release);
  args_.clear();
  for (uint16_t w = 0; w < workers_->n_workers(); ++w) args_.push_back({this, w});
  for (uint16_t w = 0; w < workers_->n_workers(); ++w) {
    if (int rc = rte_eal_remote_launch(&data_plane::worker_main, &args_[w], lcores_[w]); rc != 0) {
      stop_.store(true, std::memory_order_release);
      for (uint16_t k = 0; k < w; ++k) rte_eal_wait_lcore(lcores_[k]);
      throw std::runtime_error(fmt::format("cannot launch worker {} on lcore {}: {}", w, lcores_[w], rc));
    }
  }
  running_ = true;
  log(log_level::info, "gateway", "{} worker(s) running on lcore(s) {}", workers_->n_workers(),
      fmt::join(lcores_, ","));
}

void data_plane::stop() {
  if (!running_) return;
  stop_.store(true, std::memory_order_release);
  for (unsigned lc : lcores_) rte_eal_wait_lcore(lc);
  running_ = false;
  log(log_level::info, "gateway", "workers stopped");
}

std::optional<session::session_stats> data_plane::stats_of(session::session_id id) {
  if (id.worker() >= workers_->n_workers() || id.slot() >= sessions_per_worker_) return std::nullopt;
  const session::session_stats s = workers_->engine(static_cast<uint16_t>(id.worker())).stats(id.slot());
  if (s.generation != id.generation()) return std::nullopt;
  return s;
}

pool::worker_of_fn data_plane::pool_worker_of() const {
  const uint32_t n = workers_->n_workers();
  if (n > 1 && dst_only_rss_) return pool::make_dst_rss_worker_of(vnet_->rss().key, vnet_->rss().reta);
  return [n](ipv4_address a) { return a.value % n; };
}

void data_plane::count_stats(std::vector<control_thread::stat_counter>& out) {
  for (auto& [name, value] : workers_->counters()) out.push_back({"dataplane." + name, value, ""});
  for (uint16_t w = 0; w < workers_->n_workers(); ++w) {
    const worker::runtime_stats& rt = workers_->loop(w).stats();
    const std::string p = fmt::format("runtime.w{}.", w);
    out.push_back({p + "iterations", rt.iterations, "poll loop iterations"});
    out.push_back({p + "idle_iterations", rt.idle_iterations, "iterations without work"});
    out.push_back({p + "sleeps", rt.sleeps, "times the idle loop slept"});
    out.push_back({p + "loop_cycles", rt.loop_cycles, "TSC cycles in the loop (sleep included)"});
    for (size_t i = 0; i < rt.n_stages; ++i) {
      const worker::stage_stats& s = rt.stages[i];
      const std::string sp = p + (s.name ? s.name : "?") + ".";
      out.push_back({sp + "calls", s.calls, "calls that did work"});
      out.push_back({sp + "packets", s.packets, "packets or items handled"});
      out.push_back({sp + "cycles", s.cycles, "TSC cycles spent"});
    }
  }
  for (const auto* p : {client_.get(), vnet_.get()}) {
    const std::string pre = p == client_.get() ? "port.client." : "port.vnet.";
    const eal::port_stats s = p->stats();
    out.push_back({pre + "rx_packets", s.rx_packets, "frames received"});
    out.push_back({pre + "tx_packets", s.tx_packets, "frames sent"});
    out.push_back({pre + "rx_bytes", s.rx_bytes, "bytes received"});
    out.push_back({pre + "tx_bytes", s.tx_bytes, "bytes sent"});
    out.push_back({pre + "rx_missed", s.rx_missed, "frames the port dropped: RX ring full"});
    out.push_back({pre + "rx_errors", s.rx_errors, "receive errors"});
    out.push_back({pre + "tx_errors", s.tx_errors, "transmit errors"});
    out.push_back({pre + "rx_nombuf", s.rx_nombuf, "receive failures: no mbuf"});
  }
  const auto& cc = channels_->control().counters();
  const auto infos = cc.infos();
  for (size_t i = 0; i < cc.size; ++i)
    out.push_back({fmt::format("channel.control.{}", infos[i].name), cc.value[i], infos[i].description});
}

}  // namespace sstpgw::gateway
