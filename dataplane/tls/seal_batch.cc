#include "dataplane/tls/seal_batch.hh"

#include <algorithm>
#include <cstring>

#include "dataplane/tls/key_schedule.hh"

namespace sstpgw::tls {
namespace {

bool overlaps(const uint8_t* a, size_t an, const uint8_t* b, size_t bn) { return a < b + bn && b < a + an; }

}  // namespace

void seal_batch::clear() {
  count_ = 0;
  pieces_used_ = 0;
}

seal_status seal_batch::admit(record_writer& w, size_t plaintext_len, size_t limit, uint32_t pieces) {
  if (w.closed()) {
    counters.add(tls_seal_counter::writer_closed);
    return seal_status::closed;
  }
  if (w.h_.rekey_pending) {
    counters.add(tls_seal_counter::rekey_pending);
    return seal_status::rekey_pending;
  }
  if (w.h_.seq.exhausted) {
    w.h_.state = record_writer::stage::closed;
    counters.add(tls_seal_counter::sequence_exhausted);
    return seal_status::sequence_exhausted;
  }
  if (plaintext_len > limit) {
    counters.add(tls_seal_counter::bad_request);
    return seal_status::bad_request;
  }
  if (count_ == kBurst || pieces_used_ + pieces > kMaxPieces) {
    counters.add(tls_seal_counter::batch_full);
    return seal_status::full;
  }
  return seal_status::queued;
}

seal_batch::slot& seal_batch::open_slot(record_writer& w, uint32_t conn, content_type type, uint8_t* header,
                                        uint32_t plaintext_len) {
  const uint32_t i = count_++;
  slot& s = slots_[i];
  uint64_t seq = 0;
  w.h_.seq.take(seq);  // admit() checked it is not exhausted
  const protocol_version v = w.h_.version;
  s.w = &w;
  s.header = header;
  s.key_update = false;
  s.piece_count = 0;
  s.aead_len = static_cast<uint32_t>(aead_payload_length(v, plaintext_len));
  const auto length = static_cast<uint16_t>(ciphertext_length(v, plaintext_len));
  if (v == protocol_version::tls13) {
    write_header(header, content_type::application_data, length);
    tls13_nonce(w.h_.iv, seq, s.nonce);
  } else {
    write_header(header, type, length);
    // The explicit nonce is our sequence number, as OpenSSL sends it.
    store_be64(header + kHeaderLen, seq);
    tls12_nonce(w.h_.iv, header + kHeaderLen, s.nonce);
    tls12_aad(seq, static_cast<uint8_t>(type), kLegacyRecordVersion, static_cast<uint16_t>(plaintext_len),
              s.aad);
  }
  s.dst = header + header_room(v);
  s.tag = s.dst + s.aead_len;
  sealed_record& r = results_[i];
  r = {};
  r.writer = &w;
  r.conn = conn;
  r.record = header;
  r.length = static_cast<uint32_t>(kHeaderLen + length);
  r.header_len = static_cast<uint32_t>(header_room(v));
  r.trailer_len = static_cast<uint32_t>(tail_room(v));
  return s;
}

seal_status seal_batch::add(record_writer& w, uint32_t conn, content_type type,
                            std::span<const const_view> plaintext, std::span<uint8_t> out) {
  size_t len = 0;
  for (const auto& p : plaintext) len += p.len;
  const bool tls13 = w.version() == protocol_version::tls13;
  const bool app = type == content_type::application_data;
  const auto pieces = static_cast<uint32_t>(plaintext.size() + (tls13 ? 1 : 0));
  if (auto st = admit(w, len, app ? w.h_.max_fragment : kMaxPlaintext, pieces); st != seal_status::queued)
    return st;
  if (out.size() < w.record_size(len)) {
    counters.add(tls_seal_counter::bad_request);
    return seal_status::bad_request;
  }
  // Each source piece is either exactly where its ciphertext goes (in place)
  // or clear of the output buffer: anything in between would be overwritten
  // before it is read.
  uint8_t* const dst = out.data() + w.header_room();
  const uint8_t* single_src = nullptr;
  size_t off = 0;
  for (const auto& p : plaintext) {
    if (p.len && p.data != dst + off && overlaps(p.data, p.len, out.data(), out.size())) {
      counters.add(tls_seal_counter::bad_request);
      return seal_status::bad_request;
    }
    off += p.len;
  }
  if (len == 0) single_src = dst;
  else if (plaintext.size() == 1) single_src = plaintext[0].data;

  slot& s = open_slot(w, conn, type, out.data(), static_cast<uint32_t>(len));
  if (tls13) dst[len] = static_cast<uint8_t>(type);  // inner type, encrypted with the content
  // A contiguous job needs the source contiguous with what is encrypted: the
  // content alone (1.2), or content ‖ type, i.e. in place (1.3).
  if (single_src && (!tls13 || single_src == dst)) {
    s.src = single_src;
    return seal_status::queued;
  }
  IMB_SGL_IOV* iov = iov_ + pieces_used_;
  uint32_t n = 0;
  off = 0;
  for (const auto& p : plaintext) {
    if (p.len == 0) continue;
    iov[n++] = {p.data, dst + off, p.len};
    off += p.len;
  }
  if (tls13) iov[n++] = {dst + len, dst + len, 1};
  s.piece_first = pieces_used_;
  s.piece_count = n;
  pieces_used_ += n;
  counters.add(tls_seal_counter::records_sgl);
  return seal_status::queued;
}

seal_status seal_batch::add_in_place(record_writer& w, uint32_t conn, content_type type,
                                     std::span<const segment> payload) {
  size_t len = 0;
  for (const auto& p : payload) len += p.len;
  const bool app = type == content_type::application_data;
  if (payload.empty()) {
    counters.add(tls_seal_counter::bad_request);
    return seal_status::bad_request;
  }
  if (auto st = admit(w, len, app ? w.h_.max_fragment : kMaxPlaintext, static_cast<uint32_t>(payload.size()));
      st != seal_status::queued)
    return st;
  const bool tls13 = w.version() == protocol_version::tls13;
  const segment& last = payload.back();
  uint8_t* const end = last.data + last.len;  // tail room starts here
  if (tls13) *end = static_cast<uint8_t>(type);

  slot& s = open_slot(w, conn, type, payload[0].data - w.header_room(), static_cast<uint32_t>(len));
  s.tag = end + (tls13 ? 1 : 0);
  if (payload.size() == 1) {
    s.src = s.dst;
    return seal_status::queued;
  }
  IMB_SGL_IOV* iov = iov_ + pieces_used_;
  uint32_t n = 0;
  for (const auto& p : payload)
    if (p.len) iov[n++] = {p.data, p.data, p.len};
  if (tls13) {
    if (n > 0 && iov[n - 1].in == last.data) ++iov[n - 1].len;  // the type byte follows the last piece
    else iov[n++] = {end, end, 1};
  }
  s.piece_first = pieces_used_;
  s.piece_count = n;
  pieces_used_ += n;
  results_[count_ - 1].length = 0;  // not contiguous: see header_len / trailer_len
  counters.add(tls_seal_counter::records_sgl);
  return seal_status::queued;
}

seal_status seal_batch::add_alert(record_writer& w, uint32_t conn, alert_level level, alert_description desc,
                                  std::span<uint8_t> out) {
  if (out.size() < w.record_size(kAlertLen)) {
    counters.add(tls_seal_counter::bad_request);
    return seal_status::bad_request;
  }
  uint8_t* p = out.data() + w.header_room();
  p[0] = static_cast<uint8_t>(level);
  p[1] = static_cast<uint8_t>(desc);
  const const_view v{p, kAlertLen};
  const seal_status st = add(w, conn, content_type::alert, {&v, 1}, out);
  if (st != seal_status::queued) return st;
  counters.add(tls_seal_counter::alerts_sent);
  if (desc == alert_description::close_notify || level == alert_level::fatal)
    w.h_.state = record_writer::stage::closed;
  return st;
}

seal_status seal_batch::add_key_update(record_writer& w, uint32_t conn, key_update_request request,
                                       std::span<uint8_t> out) {
  constexpr size_t kLen = 5;  // handshake header(4) ‖ request_update(1)
  if (w.version() != protocol_version::tls13 || out.size() < w.record_size(kLen)) {
    counters.add(tls_seal_counter::bad_request);
    return seal_status::bad_request;
  }
  uint8_t* p = out.data() + w.header_room();
  p[0] = static_cast<uint8_t>(handshake_type::key_update);
  store_be24(p + 1, 1);
  p[4] = static_cast<uint8_t>(request);
  const const_view v{p, kLen};
  const seal_status st = add(w, conn, content_type::handshake, {&v, 1}, out);
  if (st != seal_status::queued) return st;
  slots_[count_ - 1].key_update = true;
  w.h_.rekey_pending = true;
  counters.add(tls_seal_counter::key_updates_sent);
  return st;
}

seal_batch::stream_result seal_batch::add_stream(record_writer& w, uint32_t conn, content_type type,
                                                 std::span<const const_view> plaintext,
                                                 std::span<const std::span<uint8_t>> out) {
  // A record's pieces are gathered here; a fragment spanning more source
  // pieces than this is cut short (a smaller record is still a record).
  constexpr size_t kMaxRecordPieces = 64;
  const_view views[kMaxRecordPieces];
  stream_result r;
  size_t piece = 0, off = 0;  // position in the stream
  size_t left = 0;
  for (const auto& p : plaintext) left += p.len;
  while (left > 0 && r.records < out.size()) {
    size_t want = w.next_fragment(left), n = 0, taken = 0;
    while (taken < want && n < kMaxRecordPieces) {
      while (plaintext[piece].len == off) {  // skip used-up and empty pieces
        ++piece;
        off = 0;
      }
      const size_t k = std::min<size_t>(plaintext[piece].len - off, want - taken);
      views[n++] = {plaintext[piece].data + off, static_cast<uint32_t>(k)};
      off += k;
      taken += k;
    }
    r.status = add(w, conn, type, {views, n}, out[r.records]);
    if (r.status != seal_status::queued) break;  // the caller resumes at r.bytes
    r.bytes += taken;
    left -= taken;
    ++r.records;
  }
  return r;
}

std::span<const sealed_record> seal_batch::run(aead_engine& engine) {
  uint32_t done = 0;
  while (done < count_) {
    IMB_JOB* jobs[kBurst];
    const uint32_t got = engine.get_jobs(count_ - done, jobs);
    if (got == 0) break;
    for (uint32_t k = 0; k < got; ++k) {
      slot& s = slots_[done + k];
      const bool tls13 = s.w->h_.version == protocol_version::tls13;
      const uint8_t* aad = tls13 ? s.header : s.aad;
      const uint64_t aad_len = tls13 ? kTls13AadLen : kTls12AadLen;
      if (s.piece_count == 0)
        fill_gcm_job(jobs[k], s.w->key_, IMB_DIR_ENCRYPT, s.src, s.dst, s.aead_len, s.nonce, aad, aad_len,
                     s.tag, &s);
      else
        fill_gcm_sgl_job(jobs[k], s.w->key_, IMB_DIR_ENCRYPT, iov_ + s.piece_first, s.piece_count, s.aead_len,
                         &s.ctx, s.nonce, aad, aad_len, s.tag, &s);
    }
    engine.run(got, jobs);  // a rejected burst shows as incomplete jobs
    for (uint32_t k = 0; k < got; ++k) results_[done + k].ok = job_completed(jobs[k]);
    done += got;
  }
  // In add() order: a failed record leaves a gap in the writer's sequence, so
  // nothing after it may be sent either. KeyUpdate takes effect now.
  for (uint32_t i = 0; i < count_; ++i) {
    slot& s = slots_[i];
    sealed_record& r = results_[i];
    record_writer& w = *s.w;
    if (i >= done || w.h_.failed) r.ok = false;
    if (!r.ok) {
      w.h_.failed = true;
      w.h_.state = record_writer::stage::closed;
      w.h_.rekey_pending = false;
      counters.add(tls_seal_counter::aead_error);
      continue;
    }
    counters.add(tls_seal_counter::records_sealed);
    if (s.key_update) {
      w.h_.rekey_pending = false;
      if (!advance_tls13_generation(w.keys_)) {
        w.h_.state = record_writer::stage::closed;
        counters.add(tls_seal_counter::key_update_failed);
        continue;
      }
      engine.expand_key(w.keys_.aead, w.keys_.key, w.key_);
      std::memcpy(w.h_.iv, w.keys_.iv, kIvLen);
      w.h_.seq = {w.keys_.sequence, false};
    }
  }
  return {results_, count_};
}

}  // namespace sstpgw::tls
