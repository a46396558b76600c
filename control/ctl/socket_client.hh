// The client end of the control socket (sstpctl, tests): one request, one reply.
#pragma once

#include <string>

#include "control/ctl/command_table.hh"

namespace sstpgw::ctl {

// Sends {"cmd": cmd, "args": args} to the gateway at socket_path and returns the
// reply object. Throws std::runtime_error with a one-line reason when the gateway
// cannot be reached or does not answer within timeout_ms.
json call(const std::string& socket_path, const std::string& cmd, const json& args, int timeout_ms = 10000);

}  // namespace sstpgw::ctl
