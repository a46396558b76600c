// Seals a burst of records from many connections with one ipsec-mb burst:
// add() writes each record's header (and TLS 1.2 explicit nonce / TLS 1.3
// inner type) and fills nothing else; run() encrypts all of them, the tag
// landing directly in the caller's buffer. Sequence numbers are taken in add()
// order, so add a connection's records in the order they go on the wire.
//
//   seal_batch b;                                         // per lcore
//   b.add_in_place(writer, conn, content_type::application_data, {seg});
//   b.add_alert(writer2, conn2, alert_level::fatal, alert_description::bad_record_mac, buf);
//   for (const sealed_record& r : b.run(engine)) { ... send r.record, r.length ... }
//   b.clear();
//
// Large plaintext: add_stream() cuts it into records of at most max_fragment()
// bytes (e.g. one TCP segment each), one caller buffer per record.
#pragma once

#include <cstdint>
#include <span>

#include "dataplane/common/counters.hh"
#include "dataplane/tls/aead_ipsecmb.hh"
#include "dataplane/tls/alerts.hh"
#include "dataplane/tls/record_counters.hh"
#include "dataplane/tls/record_format.hh"
#include "dataplane/tls/record_writer.hh"
#include "dataplane/tls/segment.hh"

namespace sstpgw::tls {

enum class seal_status : uint8_t {
  queued,              // in the burst; result after run()
  closed,              // the writer is closed (close_notify / fatal alert sent, or failed)
  rekey_pending,       // this writer's KeyUpdate is in the burst: add again after run()
  sequence_exhausted,  // the next sequence number would wrap: close the connection
  bad_request,         // too long for max_fragment, buffer too small, overlapping buffers
  full,                // no room in this burst: run() first
};

struct sealed_record {
  record_writer* writer = nullptr;
  uint32_t conn = 0;
  bool ok = false;  // false: the writer is now closed; send nothing of this record
  // The record: `length` bytes from `record` when the output is contiguous.
  // For add_in_place over several segments: header_len bytes before the first
  // segment's data, the segments, then trailer_len bytes after the last one.
  uint8_t* record = nullptr;
  uint32_t length = 0;
  uint32_t header_len = 0;
  uint32_t trailer_len = 0;
};

class seal_batch {
 public:
  static constexpr uint32_t kMaxPieces = 1024;

  // Encrypts `plaintext` (pieces anywhere, or exactly at out + header_room():
  // in place) into `out`, which receives the whole record (≥ record_size()).
  seal_status add(record_writer& w, uint32_t conn, content_type type, std::span<const const_view> plaintext,
                  std::span<uint8_t> out);
  seal_status add(record_writer& w, uint32_t conn, content_type type, std::span<const uint8_t> plaintext,
                  std::span<uint8_t> out) {
    const const_view v{plaintext.data(), static_cast<uint32_t>(plaintext.size())};
    return add(w, conn, type, {&v, 1}, out);
  }
  // In place over a chain of segments holding the plaintext: header_room()
  // writable bytes precede payload[0].data, tail_room() follow the last one.
  seal_status add_in_place(record_writer& w, uint32_t conn, content_type type, std::span<const segment> payload);
  // An alert record. close_notify and fatal alerts close the writer after it.
  seal_status add_alert(record_writer& w, uint32_t conn, alert_level level, alert_description desc,
                        std::span<uint8_t> out);
  // TLS 1.3 KeyUpdate; the write key advances (RFC 8446 §7.2) once run() has
  // sealed this record under the old one.
  seal_status add_key_update(record_writer& w, uint32_t conn, key_update_request request, std::span<uint8_t> out);

  // Cuts a plaintext stream (pieces anywhere) into records of at most
  // w.max_fragment() bytes, the i-th sealed into out[i] (each at least
  // w.record_size(w.max_fragment()), or the size of what is left). Stops when
  // the pieces are used up, the burst or `out` is full, or a refusal; returns
  // the plaintext bytes queued (so the caller resumes from there) and the
  // status of the last add (queued when everything went in).
  struct stream_result {
    size_t bytes = 0;
    uint32_t records = 0;
    seal_status status = seal_status::queued;
  };
  stream_result add_stream(record_writer& w, uint32_t conn, content_type type, std::span<const const_view> plaintext,
                           std::span<const std::span<uint8_t>> out);

  bool full() const { return count_ == kBurst; }
  uint32_t size() const { return count_; }
  std::span<const sealed_record> run(aead_engine& engine);
  void clear();

  counter_set<tls_seal_counter> counters;

 private:
  struct slot {
    record_writer* w;
    uint8_t* header;   // the record's first byte (AAD in TLS 1.3)
    uint8_t* dst;      // ciphertext start (contiguous jobs)
    const uint8_t* src;
    uint8_t* tag;
    uint32_t aead_len;  // bytes encrypted (tls13: content ‖ type)
    uint32_t piece_first;
    uint32_t piece_count;  // 0: contiguous job src → dst
    bool key_update;
    uint8_t aad[kTls12AadLen];
    uint8_t nonce[kIvLen];
    gcm_context_data ctx;
  };

  seal_status admit(record_writer& w, size_t plaintext_len, size_t limit, uint32_t pieces);
  // Header, nonce, AAD; takes the sequence number.
  slot& open_slot(record_writer& w, uint32_t conn, content_type type, uint8_t* header, uint32_t plaintext_len);

  slot slots_[kBurst];
  sealed_record results_[kBurst];
  uint32_t count_ = 0;
  IMB_SGL_IOV iov_[kMaxPieces];
  uint32_t pieces_used_ = 0;
};

}  // namespace sstpgw::tls
