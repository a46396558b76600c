// sstp-client: the sstpgw test client (see client_options.cc for the command
// line and exit_status.hh for what the exit status means).
#include <cstdio>

#include "control/client/client_options.hh"
#include "control/client/client_runner.hh"

int main(int argc, char** argv) {
  using namespace sstpgw::client;
  parse_outcome parsed = parse_command_line(argc, argv);
  if (auto* done = std::get_if<run_result>(&parsed)) {
    if (done->status == exit_status::ok) {
      std::fputs(done->message.c_str(), stdout);
    } else {
      std::fprintf(stderr, "sstp-client: %s\n", done->message.c_str());
      std::fprintf(stderr, "Run with --help for more information.\n");
    }
    return code_of(done->status);
  }
  const run_result r = run_client(std::get<client_options>(parsed), stdout);
  if (!r.message.empty()) std::fprintf(stderr, "sstp-client: %s\n", r.message.c_str());
  return code_of(r.status);
}
