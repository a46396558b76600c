// A hashed timing wheel (Varghese & Lauck) over a fixed set of entries
// (connection indices). One deadline per entry; the owner keeps its several
// timers (retransmit, delayed ACK, keepalive, TIME-WAIT) as plain deadlines and
// schedules the earliest here. Deadlines round up to the tick, so an entry
// fires at or after its deadline, never before. Time is passed in (ns).
//
// Memory: 24 bytes per entry + 8 per slot, allocated at construction.
#pragma once

#include <cstdint>
#include <vector>

namespace sstpgw::tcp {

class timer_wheel {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  // slots is rounded up to a power of two.
  timer_wheel(uint32_t entries, uint64_t tick_ns, uint32_t slots, uint64_t now_ns);

  // Arms id for deadline; an entry already armed earlier keeps the earlier one.
  void schedule(uint32_t id, uint64_t deadline_ns);
  // Arms id for exactly this deadline (moves it either way).
  void reschedule(uint32_t id, uint64_t deadline_ns);
  void cancel(uint32_t id);
  bool armed(uint32_t id) const { return e_[id].slot != kNone; }

  // Calls fire(id) for every entry due at now (an entry is disarmed before its
  // call; fire may arm or cancel any entry, itself included).
  template <typename F>
  void advance(uint64_t now_ns, F&& fire);

  // The earliest armed deadline (rounded to the tick), or UINT64_MAX.
  uint64_t next_deadline() const;
  uint64_t tick_ns() const { return tick_ns_; }

 private:
  struct entry {
    uint64_t tick = 0;
    uint32_t next = kNone;
    uint32_t prev = kNone;
    uint32_t slot = kNone;
  };
  void link(uint32_t id, uint32_t slot);
  void unlink(uint32_t id);
  uint32_t processing_slot() const { return mask_ + 1; }

  std::vector<entry> e_;
  std::vector<uint32_t> head_;  // mask_ + 2 lists: the wheel, then "being processed"
  uint64_t tick_ns_;
  uint64_t last_tick_;
  uint32_t mask_;
};

template <typename F>
void timer_wheel::advance(uint64_t now_ns, F&& fire) {
  const uint64_t now_tick = now_ns / tick_ns_;
  if (now_tick <= last_tick_) return;
  const uint64_t span = now_tick - last_tick_;
  const uint64_t visits = span > mask_ + 1 ? mask_ + 1 : span;
  for (uint64_t v = 1; v <= visits; ++v) {
    const auto slot = static_cast<uint32_t>((last_tick_ + v) & mask_);
    // Move the slot's list aside, then take entries one by one so that fire()
    // may cancel or re-arm any entry (including ones still waiting here).
    while (head_[slot] != kNone) {
      const uint32_t id = head_[slot];
      unlink(id);
      link(id, processing_slot());
    }
    while (head_[processing_slot()] != kNone) {
      const uint32_t id = head_[processing_slot()];
      unlink(id);
      if (e_[id].tick <= now_tick) {
        fire(id);
      } else {
        link(id, slot);
      }
    }
  }
  last_tick_ = now_tick;
}

}  // namespace sstpgw::tcp
