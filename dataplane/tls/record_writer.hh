// The send side of one TLS connection after the handshake: write keys, the
// expanded AES key and the sequence number. Records are sealed in bursts over
// many connections by a seal_batch (seal_batch.hh); this is the plain
// per-connection state the caller keeps in its own fixed table (about 1.2 KB).
//
// Buffers: a record is header ‖ [TLS 1.2 explicit nonce] ‖ ciphertext ‖
// [TLS 1.3 inner type] ‖ tag. The caller leaves header_room() bytes before the
// plaintext and tail_room() bytes after it (mbuf headroom / tailroom), or
// gives an output buffer of record_size(n) bytes.
#pragma once

#include <cstddef>
#include <cstdint>

#include "dataplane/tls/aead_ipsecmb.hh"
#include "dataplane/tls/keys.hh"
#include "dataplane/tls/record_format.hh"

namespace sstpgw::tls {

class record_writer {
 public:
  // TLS 1.3 AES-GCM keys should be replaced long before 2^24.5 full-size
  // records (RFC 8446 §5.5): past this many, wants_key_update() says so.
  static constexpr uint64_t kKeyUpdateAfter = uint64_t{1} << 24;

  // Installs the write-direction keys exported by the handshake and expands
  // the AES key once. max_fragment caps the plaintext of one record (≤ 2^14;
  // e.g. smaller so a record fits one TCP segment). False if unusable.
  bool install(const aead_engine& engine, const traffic_keys& keys, size_t max_fragment = kMaxPlaintext);

  // Starts loading the per-record state (see record_reader::prefetch).
  void prefetch() const { __builtin_prefetch(&h_); }

  bool installed() const { return h_.state != stage::idle; }
  // close_notify or a fatal alert was queued, the sequence space ran out or a
  // seal failed: nothing more may be sent.
  bool closed() const { return h_.state != stage::open; }
  // A KeyUpdate is in the current burst; new records wait for the next one.
  bool rekey_pending() const { return h_.rekey_pending; }
  bool wants_key_update() const { return h_.version == protocol_version::tls13 && h_.seq.next >= kKeyUpdateAfter; }

  protocol_version version() const { return h_.version; }
  size_t max_fragment() const { return h_.max_fragment; }
  void set_max_fragment(size_t n) {
    h_.max_fragment = static_cast<uint32_t>(n == 0 || n > kMaxPlaintext ? kMaxPlaintext : n);
  }
  size_t header_room() const { return tls::header_room(h_.version); }
  size_t tail_room() const { return tls::tail_room(h_.version); }
  size_t record_size(size_t plaintext_len) const { return plaintext_len + record_overhead(h_.version); }
  // How much of `remaining` plaintext goes into the next record.
  size_t next_fragment(size_t remaining) const { return remaining < h_.max_fragment ? remaining : h_.max_fragment; }

  // The keys as installed or last updated by KeyUpdate (sequence: as
  // installed; see next_sequence()).
  const traffic_keys& keys() const { return keys_; }
  uint64_t next_sequence() const { return h_.seq.next; }

  // Teardown: wipes the keys; the writer is closed.
  void wipe();

 private:
  friend class seal_batch;
  enum class stage : uint8_t { idle, open, closed };

  // Per-record state in one cache line (see record_reader).
  struct alignas(64) hot_state {
    uint8_t iv[kIvLen];
    uint32_t max_fragment = kMaxPlaintext;
    sequence_number seq;
    protocol_version version = protocol_version::tls13;
    stage state = stage::idle;
    bool rekey_pending = false;
    bool failed = false;  // a seal failed: the sequence has a gap, send nothing more
  };
  static_assert(sizeof(hot_state) == 64);

  hot_state h_;
  aead_key key_;
  traffic_keys keys_;  // key, secret (KeyUpdate) and iv as installed
};

}  // namespace sstpgw::tls
