// Time as the protocol cores see it: a steady-clock instant passed in by the
// owner, never read from a clock here. Each core reports the next instant it
// wants to be called back at; kNoDeadline when it waits for nothing.
#pragma once

#include <chrono>

namespace sstpgw::ppp {

using clock = std::chrono::steady_clock;
using time_point = clock::time_point;
inline constexpr time_point kNoDeadline = time_point::max();

}  // namespace sstpgw::ppp
