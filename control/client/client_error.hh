// A failure before or around the tunnel that ends the run with a given exit
// status and one line (DNS, TCP connect, TUN setup, local files). Thrown only
// at setup, never per packet.
#pragma once

#include <stdexcept>
#include <string>

#include "control/client/exit_status.hh"

namespace sstpgw::client {

class client_error : public std::runtime_error {
 public:
  client_error(exit_status status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  exit_status status() const { return status_; }

 private:
  exit_status status_;
};

}  // namespace sstpgw::client
