#include "tests/unit/eal/eal_env.hh"

namespace {
[[maybe_unused]] ::testing::Environment* const kEnv = sstpgw::test::register_eal({}, 2);
}
