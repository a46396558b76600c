// The receive side of one TLS connection after the handshake: fed borrowed
// segments in TCP order (records cut anywhere: a header split over segments, a
// record over many segments, many records in one segment), it cuts complete
// records out of them for an open_batch, which authenticates and decrypts a
// burst of records from many connections in place (open_batch.hh).
//
// A plain struct-like object the caller keeps in its own fixed table: no heap,
// no locks; about 2.7 KB (the expanded key and the segment ring).
//
// Segment lifetime: the reader holds each fed segment until every byte of it
// has been cut into records; it then hands the cookie back in the result of the
// record that used its last byte (opened_record::released). That segment may
// also hold plaintext of earlier records of this connection, so free it once
// you are done with the results up to and including that record.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "dataplane/tls/aead_ipsecmb.hh"
#include "dataplane/tls/alerts.hh"
#include "dataplane/tls/keys.hh"
#include "dataplane/tls/record_format.hh"
#include "dataplane/tls/segment.hh"

namespace sstpgw::tls {

// Which side we are; decides which post-handshake handshake messages are
// legal (a ClientHello comes to a server, a HelloRequest or NewSessionTicket
// to a client).
enum class endpoint_role : uint8_t { server, client };

enum class feed_status : uint8_t {
  accepted,   // the reader holds the segment until it returns the cookie
  closed,     // the connection is closed or failed: the caller keeps (frees) it
  ring_full,  // no free slot: open the records buffered so far, or coalesce()
};

// One record cut from the stream, as the open_batch needs it. The fixed bits
// are copied (header, TLS 1.2 explicit nonce, a tag that straddles segments);
// the ciphertext stays where it is, as pieces pointing into the segments.
struct record_parts {
  const uint8_t* header = nullptr;  // into the segment, or header_copy
  const uint8_t* tag = nullptr;     // into a segment, or tag_copy
  uint32_t cipher_len = 0;          // bytes to decrypt (tls13: content ‖ type ‖ padding)
  uint32_t piece_count = 0;         // pieces written
  uint32_t released_count = 0;      // cookies written
  uint8_t header_copy[kHeaderLen];
  uint8_t explicit_nonce[kTls12ExplicitNonceLen];
  uint8_t tag_copy[kTagLen];
};

class record_reader {
 public:
  // The most segments one connection may hold at once. A record of 2^14 bytes
  // cut at an MSS of 536 spans 31; more than 64 means tiny segments, and the
  // caller copies them together with coalesce().
  static constexpr uint32_t kMaxSegments = 64;

  // Installs the read-direction keys exported by the handshake (key, iv/salt,
  // next sequence number, TLS 1.3 traffic secret) and expands the AES key once.
  // Resets any previous state (call drain() first if segments are held).
  // False if the keys are unusable (unknown version).
  bool install(const aead_engine& engine, const traffic_keys& keys,
               endpoint_role role = endpoint_role::server);

  // Offers the next segment of the TCP stream (len may be 0). The reader
  // decrypts in place, so the bytes must be writable.
  feed_status feed(const segment& s) {
    if (closed()) return feed_status::closed;
    if (h_.count == kMaxSegments) return feed_status::ring_full;
    ring_[(h_.head + h_.count) % kMaxSegments] = s;
    ++h_.count;
    h_.buffered += s.len;
    // The next cut reads the record header here: start the load now, so a
    // burst fed before it is collected finds its headers in cache.
    __builtin_prefetch(s.data);
    return feed_status::accepted;
  }

  // Starts loading the per-record state and the next ring slot: call it a
  // few connections ahead when walking a burst (connection state is usually
  // cold in a table of thousands).
  void prefetch() const {
    __builtin_prefetch(&h_);
    __builtin_prefetch(&ring_[(h_.head + h_.count) % kMaxSegments]);
  }

  // The connection accepts nothing more: orderly close, peer alert, or an
  // error whose alert has been reported once.
  bool closed() const { return h_.state != stage::open || h_.stream_failed; }
  bool installed() const { return h_.state != stage::idle; }
  size_t buffered_bytes() const { return h_.buffered; }
  uint32_t segment_count() const { return h_.count; }
  // True when the ring is full and still holds no complete record: only
  // coalesce() can make progress.
  bool needs_coalesce() const;

  // Copies every buffered byte into dst (dst.len ≥ buffered_bytes(); at most
  // kMaxRecordLen are ever needed after complete records were opened), which
  // becomes the only segment. Writes the cookies of the segments released to
  // `released` (room for kMaxSegments) and returns their number; 0 and nothing
  // done if dst is too small. Call it between bursts only: records of this
  // reader collected but not yet run still point into those segments, and a
  // released segment may hold plaintext of results you have not finished.
  uint32_t coalesce(const segment& dst, uint64_t* released);

  // Teardown: returns every held cookie (room for kMaxSegments), wipes the keys
  // and leaves the reader closed.
  uint32_t drain(uint64_t* released);

  // The keys as installed or last updated by KeyUpdate (sequence: as
  // installed; see next_sequence()).
  const traffic_keys& keys() const { return keys_; }
  uint64_t next_sequence() const { return h_.seq.next; }
  protocol_version version() const { return h_.version; }

  // --- for open_batch -------------------------------------------------------
  enum class cut_result : uint8_t { none, record, error, exhausted };
  // Cuts the next complete record: header checks, pieces and released
  // cookies. `error`: the stream is malformed (alert in *alert); the reader
  // then takes nothing more. `none`: no complete record yet. `exhausted`: a
  // complete record is there but the sequence space is used up.
  // (open_batch::collect_whole cuts the common case, a record whole in the
  // head segment, inline; this handles every case.)
  cut_result cut(record_parts& out, byte_view* pieces, uint64_t* released, alert_description* alert);

 private:
  friend class open_batch;
  enum class stage : uint8_t { idle, open, closed };

  // Copies n bytes at logical offset `at` from the read position.
  void peek(size_t at, uint8_t* out, size_t n) const;
  // Consumes n bytes from the read position, reporting each contiguous piece
  // to the pieces array (if non-null) or copying to `copy_to`, and moving
  // cookies of segments emptied to released.
  void take(size_t n, byte_view* pieces, uint32_t* piece_count, uint8_t* copy_to, uint64_t* released,
            uint32_t* released_count);
  // Pops emptied segments at the head (zero-length ones too). An empty ring
  // restarts at slot 0: a connection that keeps up with its records then
  // touches one ring line, not a new one per segment.
  void pop_emptied(uint64_t* released, uint32_t* released_count) {
    do {
      released[(*released_count)++] = ring_[h_.head].cookie;
      h_.head = static_cast<uint8_t>((h_.head + 1) % kMaxSegments);
      --h_.count;
      h_.head_off = 0;
    } while (h_.count > 0 && ring_[h_.head].len == 0);
    if (h_.count == 0) h_.head = 0;
  }
  void clear_ring();

  // Post-handshake handshake messages, followed across records without a
  // buffer: the 4-byte header, then the body bytes are counted off (the only
  // body we read, KeyUpdate's, is 1 byte).
  struct handshake_parser {
    uint8_t header[4];
    uint8_t have = 0;        // header bytes so far
    uint32_t body_left = 0;  // body bytes still to come
    bool in_message() const { return have != 0; }
  };

  // Everything a record touches besides its ring slot and the expanded key,
  // in one cache line: with thousands of connections, reader state is
  // usually cold when its records arrive.
  struct alignas(64) hot_state {
    uint8_t iv[kIvLen];      // TLS 1.3 iv / TLS 1.2 salt
    uint32_t head_off = 0;   // bytes of ring_[head] already cut
    size_t buffered = 0;     // bytes not yet cut
    sequence_number seq;
    handshake_parser hs;
    uint8_t head = 0;        // index of the oldest held segment
    uint8_t count = 0;       // segments held
    protocol_version version = protocol_version::tls13;
    stage state = stage::idle;
    bool stream_failed = false;  // a cut found a malformed header: no more cuts
    endpoint_role role = endpoint_role::server;
  };
  static_assert(sizeof(hot_state) == 64);
  static_assert(kMaxSegments <= 128);  // head + count fit a byte

  hot_state h_;
  aead_key key_;
  traffic_keys keys_;  // key, secret (KeyUpdate) and iv as installed
  segment ring_[kMaxSegments];
};

}  // namespace sstpgw::tls
