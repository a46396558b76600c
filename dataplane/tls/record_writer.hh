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

  bool installed() const { return state_ != state::idle; }
  // close_notify or a fatal alert was queued, the sequence space ran out or a
  // seal failed: nothing more may be sent.
  bool closed() const { return state_ != state::open; }
  // A KeyUpdate is in the current burst; new records wait for the next one.
  bool rekey_pending() const { return rekey_pending_; }
  bool wants_key_update() const {
    return keys_.version == protocol_version::tls13 && seq_.next >= kKeyUpdateAfter;
  }

  protocol_version version() const { return keys_.version; }
  size_t max_fragment() const { return max_fragment_; }
  void set_max_fragment(size_t n) { max_fragment_ = n == 0 || n > kMaxPlaintext ? kMaxPlaintext : n; }
  size_t header_room() const { return tls::header_room(keys_.version); }
  size_t tail_room() const { return tls::tail_room(keys_.version); }
  size_t record_size(size_t plaintext_len) const { return plaintext_len + record_overhead(keys_.version); }
  // How much of `remaining` plaintext goes into the next record.
  size_t next_fragment(size_t remaining) const { return remaining < max_fragment_ ? remaining : max_fragment_; }

  const traffic_keys& keys() const { return keys_; }
  uint64_t next_sequence() const { return seq_.next; }

  // Teardown: wipes the keys; the writer is closed.
  void wipe();

 private:
  friend class seal_batch;
  enum class state : uint8_t { idle, open, closed };

  alignas(64) aead_key key_;
  traffic_keys keys_;
  sequence_number seq_;
  size_t max_fragment_ = kMaxPlaintext;
  state state_ = state::idle;
  bool rekey_pending_ = false;
  bool failed_ = false;  // a seal failed: the sequence has a gap, send nothing more
};

}  // namespace sstpgw::tls
