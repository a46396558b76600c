// Opens a burst of records from many connections with one ipsec-mb burst, in
// three passes: cut records and fill jobs; submit + flush; verify every tag in
// constant time and interpret what was authenticated (padding, inner type,
// alerts, post-handshake messages). Plaintext is delivered only for records
// whose tag verified, as views into the caller's segments, decrypted in place.
//
//   open_batch b;                        // per lcore, sized at start, reused
//   b.collect(reader, conn_index);       // for each connection with new bytes
//   for (const opened_record& r : b.run(engine)) { ... }
//   b.clear();
//
// TLS 1.3 KeyUpdate inside a burst: records of that connection after the
// KeyUpdate were decrypted (optimistically) under the old key. They are
// restored (GCM encryption under the old key and nonce reverses the in-place
// keystream XOR) before the read key advances, then opened again under the new
// key in a follow-up burst within the same run(). Rare, and still no copy.
//
// Per record nothing is allocated and nothing locked. A KeyUpdate derives the
// next keys with OpenSSL's HKDF (key_schedule.cc), which does allocate: once
// per KeyUpdate, never per record.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>

#include "dataplane/common/counters.hh"
#include "dataplane/tls/aead_ipsecmb.hh"
#include "dataplane/tls/alerts.hh"
#include "dataplane/tls/record_counters.hh"
#include "dataplane/tls/record_format.hh"
#include "dataplane/tls/record_reader.hh"
#include "dataplane/tls/segment.hh"

namespace sstpgw::tls {

enum class open_verdict : uint8_t {
  data,         // application data: `plaintext` (possibly empty)
  control,      // consumed by the record layer; see the reply_* actions
  peer_closed,  // close_notify: answer with our close_notify, then close
  peer_alert,   // the peer sent a fatal alert (`alert`): close, send nothing
  failed,       // we found an error: send fatal `alert` once, then close
  discarded,    // came after a close or failure in the same burst: ignore
};

struct opened_record {
  record_reader* reader = nullptr;
  uint32_t conn = 0;  // the caller's index, as given to collect()
  open_verdict verdict = open_verdict::discarded;
  content_type type = content_type::invalid;  // inner type of an authenticated record
  alert_description alert = alert_description::close_notify;
  // The peer's KeyUpdate asked for ours: the writer must send KeyUpdate
  // (update_not_requested) before its next application data (RFC 8446 §4.6.3).
  bool reply_key_update = false;
  // Send a warning alert `alert` and carry on (TLS 1.2 no_renegotiation).
  bool reply_warning = false;
  std::span<const byte_view> plaintext;
  // Segments this reader no longer needs (see record_reader.hh on lifetime).
  std::span<const uint64_t> released;
};

class open_batch {
 public:
  // Ciphertext pieces and released cookies for one burst. A record uses at
  // most record_reader::kMaxSegments of each; collect() stops while fewer
  // remain, so a burst of 2^14-byte records cut at MSS size still fits whole.
  static constexpr uint32_t kMaxPieces = 1024;

  // Cuts complete records of `r` into the burst until it is full. Returns how
  // many were added; also adds one `failed` record if the stream is malformed
  // or the peer's sequence space is exhausted.
  uint32_t collect(record_reader& r, uint32_t conn) {
    const uint32_t before = count_;
    collect_whole(r, conn);
    const uint32_t added = count_ - before;
    // Anything left that could be a record: the general path.
    return r.h_.buffered >= kHeaderLen ? added + collect_rest(r, conn) : added;
  }
  bool full() const { return count_ == kBurst || pieces_used_ + record_reader::kMaxSegments > kMaxPieces ||
                             released_used_ + record_reader::kMaxSegments > kMaxPieces; }
  uint32_t size() const { return count_; }

  // Authenticates and decrypts everything collected (one burst, plus a small
  // follow-up if a KeyUpdate arrived mid-burst) and interprets the records in
  // stream order. Results stay valid until clear().
  std::span<const opened_record> run(aead_engine& engine);
  void clear();

  // feed() with counting; the caller frees the segment unless accepted.
  feed_status feed(record_reader& r, const segment& s);
  // coalesce() with counting.
  uint32_t coalesce(record_reader& r, const segment& dst, uint64_t* released);

  counter_set<tls_open_counter> counters;

 private:
  // Hot fields first: a record's common path stays in the first two lines.
  struct slot {
    record_reader* r;
    uint64_t seq;
    uint32_t conn;
    uint32_t piece_first;
    uint32_t released_first;
    bool pre_failed;  // cut() found an error (or no sequence number): no job
    bool job_ok;      // the AEAD job ran to completion
    bool stale;       // decrypted under a key a KeyUpdate has since replaced
    alert_description pre_alert;
    uint8_t nonce[kIvLen];
    alignas(16) uint8_t computed_tag[kTagLen];
    record_parts parts;
    tls_open_counter pre_counter;
    uint8_t aad[kTls12AadLen];
    gcm_context_data ctx;  // SGL jobs only

    // A fresh slot for one record of `reader`; both collect paths start here.
    void begin(record_reader& reader, uint32_t connection, uint32_t pieces_at, uint32_t released_at) {
      r = &reader;
      conn = connection;
      piece_first = pieces_at;
      released_first = released_at;
      pre_failed = false;
      job_ok = false;
      stale = false;
    }
  };

  void collect_whole(record_reader& r, uint32_t conn);
  uint32_t collect_rest(record_reader& r, uint32_t conn);
  void prepare(slot& s);
  bool submit(aead_engine& engine, const uint32_t* idx, uint32_t n, IMB_CIPHER_DIRECTION dir);
  bool interpret_data(uint32_t i);
  void interpret(aead_engine& engine, uint32_t i);
  void fail(uint32_t i, alert_description a, tls_open_counter c);
  void handle_alert(uint32_t i, const uint8_t* two);
  void handle_handshake(aead_engine& engine, uint32_t i, uint32_t content_len);
  void key_update(aead_engine& engine, uint32_t i, bool requested);

  slot slots_[kBurst];
  opened_record results_[kBurst];
  uint32_t count_ = 0;
  byte_view pieces_[kMaxPieces];
  IMB_SGL_IOV iov_[kMaxPieces];
  uint64_t released_[kMaxPieces];
  uint32_t pieces_used_ = 0;
  uint32_t released_used_ = 0;
};

// The common case with the burst's counters in registers: an open reader
// whose next records each lie whole in its head segment. Stops at anything
// else (a record split over segments or incomplete, a header to refuse, the
// sequence limit, a full burst) and leaves it to the general loop, which
// repeats the checks and reports what it finds.
inline void open_batch::collect_whole(record_reader& r, uint32_t conn) {
  auto& h = r.h_;
  if (r.closed()) return;
  const bool tls13 = h.version == protocol_version::tls13;
  const uint32_t nonce_len = tls13 ? 0 : kTls12ExplicitNonceLen;
  uint32_t n = count_, pu = pieces_used_, ru = released_used_;
  while (n < kBurst && pu + record_reader::kMaxSegments <= kMaxPieces &&
         ru + record_reader::kMaxSegments <= kMaxPieces && h.count > 0 && !h.seq.exhausted) {
    const segment& sg = r.ring_[h.head];
    const uint32_t off = h.head_off;
    const uint32_t avail = sg.len - off;
    if (avail < kHeaderLen) break;
    uint8_t* p = sg.data + off;
    const record_header rh = parse_header(p);
    const uint32_t total = kHeaderLen + rh.length;
    if (total > avail || check_header(h.version, rh)) break;
    const uint32_t cipher = rh.length - kTagLen - nonce_len;  // check_header: no underflow
    uint8_t* c = p + kHeaderLen + nonce_len;
    slot& s = slots_[n];
    s.begin(r, conn, pu, ru);
    s.parts.header = p;  // decryption in place never touches it
    s.parts.tag = c + cipher;
    s.parts.cipher_len = cipher;
    pieces_[pu] = {c, cipher};  // counted only if not empty
    s.parts.piece_count = cipher > 0 ? 1 : 0;
    pu += s.parts.piece_count;
    h.head_off = off + total;
    h.buffered -= total;
    uint32_t released = 0;
    if (h.head_off == sg.len) r.pop_emptied(released_ + ru, &released);
    s.parts.released_count = released;
    ru += released;
    h.seq.take(s.seq);
    if (tls13) {
      tls13_nonce(h.iv, s.seq, s.nonce);
    } else {
      std::memcpy(s.parts.explicit_nonce, p + kHeaderLen, kTls12ExplicitNonceLen);
      tls12_nonce(h.iv, s.parts.explicit_nonce, s.nonce);
      tls12_aad(s.seq, rh.type, rh.version, static_cast<uint16_t>(cipher), s.aad);
    }
    ++n;
  }
  count_ = n;
  pieces_used_ = pu;
  released_used_ = ru;
}

}  // namespace sstpgw::tls
