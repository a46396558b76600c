// A small levelled logger for control-plane and start-up code. One line per
// call, written with a single write so lines from threads never interleave.
// The data plane does not log per packet; it counts (counters.hh).
#pragma once

#include <fmt/format.h>

#include <string_view>

namespace sstpgw {

enum class log_level { debug = 0, info, warn, error, off };

void set_log_level(log_level level);
log_level current_log_level();
// Parses "debug", "info", "warn", "error", "off"; false if unknown.
bool parse_log_level(std::string_view text, log_level& out);
void write_log_line(log_level level, std::string_view component, std::string_view message);

template <typename... Args>
void log(log_level level, std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
  if (level < current_log_level()) return;
  write_log_line(level, component, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace sstpgw
