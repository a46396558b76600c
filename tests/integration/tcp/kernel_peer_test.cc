// The Linux kernel as the TCP peer. Two network namespaces joined by a veth:
// sgwt-client holds the kernel's end (10.231.7.1) and real programs (socat,
// ncat, curl and a socket test program); sgwt-stack holds the other end with
// no address, where this process's DPDK net_af_packet port reads raw frames
// for the stack (10.231.7.2). Checksum offloads are off on both ends.
#include <gtest/gtest.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "tests/integration/tcp/kernel_side.hh"
#include "tests/integration/tcp/net_link.hh"
#include "tests/integration/tcp/services.hh"
#include "tests/support/command.hh"

namespace sstpgw::tcp::testing {
namespace {

using sstpgw::testing::command_output;

constexpr uint32_t kKernelIp = 0x0ae70701;  // 10.231.7.1, inside sgwt-client
constexpr uint32_t kStackIp = 0x0ae70702;   // 10.231.7.2, the stack
constexpr uint64_t kMiB = 1024 * 1024;

int sh(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()); }

void teardown_netns() {
  sh("ip netns del sgwt-client");
  sh("ip netns del sgwt-stack");
}

class KernelPeerEnv : public ::testing::Environment {
 public:
  void SetUp() override {
    if (geteuid() != 0 || sh("command -v ip") != 0 || sh("command -v ethtool") != 0) {
      skip_ = "needs root, ip and ethtool";
      return;
    }
    teardown_netns();
    const char* cmds[] = {
        "ip netns add sgwt-client",
        "ip netns add sgwt-stack",
        "ip link add sgwt-t0 netns sgwt-client type veth peer name sgwt-t1 netns sgwt-stack",
        "ip -n sgwt-client addr add 10.231.7.1/24 dev sgwt-t0",
        "ip -n sgwt-client link set lo up",
        "ip -n sgwt-client link set sgwt-t0 up",
        "ip -n sgwt-stack link set sgwt-t1 up",
        "ip netns exec sgwt-stack sysctl -qw net.ipv6.conf.sgwt-t1.disable_ipv6=1",
        "ip netns exec sgwt-client sysctl -qw net.ipv6.conf.sgwt-t0.disable_ipv6=1",
        // Offloads off: af_packet sees frames exactly as the wire would carry them.
        "ip netns exec sgwt-client ethtool -K sgwt-t0 tx off rx off tso off gso off gro off",
        "ip netns exec sgwt-stack ethtool -K sgwt-t1 tx off rx off tso off gso off gro off",
    };
    for (const char* c : cmds) {
      if (sh(c) != 0) {
        skip_ = std::string("setup failed: ") + c;
        teardown_netns();
        return;
      }
    }
    std::string err;
    if (!enter_netns("sgwt-stack", &err)) {
      skip_ = err;
      return;
    }
    try {
      net_link::start("net_af_packet0,iface=sgwt-t1,qpairs=1");
    } catch (const std::exception& e) {
      skip_ = std::string("DPDK: ") + e.what();
      return;
    }
    pool_ = rte_pktmbuf_pool_create("kp_pool", 65535, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
    ipool_ = rte_pktmbuf_pool_create("kp_ind", 32767, 256, 0, 0, SOCKET_ID_ANY);
    if (pool_ == nullptr || ipool_ == nullptr) skip_ = "mempools";
  }
  void TearDown() override {
    net_link::stop();
    teardown_netns();
  }
  static inline std::string skip_;
  static inline rte_mempool* pool_ = nullptr;
  static inline rte_mempool* ipool_ = nullptr;
};

const auto* const env = ::testing::AddGlobalTestEnvironment(new KernelPeerEnv);

uint64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000 + static_cast<uint64_t>(ts.tv_nsec);
}

// One stack on the port with the services, driven on this thread while
// `kernel_work` runs on another (in sgwt-client) until it returns.
class KernelPeer : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!KernelPeerEnv::skip_.empty()) GTEST_SKIP() << KernelPeerEnv::skip_;
    base_ = rte_mempool_in_use_count(KernelPeerEnv::pool_);
  }

  void make(const net::impairment_config* loss = nullptr) {
    shim_ = std::make_unique<net_link>(kStackIp, KernelPeerEnv::pool_);
    if (loss != nullptr) {
      net::impairment_config out = *loss;
      out.seed = loss->seed * 7 + 1;
      shim_->set_impairment(*loss, out);
    }
    stack_config c;
    c.max_connections = 1024;
    c.max_half_open = 1024;
    c.pool = KernelPeerEnv::pool_;
    c.indirect_pool = KernelPeerEnv::ipool_;
    c.rcv_buf = 512 * 1024;
    c.snd_buf = 512 * 1024;
    c.tx = shim_->tx_sink();
    c.tx_checksum_offload = net_link::tx_checksum_offload();
    c.time_wait_ns = 5'000'000'000;
    // Lossy runs: keep our backoff short (the kernel's still doubles to 120 s).
    c.rto.max_ns = 4'000'000'000;
    svc_ = std::make_unique<services>(KernelPeerEnv::pool_, c.max_connections);
    stack_ = std::make_unique<stack>(c, svc_->events(), now_ns());
    svc_->attach(stack_.get());
    shim_->attach(stack_.get());
    ASSERT_TRUE(stack_->listen(kEchoPort));
    ASSERT_TRUE(stack_->listen(kTransferPort));
    ASSERT_TRUE(stack_->listen(kHttpPort));
  }

  void TearDown() override {
    if (!KernelPeerEnv::skip_.empty()) return;
    stack_.reset();
    svc_.reset();
    shim_.reset();
    EXPECT_EQ(rte_mempool_in_use_count(KernelPeerEnv::pool_), base_) << "mbufs leaked";
  }

  // Polls the stack until work (on a thread in sgwt-client) finishes.
  std::string drive(
      const std::function<std::string()>& work, int timeout_s,
      const std::function<bool()>& also_done = [] { return true; }) {
    std::atomic<bool> finished{false};
    std::string result;
    std::thread t([&] {
      std::string err;
      if (!enter_netns("sgwt-client", &err))
        result = err;
      else
        result = work();
      finished = true;
    });
    const uint64_t end = now_ns() + uint64_t(timeout_s) * 1'000'000'000;
    while (now_ns() < end) {
      const bool other_done = also_done();  // evaluated every round: it may start work
      if (finished && other_done) break;
      shim_->poll(now_ns());
      svc_->pump();
    }
    t.join();
    // Let the last ACKs and FINs go out.
    for (uint64_t stop = now_ns() + 200'000'000; now_ns() < stop;) shim_->poll(now_ns());
    if (!also_done()) ADD_FAILURE() << "the stack side did not finish; " << diag();
    return result;
  }

  // Connections and non-zero counters, for failure messages.
  std::string diag() const {
    std::string c = "stack: " + std::to_string(stack_->connections_in_use()) + " connections, " +
                    std::to_string(svc_->open()) + " open in the services;";
    const auto infos = stack_->counters().infos();
    for (size_t i = 0; i < infos.size(); ++i)
      if (stack_->counters().value[i])
        c += " " + std::string(infos[i].name) + "=" + std::to_string(stack_->counters().value[i]);
    return c + "; mbufs in use " + std::to_string(rte_mempool_in_use_count(KernelPeerEnv::pool_));
  }

  std::unique_ptr<net_link> shim_;
  std::unique_ptr<services> svc_;
  std::unique_ptr<stack> stack_;
  uint32_t base_ = 0;
};

TEST_F(KernelPeer, SocatEcho) {
  make();
  const std::string out = drive(
      [] {
        return command_output(
            "printf 'hello over a real kernel\\n' | timeout 10 socat -t 2 - TCP:10.231.7.2:7 2>&1");
      },
      20);
  EXPECT_EQ(out, "hello over a real kernel\n");
  EXPECT_EQ(stack_->counters().get(tcp_counter::rx_bad_checksum), 0u);
}

TEST_F(KernelPeer, NcatEchoesAMegabyte) {
  make();
  const std::string out = drive(
      [] {
        return command_output(
            "head -c 1048576 /dev/urandom > /tmp/sgwt-tcp-ncat.in && "
            "timeout 20 ncat 10.231.7.2 7 < /tmp/sgwt-tcp-ncat.in > /tmp/sgwt-tcp-ncat.out 2>/dev/null; "
            "cmp /tmp/sgwt-tcp-ncat.in /tmp/sgwt-tcp-ncat.out && echo same; "
            "rm -f /tmp/sgwt-tcp-ncat.in /tmp/sgwt-tcp-ncat.out");
      },
      60);
  EXPECT_NE(out.find("same"), std::string::npos) << out;
}

TEST_F(KernelPeer, CurlGetsAPage) {
  make();
  const std::string out =
      drive([] { return command_output("timeout 10 curl -sS --max-time 5 http://10.231.7.2/ 2>&1"); }, 20);
  EXPECT_EQ(out, "hello from the sstpgw tcp stack\n") << diag();
  EXPECT_EQ(svc_->http_served, 1u);
}

struct loss_case {
  const char* name;
  double loss;
  int conns;
  uint64_t min_bytes, max_bytes;
};

class KernelTransfer : public KernelPeer, public ::testing::WithParamInterface<loss_case> {};

TEST_P(KernelTransfer, DigestsMatchBothWays) {
  const loss_case& lc = GetParam();
  net::impairment_config imp;
  imp.seed = 42;
  imp.drop = lc.loss;
  if (lc.loss > 0)
    make(&imp);
  else
    make();
  std::vector<kernel_flow> flows;
  uint64_t x = 12345;
  for (int i = 0; i < lc.conns; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    const uint64_t span = lc.max_bytes - lc.min_bytes;
    kernel_flow f;
    f.c2s = lc.min_bytes + (span ? (x >> 20) % (span + 1) : 0);
    f.s2c = lc.min_bytes + (span ? (x >> 30) % (span + 1) : 0);
    f.seed = x;
    flows.push_back(f);
  }
  const std::string err = drive([&] { return run_kernel_clients(kStackIp, kTransferPort, flows, 270); }, 290,
                                [&] { return svc_->open() == 0; });
  EXPECT_EQ(err, "") << diag();
  if (std::getenv("SGWT_DIAG")) std::fprintf(stderr, "%s\n", diag().c_str());
  if (lc.loss > 0) {
    EXPECT_GT(stack_->counters().get(tcp_counter::retransmit_timeout) +
                  stack_->counters().get(tcp_counter::retransmit_fast),
              0u);
  }
  EXPECT_EQ(stack_->counters().get(tcp_counter::rx_bad_checksum), 0u);
}

INSTANTIATE_TEST_SUITE_P(Kernel, KernelTransfer,
                         ::testing::Values(loss_case{"one_byte", 0, 1, 1, 1},
                                           loss_case{"hundred_mib", 0, 1, 100 * kMiB, 100 * kMiB},
                                           loss_case{"hundreds", 0, 300, 1, 64 * 1024},
                                           loss_case{"loss1", 0.01, 50, 1, 512 * 1024},
                                           loss_case{"loss5", 0.05, 30, 1, 128 * 1024},
                                           loss_case{"loss20", 0.20, 10, 1, 8 * 1024}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST_F(KernelPeer, StackConnectsToAKernelListener) {
  make();
  constexpr int kConns = 20;
  std::vector<conn_id> ids;
  std::atomic<bool> listening{false};
  const std::string err = drive(
      [&] {
        listening = true;
        return run_kernel_server(kKernelIp, 6001, kConns, 120);
      },
      180,
      [&] {
        // Connect once the listener thread is up (it binds right away; SYN retries cover a race).
        if (listening && ids.empty()) {
          usleep(100'000);
          for (int i = 0; i < kConns; ++i)
            ids.push_back(svc_->start_client(kStackIp, kKernelIp, 6001, now_ns(), 1 + 50'000 * uint64_t(i),
                                             1 + 70'000 * uint64_t(i), 1000 + i));
        }
        return !ids.empty() && svc_->open() == 0;
      });
  EXPECT_EQ(err, "") << diag();
  ASSERT_EQ(ids.size(), static_cast<size_t>(kConns));
  for (conn_id c : ids) {
    ASSERT_NE(c, kNoConn);
    EXPECT_TRUE(svc_->client(c).done);
    EXPECT_TRUE(svc_->client(c).ok) << svc_->client(c).error;
  }
}

}  // namespace
}  // namespace sstpgw::tcp::testing
