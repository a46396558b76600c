// Running the built sstp-client against the test server: its command line from
// the options the unit tests use (client_files), a run bounded in time, the
// check that a failure prints exactly one "sstp-client: ..." line, and the
// network namespaces the root-only tests create.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "control/client/client_options.hh"
#include "control/client/exit_status.hh"
#include "tests/support/child_process.hh"
#include "tests/support/files.hh"

namespace sstpgw::testing {

// build/control/client/sstp-client of this build tree.
std::string sstp_client_path();

// --server, --port, --sni, --ca, the credentials (PEM pair or --p12 with
// --password-env) and --timeout from `o`, then `extra`.
std::vector<std::string> client_argv(const client::client_options& o, uint16_t port,
                                     const std::vector<std::string>& extra = {});


// Runs sstp-client to its end (killed after `limit`).
process_result run_sstp_client(const std::vector<std::string>& argv, const std::vector<std::string>& env = {},
                               std::chrono::milliseconds limit = std::chrono::seconds(60));

// The failure contract: the documented status, exactly one stderr line,
// "sstp-client: " + a message containing `part`. Returns the message.
std::string expect_failure(const process_result& r, client::exit_status status, std::string_view part);

bool contains(std::string_view text, std::string_view part);


// A network namespace with its loopback up, deleted with everything in it
// (TUN devices included) when the object dies. A stale one of the same name
// from an interrupted run is removed first.
class scoped_netns {
 public:
  explicit scoped_netns(std::string name);
  ~scoped_netns();
  scoped_netns(const scoped_netns&) = delete;
  scoped_netns& operator=(const scoped_netns&) = delete;
  const std::string& name() const { return name_; }
  bool ok() const { return ok_; }

 private:
  std::string name_;
  bool added_ = false;
  bool ok_ = false;
};

}  // namespace sstpgw::testing
