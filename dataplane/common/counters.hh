// Named counters declared once with an X-macro, VPP-style: the list gives the
// enum, the names and descriptions, and a plain per-lcore array of values. A
// fast-path error is a drop plus one increment here; nothing else.
//
//   #define TLS_OPEN_COUNTERS(X)
//     X(bad_record_mac, "record failed authentication")
//     X(record_overflow, "record longer than the protocol allows")
//   (each line but the last ending in a backslash)
//   SSTPGW_DEFINE_COUNTERS(tls_open_counter, TLS_OPEN_COUNTERS)
//   counter_set<tls_open_counter> c;  c.add(tls_open_counter::bad_record_mac);
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace sstpgw {

struct counter_info {
  const char* name;
  const char* description;
};

#define SSTPGW_COUNTER_ENUMERATOR_(name, desc) name,
#define SSTPGW_COUNTER_INFO_(name, desc) ::sstpgw::counter_info{#name, desc},
#define SSTPGW_DEFINE_COUNTERS(Enum, LIST)                                           \
  enum class Enum : uint16_t { LIST(SSTPGW_COUNTER_ENUMERATOR_) count_ };           \
  inline constexpr ::sstpgw::counter_info Enum##_infos[] = {LIST(SSTPGW_COUNTER_INFO_)}; \
  constexpr std::span<const ::sstpgw::counter_info> counter_infos(Enum) { return Enum##_infos; }

// One cache line-aligned block of counters, owned by one thread (no atomics:
// readers on other threads tolerate a torn, slightly stale view).
template <typename E>
struct alignas(64) counter_set {
  static constexpr size_t size = static_cast<size_t>(E::count_);
  uint64_t value[size] = {};

  void add(E e, uint64_t n = 1) { value[static_cast<size_t>(e)] += n; }
  uint64_t get(E e) const { return value[static_cast<size_t>(e)]; }
  static std::span<const counter_info> infos() { return counter_infos(E{}); }
  // Adds another block (e.g. summing workers for `sstpctl stats`).
  void accumulate(const counter_set& o) {
    for (size_t i = 0; i < size; ++i) value[i] += o.value[i];
  }
};

}  // namespace sstpgw
