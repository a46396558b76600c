#include "dataplane/common/log.hh"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>

namespace sstpgw {
namespace {
std::atomic<log_level> g_level{log_level::info};
constexpr const char* kLevelNames[] = {"debug", "info", "warn", "error", "off"};
}  // namespace

void set_log_level(log_level level) { g_level.store(level, std::memory_order_relaxed); }
log_level current_log_level() { return g_level.load(std::memory_order_relaxed); }

bool parse_log_level(std::string_view text, log_level& out) {
  for (int i = 0; i <= static_cast<int>(log_level::off); ++i) {
    if (text == kLevelNames[i]) {
      out = static_cast<log_level>(i);
      return true;
    }
  }
  return false;
}

void write_log_line(log_level level, std::string_view component, std::string_view message) {
  const auto now = std::chrono::system_clock::now();
  const auto secs = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  fmt::memory_buffer line;
  fmt::format_to(std::back_inserter(line), "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z {:5} {}: {}\n",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms,
                 kLevelNames[static_cast<int>(level)], component, message);
  // One write(2) per line: atomic with respect to other threads' lines.
  [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace sstpgw
