// The identity of one worker-owned connection as the control thread knows it
// (gateway-protocol.md "Session identity"): worker index (8 bits) | slot index
// in that worker's connection table (24) | generation (32, bumped each time
// the slot is reused). A message naming an older generation of a slot is for a
// connection that is gone: dropped and counted, never applied to the new one.
#pragma once

#include <cstdint>

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
  friend constexpr bool operator==(session_id, session_id) = default;
};

static_assert(session_id::make(3, 0x123456, 7).worker() == 3);
static_assert(session_id::make(3, 0x123456, 7).slot() == 0x123456);
static_assert(session_id::make(3, 0x123456, 7).generation() == 7);

}  // namespace sstpgw::session
