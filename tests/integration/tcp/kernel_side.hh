// The kernel's side of the kernel-peer tests: ordinary Linux sockets in the
// client network namespace, non-blocking, many connections in one poll()
// loop. Speaks the transfer protocol of services.hh from either end.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sstpgw::tcp::testing {

struct kernel_flow {
  uint64_t c2s = 0;  // bytes the connecting side sends
  uint64_t s2c = 0;  // bytes the accepting side sends back
  uint64_t seed = 0;
};

// Moves the calling thread into the named network namespace.
bool enter_netns(const std::string& name, std::string* err);

// Connects to ip:port once per flow (all at once) and runs them to the end.
// Returns "" or the first error.
std::string run_kernel_clients(uint32_t ip, uint16_t port, const std::vector<kernel_flow>& flows,
                               int timeout_s);

// Listens on ip:port, accepts n connections and serves the transfer protocol.
std::string run_kernel_server(uint32_t ip, uint16_t port, int n, int timeout_s);

}  // namespace sstpgw::tcp::testing
