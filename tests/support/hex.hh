// Test vectors written as hex (whitespace and line breaks allowed): the
// project's codec (dataplane/common/hex.hh), throwing on a typo in a vector.
#pragma once

#include <stdexcept>
#include <string_view>
#include <vector>

#include "dataplane/common/hex.hh"

namespace sstpgw::testing {

using sstpgw::to_hex;

inline std::vector<uint8_t> from_hex(std::string_view text) {
  auto bytes = parse_hex(text);
  if (!bytes) throw std::invalid_argument("test vector is not hex: " + std::string(text.substr(0, 40)));
  return *bytes;
}

}  // namespace sstpgw::testing
