// The identity of one worker-owned connection as the control thread knows it
// (gateway-protocol.md "Session identity"): worker index (8 bits) | slot index
// in that worker's connection table (24) | generation (32, bumped each time
// the slot is reused). A message naming an older generation of a slot is for a
// connection that is gone: dropped and counted, never applied to the new one.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sstpgw::session {

inline constexpr uint32_t kMaxWorkers = 256;
inline constexpr uint32_t kMaxSlots = 1u << 24;

struct session_id {
  uint64_t value = 0;

  static constexpr session_id make(uint32_t worker, uint32_t slot, uint32_t generation) {
    return {(uint64_t{worker & 0xffu} << 56) | (uint64_t{slot & 0xffffffu} << 32) | generation};
  }
  constexpr uint32_t worker() const { return static_cast<uint32_t>(value >> 56); }
  constexpr uint32_t slot() const { return static_cast<uint32_t>(value >> 32) & 0xffffffu; }
  constexpr uint32_t generation() const { return static_cast<uint32_t>(value); }
  friend constexpr auto operator<=>(session_id, session_id) = default;

  // "W.S.G" (worker.slot.generation): how logs and sstpctl show a session.
  std::string to_string() const {
    return std::to_string(worker()) + "." + std::to_string(slot()) + "." + std::to_string(generation());
  }
  // Accepts "W.S.G", a decimal u64 or "0x..." hex; nullopt otherwise.
  static std::optional<session_id> parse(std::string_view text) {
    auto number = [](std::string_view t, auto& out, int base = 10) {
      if (t.empty()) return false;
      auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), out, base);
      return ec == std::errc() && end == t.data() + t.size();
    };
    uint64_t raw = 0;
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
      return number(text.substr(2), raw, 16) ? std::optional(session_id{raw}) : std::nullopt;
    const size_t a = text.find('.');
    if (a == std::string_view::npos) return number(text, raw) ? std::optional(session_id{raw}) : std::nullopt;
    const size_t b = text.find('.', a + 1);
    if (b == std::string_view::npos) return std::nullopt;
    uint32_t worker = 0, slot = 0, generation = 0;
    if (!number(text.substr(0, a), worker) || !number(text.substr(a + 1, b - a - 1), slot) ||
        !number(text.substr(b + 1), generation) || worker >= kMaxWorkers || slot >= kMaxSlots)
      return std::nullopt;
    return make(worker, slot, generation);
  }
};

static_assert(session_id::make(3, 0x123456, 7).worker() == 3);
static_assert(session_id::make(3, 0x123456, 7).slot() == 0x123456);
static_assert(session_id::make(3, 0x123456, 7).generation() == 7);

}  // namespace sstpgw::session
