#include "dataplane/net/tcp/timer_wheel.hh"

namespace sstpgw::tcp {

timer_wheel::timer_wheel(uint32_t entries, uint64_t tick_ns, uint32_t slots, uint64_t now_ns)
    : e_(entries), tick_ns_(tick_ns == 0 ? 1 : tick_ns), last_tick_(now_ns / tick_ns_) {
  uint32_t n = 1;
  while (n < slots) n <<= 1;
  mask_ = n - 1;
  head_.assign(n + 1, kNone);
}

void timer_wheel::link(uint32_t id, uint32_t slot) {
  entry& e = e_[id];
  e.slot = slot;
  e.prev = kNone;
  e.next = head_[slot];
  if (e.next != kNone) e_[e.next].prev = id;
  head_[slot] = id;
}

void timer_wheel::unlink(uint32_t id) {
  entry& e = e_[id];
  if (e.prev != kNone)
    e_[e.prev].next = e.next;
  else
    head_[e.slot] = e.next;
  if (e.next != kNone) e_[e.next].prev = e.prev;
  e.slot = kNone;
  e.next = e.prev = kNone;
}

void timer_wheel::reschedule(uint32_t id, uint64_t deadline_ns) {
  if (e_[id].slot != kNone) unlink(id);
  uint64_t tick = (deadline_ns + tick_ns_ - 1) / tick_ns_;
  if (tick <= last_tick_) tick = last_tick_ + 1;
  e_[id].tick = tick;
  link(id, static_cast<uint32_t>(tick & mask_));
}

void timer_wheel::schedule(uint32_t id, uint64_t deadline_ns) {
  if (e_[id].slot != kNone) {
    uint64_t tick = (deadline_ns + tick_ns_ - 1) / tick_ns_;
    if (tick <= last_tick_) tick = last_tick_ + 1;
    if (e_[id].tick <= tick) return;
  }
  reschedule(id, deadline_ns);
}

void timer_wheel::cancel(uint32_t id) {
  if (e_[id].slot != kNone) unlink(id);
}

uint64_t timer_wheel::next_deadline() const {
  uint64_t best = UINT64_MAX;
  for (uint32_t s = 0; s <= mask_; ++s)
    for (uint32_t id = head_[s]; id != kNone; id = e_[id].next)
      if (e_[id].tick < best) best = e_[id].tick;
  return best == UINT64_MAX ? best : best * tick_ns_;
}

}  // namespace sstpgw::tcp
