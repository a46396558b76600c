#include "tests/unit/tcp/harness/eal.hh"

#include <rte_eal.h>
#include <rte_errno.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace sstpgw::tcp::testing {

void ensure_eal() {
  static bool done = false;
  if (done) return;
  std::string prefix = "sgwt-tcp-" + std::to_string(getpid());
  const char* argv[] = {"tcp-test",      "--no-huge",      "--no-pci", "-m", "256",
                        "--file-prefix", prefix.c_str(),   "-l",       "0",  "--log-level",
                        "lib.eal:error", "--no-telemetry", nullptr};
  int argc = static_cast<int>(sizeof argv / sizeof argv[0]) - 1;
  if (rte_eal_init(argc, const_cast<char**>(argv)) < 0) {
    std::fprintf(stderr, "rte_eal_init failed: %s\n", rte_strerror(rte_errno));
    std::abort();
  }
  done = true;
}

rte_mempool* make_pool(const char* name, uint32_t n, uint16_t data_room) {
  ensure_eal();
  if (rte_mempool* p = rte_mempool_lookup(name)) return p;
  rte_mempool* p = rte_pktmbuf_pool_create(name, n, 256, 0, data_room, SOCKET_ID_ANY);
  if (p == nullptr) {
    std::fprintf(stderr, "mempool %s: %s\n", name, rte_strerror(rte_errno));
    std::abort();
  }
  return p;
}

}  // namespace sstpgw::tcp::testing
