// What the TLS record benchmarks share: the ipsec-mb engine they all run on,
// the versions and ciphers they sweep, the names those print under, and the
// shape of a burst (one record from each of 32 connections, connection state
// prefetched a few ahead as a worker does, over an arena of up to 2 MiB).
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "dataplane/tls/aead_ipsecmb.hh"
#include "dataplane/tls/keys.hh"

namespace sstpgw::perf {

inline constexpr uint32_t kConns = tls::kBurst;
inline constexpr uint32_t kAhead = 4;  // connections prefetched ahead, as a worker would
inline constexpr size_t kArenaBytes = size_t{2} << 20;

inline constexpr tls::protocol_version kVersions[] = {tls::protocol_version::tls13, tls::protocol_version::tls12};
inline constexpr tls::aead_algorithm kAeads[] = {tls::aead_algorithm::aes_128_gcm,
                                                 tls::aead_algorithm::aes_256_gcm};

inline const char* version_name(tls::protocol_version v) {
  return v == tls::protocol_version::tls13 ? "tls13" : "tls12";
}
inline const char* aead_name(tls::aead_algorithm a) {
  return a == tls::aead_algorithm::aes_128_gcm ? "aes128" : "aes256";
}

// One engine per process, initialised on first use; a benchmark cannot run without it.
inline tls::aead_engine& engine() {
  static tls::aead_engine e;
  static const bool ok = e.init();
  if (!ok) {
    std::fprintf(stderr, "ipsec-mb init failed\n");
    std::exit(1);
  }
  return e;
}

}  // namespace sstpgw::perf
