#include <charconv>
#include <string>

#include "control/control_thread/session_directory.hh"

namespace sstpgw::control_thread {
namespace {

template <typename T>
bool parse_number(std::string_view text, T& out, int base = 10) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out, base);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

std::string format_session_id(uint64_t id) {
  return std::to_string(id >> 56) + "." + std::to_string((id >> 32) & 0xFFFFFF) + "." +
         std::to_string(id & 0xFFFFFFFF);
}

std::optional<uint64_t> parse_session_id(std::string_view text) {
  uint64_t raw = 0;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
    return parse_number(text.substr(2), raw, 16) ? std::optional(raw) : std::nullopt;
  const size_t a = text.find('.');
  if (a == std::string_view::npos) return parse_number(text, raw) ? std::optional(raw) : std::nullopt;
  const size_t b = text.find('.', a + 1);
  if (b == std::string_view::npos) return std::nullopt;
  uint32_t worker = 0, slot = 0, generation = 0;
  if (!parse_number(text.substr(0, a), worker) || !parse_number(text.substr(a + 1, b - a - 1), slot) ||
      !parse_number(text.substr(b + 1), generation) || worker > 0xFF || slot > 0xFFFFFF)
    return std::nullopt;
  return (uint64_t{worker} << 56) | (uint64_t{slot} << 32) | generation;
}

}  // namespace sstpgw::control_thread
