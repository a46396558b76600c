#include "tests/integration/client/client_cli.hh"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace sstpgw::testing {

namespace {}  // namespace

std::string sstp_client_path() { return std::string(SSTPGW_BUILD_ROOT) + "/control/client/sstp-client"; }

std::vector<std::string> client_argv(const client::client_options& o, uint16_t port,
                                     const std::vector<std::string>& extra) {
  std::vector<std::string> a = {sstp_client_path(), "--server",           o.server,
                                "--port",           std::to_string(port), "--ca",
                                o.ca_file,          "--timeout",          std::to_string(o.timeout.count())};
  if (!o.sni.empty()) a.insert(a.end(), {"--sni", o.sni});
  if (!o.p12_file.empty()) {
    a.insert(a.end(), {"--p12", o.p12_file, "--password-env", o.password_env});
  } else {
    a.insert(a.end(), {"--cert", o.cert_file, "--key", o.key_file});
  }
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

process_result run_sstp_client(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                               std::chrono::milliseconds limit) {
  process_result r = run_process(argv, env, limit);
  EXPECT_FALSE(r.timed_out) << "sstp-client did not end within " << limit.count() << " ms";
  return r;
}

std::string expect_failure(const process_result& r, client::exit_status status, std::string_view part) {
  const client::exit_status_info& want = client::info_of(status);
  EXPECT_EQ(r.status, client::code_of(status))
      << "wanted " << want.name << "; stderr: " << r.err << "stdout: " << r.out;
  const std::vector<std::string> lines = lines_of(r.err);
  EXPECT_EQ(lines.size(), 1u) << "stderr must be one line:\n" << r.err;
  EXPECT_TRUE(!r.err.empty() && r.err.back() == '\n') << r.err;
  if (lines.empty()) return {};
  const std::string prefix = "sstp-client: ";
  EXPECT_EQ(lines[0].rfind(prefix, 0), 0u) << lines[0];
  std::string message = lines[0].substr(std::min(prefix.size(), lines[0].size()));
  EXPECT_TRUE(contains(message, part)) << "wanted '" << part << "' in: " << message;
  EXPECT_FALSE(contains(r.out, "connected:")) << r.out;
  return message;
}

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

scoped_netns::scoped_netns(std::string name) : name_(std::move(name)) {
  run_process({ip_program(), "netns", "del", name_});  // a leftover from an interrupted run
  const process_result add = run_process({ip_program(), "netns", "add", name_});
  if (add.status != 0) {
    ADD_FAILURE() << "ip netns add " << name_ << ": " << add.err;
    return;
  }
  added_ = true;
  const process_result lo = run_process({ip_program(), "-n", name_, "link", "set", "lo", "up"});
  EXPECT_EQ(lo.status, 0) << lo.err;
  ok_ = lo.status == 0;
}

scoped_netns::~scoped_netns() {
  if (!added_) return;
  const process_result del = run_process({ip_program(), "netns", "del", name_});
  EXPECT_EQ(del.status, 0) << "ip netns del " << name_ << ": " << del.err;
}

}  // namespace sstpgw::testing
