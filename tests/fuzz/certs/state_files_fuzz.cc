// Fuzzes state-file loading: roots.json, revoked.json, pool.json. A file is either
// accepted (and then re-serialises to something that loads the same) or refused
// with a state_error; nothing else may escape.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "control/certs/store_files.hh"
#include "control/pool/pool_settings.hh"
#include "control/state/json_state.hh"

using namespace sstpgw;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    auto roots = certs::parse_roots("fuzz/roots.json", text);
    auto again = certs::parse_roots("again", certs::serialize_roots(roots));
    if (again.size() != roots.size()) std::abort();
    for (size_t i = 0; i < roots.size(); ++i)
      if (again[i].summary.sha1 != roots[i].summary.sha1 || again[i].name != roots[i].name) std::abort();
  } catch (const state::state_error&) {
  }
  try {
    auto revoked = certs::parse_revoked("fuzz/revoked.json", text);
    auto again = certs::parse_revoked("again", certs::serialize_revoked(revoked));
    if (again.size() != revoked.size()) std::abort();
  } catch (const state::state_error&) {
  }
  try {
    auto pool = pool::parse_pool_settings("fuzz/pool.json", text);
    if (pool::parse_pool_settings("again", pool::serialize_pool_settings(pool)) != pool) std::abort();
  } catch (const state::state_error&) {
  }
  return 0;
}
