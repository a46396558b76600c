// VPP-style runtime statistics of one worker: for each stage of the poll loop,
// calls, packets and TSC cycles, so cycles per packet and packets per call
// ("vectors per call") are visible without an external generator. Plain
// per-lcore counters: another thread may read a torn, slightly stale view.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace sstpgw::worker {

struct stage_stats {
  const char* name = nullptr;
  uint64_t calls = 0;  // calls that had packets (or did work)
  uint64_t packets = 0;
  uint64_t cycles = 0;
  uint64_t idle_cycles = 0;  // calls that found nothing to do (polling cost, kept apart)

  double cycles_per_packet() const { return packets ? double(cycles) / double(packets) : 0.0; }
  double packets_per_call() const { return calls ? double(packets) / double(calls) : 0.0; }
};

struct alignas(64) runtime_stats {
  static constexpr size_t kMaxStages = 16;

  std::array<stage_stats, kMaxStages> stages{};
  size_t n_stages = 0;
  uint64_t iterations = 0;
  uint64_t idle_iterations = 0;
  uint64_t sleeps = 0;
  uint64_t slept_us = 0;
  uint64_t loop_cycles = 0;  // all cycles spent in the loop (sleeps included)

  // Registers a stage (at setup); returns its index.
  size_t add_stage(const char* name) {
    stages[n_stages].name = name;
    return n_stages++;
  }
  void record(size_t stage, uint64_t packets, uint64_t cycles) {
    stage_stats& s = stages[stage];
    ++s.calls;
    s.packets += packets;
    s.cycles += cycles;
  }
  // A call that found nothing: its cycles still belong to the stage, so the
  // stages add up to the loop (a stage whose work is not counted in items,
  // like TCP output, must not vanish from the profile).
  void record_idle(size_t stage, uint64_t cycles) { stages[stage].idle_cycles += cycles; }
  // A `show runtime`-like table.
  std::string format() const;
};

}  // namespace sstpgw::worker
