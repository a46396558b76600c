// Reading a whole file in a test (logs, generated configuration, key logs).
#pragma once

#include <fstream>
#include <sstream>
#include <string>

namespace sstpgw::testing {

// The file's bytes, or "" when it cannot be read.
inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace sstpgw::testing
