#include "dataplane/worker/gateway_workers.hh"

#include <fmt/format.h>

#include <stdexcept>

namespace sstpgw::worker {

namespace {

template <typename E>
void add_counters(std::vector<std::pair<std::string, uint64_t>>& out, std::string_view layer,
                  const counter_set<E>& c) {
  const auto infos = counter_set<E>::infos();
  for (size_t i = 0; i < counter_set<E>::size; ++i) {
    const std::string name = fmt::format("{}.{}", layer, infos[i].name);
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& p) { return p.first == name; });
    if (it == out.end()) {
      out.emplace_back(name, c.value[i]);
    } else {
      it->second += c.value[i];
    }
  }
}

}  // namespace

gateway_workers::gateway_workers(const gateway_config& cfg) : cfg_(cfg) {
  if (!cfg_.client_port || !cfg_.vnet_port || !cfg_.channels)
    throw std::invalid_argument("gateway workers: ports and channels are required");
  const uint16_t n = cfg_.client_port->n_queues();
  if (cfg_.vnet_port->n_queues() != n || cfg_.channels->n_workers() != n)
    throw std::invalid_argument("gateway workers: client port, VNet port and channels differ in workers");
  if (n > 1 && (!cfg_.mesh || cfg_.mesh->n_workers() != n))
    throw std::invalid_argument("gateway workers: several workers need a handoff mesh of the same size");

  std::vector<rings::handoff_port*> ho;
  for (uint16_t w = 0; w < n; ++w) {
    auto st = std::make_unique<worker_state>();
    if (!st->aead.init()) throw std::runtime_error("gateway workers: ipsec-mb manager failed");
    if (cfg_.mesh) st->handoff = std::make_unique<rings::handoff_port>(*cfg_.mesh, w);
    ho.push_back(st->handoff.get());
    w_.push_back(std::move(st));
  }
  if (!cfg_.mesh) ho.clear();

  net::iface_config cb;
  cb.address = cfg_.client_address;
  cb.gateway = cfg_.client_gateway;
  client_ = std::make_unique<port_workers>(*cfg_.client_port, cb, ho);
  net::iface_config vb;
  vb.address = cfg_.vnet_address;
  vb.gateway = cfg_.vnet_gateway;
  vnet_ = std::make_unique<port_workers>(*cfg_.vnet_port, vb, ho);

  for (uint16_t w = 0; w < n; ++w) {
    worker_state& st = *w_[w];
    session::engine_config ec;
    ec.worker = w;
    ec.max_sessions = cfg_.max_sessions;
    ec.record_pool = cfg_.client_port->pool(w);
    ec.vnet_pool = cfg_.vnet_port->pool(w);
    ec.coalesce_pool = cfg_.coalesce_pool;
    ec.owners = cfg_.owners;
    ec.vnet_prefixes = cfg_.vnet_prefixes;
    ec.vnet_address = cfg_.vnet_address.addr;
    st.engine = std::make_unique<session::engine>(ec, cfg_.channels->worker(w), st.aead);

    st.loop = std::make_unique<poll_loop>(cfg_.poll);
    tcp::stack_config tc = cfg_.tcp;
    tc.max_connections = cfg_.max_sessions;
    tc.pool = cfg_.client_port->pool(w);
    tc.tx = client_->iface(w).output_sink();
    tc.tx_checksum_offload = cfg_.client_port->caps().tx_checksum_offload;
    st.tcp = std::make_unique<tcp::stack>(tc, st.engine->events(), st.loop->now_us() * 1000);
    st.engine->attach(*st.tcp);
    if (!st.tcp->listen(cfg_.listen_port)) throw std::runtime_error("gateway workers: cannot listen");

    client_->iface(w).set_tcp_sink({&tcp_input, &st});
    vnet_->iface(w).set_forward_sink(st.engine->vnet_sink());
    st.engine->set_vnet_output(vnet_->iface(w).output_sink());
    if (st.handoff) st.engine->set_handoff(st.handoff->sink());

    st.loop->add_port(client_->binding(w));
    st.loop->add_port(vnet_->binding(w));
    if (st.handoff) st.loop->set_handoff(st.handoff.get());
    st.loop->add_stage({"session-control", &stage_control, &st});
    st.loop->add_stage({"session-rx", &stage_rx, &st});
    st.loop->add_stage({"session-tx", &stage_tx, &st});
    st.loop->add_stage({"tcp-output", &stage_tcp, &st});
  }
}

gateway_workers::~gateway_workers() {
  // Engines free what their slots hold before the stacks and ifaces go.
  for (auto& st : w_) st->engine.reset();
  for (auto& st : w_) st->tcp.reset();
}

uint16_t gateway_workers::tcp_input(void* ctx, rte_mbuf** pkts, uint16_t n) {
  auto* st = static_cast<worker_state*>(ctx);
  st->tcp->input(pkts, n, st->loop->now_us() * 1000);
  return n;
}

uint32_t gateway_workers::stage_control(void* ctx, uint64_t now_us) {
  return static_cast<worker_state*>(ctx)->engine->control_stage(now_us);
}
uint32_t gateway_workers::stage_rx(void* ctx, uint64_t now_us) {
  return static_cast<worker_state*>(ctx)->engine->rx_stage(now_us);
}
uint32_t gateway_workers::stage_tx(void* ctx, uint64_t now_us) {
  return static_cast<worker_state*>(ctx)->engine->tx_stage(now_us);
}
uint32_t gateway_workers::stage_tcp(void* ctx, uint64_t now_us) {
  auto* st = static_cast<worker_state*>(ctx);
  const uint32_t before = st->tcp->tx_backlog();
  const uint64_t sent = st->tcp->counters().get(tcp::tcp_counter::tx_segments);
  st->tcp->poll(now_us * 1000);
  // Items: segments built now plus those that were waiting for the sink.
  return before + static_cast<uint32_t>(st->tcp->counters().get(tcp::tcp_counter::tx_segments) - sent);
}

void gateway_workers::start(uint16_t w) { w_.at(w)->loop->start(); }

bool gateway_workers::run_once(uint16_t w) { return w_.at(w)->loop->run_once(); }

void gateway_workers::run(uint16_t w, const std::atomic<bool>& stop) {
  worker_state& st = *w_.at(w);
  st.loop->start();
  st.loop->run(stop);
  st.engine->shutdown();
  st.tcp->poll(st.loop->now_us() * 1000);
  client_->tx(w).flush();
}

std::vector<std::pair<std::string, uint64_t>> gateway_workers::counters() const {
  std::vector<std::pair<std::string, uint64_t>> out;
  for (uint16_t w = 0; w < w_.size(); ++w) {
    const worker_state& st = *w_[w];
    add_counters(out, "session", st.engine->counters());
    add_counters(out, "sstp", st.engine->sstp_counters());
    add_counters(out, "tls_open", st.engine->open_counters());
    add_counters(out, "tls_seal", st.engine->seal_counters());
    add_counters(out, "tcp", st.tcp->counters());
    add_counters(out, "channel", cfg_.channels->worker(w).counters());
    if (st.handoff) add_counters(out, "handoff", st.handoff->counters());
    for (auto [name, f] : {std::pair<const char*, net::iface*>{"client", &client_->iface(w)},
                           std::pair<const char*, net::iface*>{"vnet", &vnet_->iface(w)}}) {
      add_counters(out, fmt::format("{}.ether", name), f->ether_counters());
      add_counters(out, fmt::format("{}.arp", name), f->arp_counters());
      add_counters(out, fmt::format("{}.ipv4", name), f->ipv4_counters());
      add_counters(out, fmt::format("{}.icmp", name), f->icmp_counters());
    }
  }
  return out;
}

std::string gateway_workers::runtime() const {
  std::string out;
  for (uint16_t w = 0; w < w_.size(); ++w) {
    out += fmt::format("worker {} (sessions {}, data paths {})\n", w, w_[w]->engine->sessions_in_use(),
                       w_[w]->engine->data_paths_up());
    out += w_[w]->loop->stats().format();
  }
  return out;
}

}  // namespace sstpgw::worker
