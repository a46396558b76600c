#include "dataplane/tls/open_batch.hh"

#include <cstring>

#include "dataplane/tls/key_schedule.hh"

namespace sstpgw::tls {
namespace {

tls_open_counter counter_for(alert_description a) {
  switch (a) {
    case alert_description::bad_record_mac: return tls_open_counter::bad_record_mac;
    case alert_description::record_overflow: return tls_open_counter::record_overflow;
    case alert_description::decode_error: return tls_open_counter::decode_error;
    case alert_description::illegal_parameter: return tls_open_counter::illegal_parameter;
    case alert_description::protocol_version: return tls_open_counter::protocol_version;
    default: return tls_open_counter::unexpected_message;
  }
}

}  // namespace

feed_status open_batch::feed(record_reader& r, const segment& s) {
  const feed_status st = r.feed(s);
  if (st == feed_status::closed) counters.add(tls_open_counter::fed_after_close);
  else if (st == feed_status::ring_full) counters.add(tls_open_counter::ring_full);
  return st;
}

uint32_t open_batch::coalesce(record_reader& r, const segment& dst, uint64_t* released) {
  const uint32_t n = r.coalesce(dst, released);
  if (n) counters.add(tls_open_counter::coalesced);
  return n;
}

void open_batch::clear() {
  count_ = 0;
  pieces_used_ = 0;
  released_used_ = 0;
}

// Nonce and AAD from the record's sequence number (tls13: the header is the AAD).
inline void open_batch::prepare(slot& s) {
  const record_reader& r = *s.r;
  if (r.h_.version == protocol_version::tls13) {
    tls13_nonce(r.h_.iv, s.seq, s.nonce);
  } else {
    tls12_nonce(r.h_.iv, s.parts.explicit_nonce, s.nonce);
    tls12_aad(s.seq, s.parts.header[0], load_be16(s.parts.header + 1),
              static_cast<uint16_t>(s.parts.cipher_len), s.aad);
  }
}

uint32_t open_batch::collect_rest(record_reader& r, uint32_t conn) {
  uint32_t added = 0;
  while (!full() && !r.closed() && r.h_.buffered >= kHeaderLen) {
    slot& s = slots_[count_];
    s.begin(r, conn, pieces_used_, released_used_);
    alert_description alert{};
    const auto cut = r.cut(s.parts, pieces_ + pieces_used_, released_ + released_used_, &alert);
    if (cut == record_reader::cut_result::none) break;
    if (cut == record_reader::cut_result::exhausted) {
      // The peer would need a sequence number past 2^64-1. Unless a record of
      // this reader is already in the burst (it may be a KeyUpdate that resets
      // the sequence), that closes the connection.
      for (uint32_t i = 0; i < count_; ++i)
        if (slots_[i].r == &r) return added;
      r.h_.stream_failed = true;
      s.pre_failed = true;
      s.pre_alert = alert_description::internal_error;
      s.pre_counter = tls_open_counter::sequence_exhausted;
      s.parts.piece_count = s.parts.released_count = 0;
    } else if (cut == record_reader::cut_result::error) {
      s.pre_failed = true;
      s.pre_alert = alert;
      s.pre_counter = counter_for(alert);
      s.parts.piece_count = s.parts.released_count = 0;
    } else {
      r.h_.seq.take(s.seq);
      prepare(s);
    }
    pieces_used_ += s.parts.piece_count;
    released_used_ += s.parts.released_count;
    ++count_;
    ++added;
  }
  return added;
}

bool open_batch::submit(aead_engine& engine, const uint32_t* idx, uint32_t n, IMB_CIPHER_DIRECTION dir) {
  bool ok = true;
  while (n > 0) {
    IMB_JOB* jobs[kBurst];
    const uint32_t got = engine.get_jobs(n, jobs);
    if (got == 0) return false;
    for (uint32_t k = 0; k < got; ++k) {
      slot& s = slots_[idx[k]];
      const record_reader& r = *s.r;
      const bool tls13 = r.h_.version == protocol_version::tls13;
      const uint8_t* aad = tls13 ? s.parts.header : s.aad;
      const uint64_t aad_len = tls13 ? kTls13AadLen : kTls12AadLen;
      const byte_view* pc = pieces_ + s.piece_first;
      if (s.parts.piece_count <= 1) {
        uint8_t* p = s.parts.piece_count ? pc[0].data : s.computed_tag;  // any valid pointer for 0 bytes
        fill_gcm_job(jobs[k], r.key_, dir, p, p, s.parts.cipher_len, s.nonce, aad, aad_len, s.computed_tag,
                     &s);
      } else {
        IMB_SGL_IOV* iov = iov_ + s.piece_first;
        for (uint32_t q = 0; q < s.parts.piece_count; ++q) iov[q] = {pc[q].data, pc[q].data, pc[q].len};
        fill_gcm_sgl_job(jobs[k], r.key_, dir, iov, s.parts.piece_count, s.parts.cipher_len, &s.ctx, s.nonce,
                         aad, aad_len, s.computed_tag, &s);
        if (dir == IMB_DIR_DECRYPT) counters.add(tls_open_counter::records_sgl);
      }
    }
    if (!engine.run(got, jobs)) {
      ok = false;
      counters.add(tls_open_counter::aead_error);
    }
    // Job slots are reused by the next get_jobs: keep the verdict, not the job.
    for (uint32_t k = 0; k < got; ++k) slots_[idx[k]].job_ok = job_completed(jobs[k]);
    idx += got;
    n -= got;
  }
  return ok;
}

// The common case decided in one go: authenticated application data in one
// piece (TLS 1.3: the type byte right at its end, no padding), reader open,
// no handshake message pending. False for anything else: interpret() then
// repeats every check (the tag comparison included). Inline in run()'s loop,
// so the common record pays no call into the general path.
inline bool open_batch::interpret_data(uint32_t i) {
  slot& s = slots_[i];
  const record_reader& r = *s.r;
  if (s.parts.piece_count != 1 || s.pre_failed || !s.job_ok || r.h_.state != record_reader::stage::open ||
      r.h_.hs.in_message() || !tags_equal(s.computed_tag, s.parts.tag))
    return false;
  byte_view& pc = pieces_[s.piece_first];
  const uint32_t len = pc.len;
  const bool tls13 = r.h_.version == protocol_version::tls13;
  const uint8_t type = tls13 ? pc.data[len - 1] : s.parts.header[0];
  const bool fits = tls13 ? len > 1 && len <= kMaxTls13InnerPlaintext : len <= kMaxPlaintext;
  if (type != static_cast<uint8_t>(content_type::application_data) || !fits) return false;
  pc.len = tls13 ? len - 1 : len;
  counters.add(tls_open_counter::records_opened);
  results_[i] = {.reader = s.r,
                 .conn = s.conn,
                 .verdict = open_verdict::data,
                 .type = content_type::application_data,
                 .plaintext = {&pc, 1},
                 .released = {released_ + s.released_first, s.parts.released_count}};
  return true;
}

std::span<const opened_record> open_batch::run(aead_engine& engine) {
  uint32_t idx[kBurst];
  uint32_t n = 0;
  for (uint32_t i = 0; i < count_; ++i)
    if (!slots_[i].pre_failed) idx[n++] = i;
  submit(engine, idx, n, IMB_DIR_DECRYPT);
  for (uint32_t i = 0; i < count_; ++i)
    if (!slots_[i].stale && !interpret_data(i)) interpret(engine, i);
  // Records a KeyUpdate made stale: reopen under the new key, in stream order.
  for (;;) {
    uint32_t all[kBurst];
    uint32_t m = 0;
    n = 0;
    for (uint32_t i = 0; i < count_; ++i) {
      if (!slots_[i].stale) continue;
      slots_[i].stale = false;
      all[m++] = i;
      if (!slots_[i].pre_failed) idx[n++] = i;
    }
    if (m == 0) break;
    counters.add(tls_open_counter::key_update_redo, n);
    submit(engine, idx, n, IMB_DIR_DECRYPT);
    for (uint32_t k = 0; k < m; ++k)
      if (!slots_[all[k]].stale && !interpret_data(all[k])) interpret(engine, all[k]);
  }
  return {results_, count_};
}

void open_batch::fail(uint32_t i, alert_description a, tls_open_counter c) {
  results_[i].verdict = open_verdict::failed;
  results_[i].alert = a;
  slots_[i].r->h_.state = record_reader::stage::closed;
  counters.add(c);
}

void open_batch::interpret(aead_engine& engine, uint32_t i) {
  slot& s = slots_[i];
  record_reader& r = *s.r;
  opened_record& out = results_[i];
  out = {};
  out.reader = &r;
  out.conn = s.conn;
  out.released = {released_ + s.released_first, s.parts.released_count};
  if (r.h_.state != record_reader::stage::open) {
    out.verdict = open_verdict::discarded;
    counters.add(tls_open_counter::records_discarded);
    return;
  }
  if (s.pre_failed) return fail(i, s.pre_alert, s.pre_counter);
  if (!s.job_ok) return fail(i, alert_description::internal_error, tls_open_counter::aead_error);
  // Constant time: the comparison must not tell how many tag bytes matched.
  if (!tags_equal(s.computed_tag, s.parts.tag))
    return fail(i, alert_description::bad_record_mac, tls_open_counter::bad_record_mac);
  counters.add(tls_open_counter::records_opened);

  byte_view* pc = pieces_ + s.piece_first;
  uint32_t np = s.parts.piece_count;
  uint32_t content_len = s.parts.cipher_len;
  uint8_t type = s.parts.header[0];
  if (r.h_.version == protocol_version::tls13) {
    if (content_len > kMaxTls13InnerPlaintext)
      return fail(i, alert_description::record_overflow, tls_open_counter::record_overflow);
    // The type is the last non-zero byte; zeros after it are padding.
    for (;;) {
      if (np == 0)  // all zeros: no content type (RFC 8446 §5.4)
        return fail(i, alert_description::unexpected_message, tls_open_counter::unexpected_message);
      const byte_view& last = pc[np - 1];
      uint32_t n = last.len;
      while (n > 0 && last.data[n - 1] == 0) --n;
      content_len -= last.len - n;
      if (n == 0) {
        --np;
        continue;
      }
      type = last.data[n - 1];
      --content_len;
      if (n == 1) --np;
      else pc[np - 1].len = n - 1;
      break;
    }
  } else if (content_len > kMaxPlaintext) {
    return fail(i, alert_description::record_overflow, tls_open_counter::record_overflow);
  }
  out.type = static_cast<content_type>(type);

  // Handshake messages must not be interleaved with other record types
  // (RFC 8446 §5.1); a handshake record continues one.
  if (type != static_cast<uint8_t>(content_type::handshake) && r.h_.hs.in_message())
    return fail(i, alert_description::unexpected_message, tls_open_counter::unexpected_message);
  switch (static_cast<content_type>(type)) {
    case content_type::application_data:
      out.verdict = open_verdict::data;
      out.plaintext = {pc, np};
      return;
    case content_type::alert: {
      // One whole alert per record (RFC 8446 §5.1 forbids fragmenting or
      // coalescing them; OpenSSL holds TLS 1.2 peers to the same).
      if (content_len != kAlertLen)
        return fail(i, alert_description::decode_error, tls_open_counter::decode_error);
      uint8_t two[kAlertLen];
      two[0] = pc[0].data[0];
      two[1] = pc[0].len > 1 ? pc[0].data[1] : pc[1].data[0];
      return handle_alert(i, two);
    }
    case content_type::handshake:
      if (content_len == 0)  // zero-length handshake fragments are forbidden
        return fail(i, alert_description::unexpected_message, tls_open_counter::unexpected_message);
      return handle_handshake(engine, i, content_len);
    default:
      return fail(i, alert_description::unexpected_message, tls_open_counter::unexpected_message);
  }
}

void open_batch::handle_alert(uint32_t i, const uint8_t* two) {
  opened_record& out = results_[i];
  record_reader& r = *slots_[i].r;
  const auto level = two[0];
  const auto desc = static_cast<alert_description>(two[1]);
  const bool tls13 = r.h_.version == protocol_version::tls13;
  out.alert = desc;
  // TLS 1.3 ignores the level (RFC 8446 §6); TLS 1.2 knows only two.
  if (!tls13 && level != static_cast<uint8_t>(alert_level::warning) &&
      level != static_cast<uint8_t>(alert_level::fatal))
    return fail(i, alert_description::illegal_parameter, tls_open_counter::illegal_parameter);
  if (desc == alert_description::close_notify) {
    // Orderly close; anything after it is ignored (RFC 8446 §6.1, RFC 5246 §7.2.1).
    out.verdict = open_verdict::peer_closed;
    r.h_.state = record_reader::stage::closed;
    counters.add(tls_open_counter::close_notify_received);
    return;
  }
  // TLS 1.3: every alert but close_notify and user_canceled is an error,
  // whatever its level says (RFC 8446 §6). TLS 1.2: as the level says.
  const bool fatal = tls13 ? desc != alert_description::user_canceled
                           : level == static_cast<uint8_t>(alert_level::fatal);
  if (fatal) {
    out.verdict = open_verdict::peer_alert;
    r.h_.state = record_reader::stage::closed;
    counters.add(tls_open_counter::fatal_alert_received);
  } else {
    out.verdict = open_verdict::control;
    counters.add(tls_open_counter::warning_alert_ignored);
  }
}

// Post-handshake handshake messages, fed byte by byte through the reader's
// small parser so a message may be fragmented over records (rare; not per
// packet). Accepted: TLS 1.3 KeyUpdate; a client-side NewSessionTicket
// (skipped: we never resume). TLS 1.2 renegotiation (a ClientHello to a
// server, a HelloRequest to a client) is refused with a warning-level
// no_renegotiation alert and the connection carries on: RFC 5246 §7.2.2 makes
// that alert a warning, and RFC 5746 §4.2/§4.4 recommend refusing legacy
// renegotiation. Anything else is unexpected_message.
void open_batch::handle_handshake(aead_engine& engine, uint32_t i, uint32_t content_len) {
  slot& s = slots_[i];
  record_reader& r = *s.r;
  opened_record& out = results_[i];
  auto& hs = r.h_.hs;
  const bool tls13 = r.h_.version == protocol_version::tls13;
  out.verdict = open_verdict::control;
  const byte_view* pc = pieces_ + s.piece_first;
  uint32_t seen = 0;
  for (uint32_t q = 0; seen < content_len; ++q) {
    for (uint32_t b = 0; b < pc[q].len && seen < content_len; ++b, ++seen) {
      const uint8_t byte = pc[q].data[b];
      const bool last_byte = seen + 1 == content_len;
      if (hs.have < 4) {
        hs.header[hs.have++] = byte;
        if (hs.have < 4) continue;
        hs.body_left = load_be24(hs.header + 1);
        const auto t = static_cast<handshake_type>(hs.header[0]);
        bool allowed;
        if (tls13) {
          allowed = t == handshake_type::key_update ||
                    (t == handshake_type::new_session_ticket && r.h_.role == endpoint_role::client);
          if (t == handshake_type::key_update && hs.body_left != 1)
            return fail(i, alert_description::decode_error, tls_open_counter::decode_error);
        } else {
          allowed = (t == handshake_type::client_hello && r.h_.role == endpoint_role::server) ||
                    (t == handshake_type::hello_request && r.h_.role == endpoint_role::client);
          if (t == handshake_type::hello_request && hs.body_left != 0)
            return fail(i, alert_description::decode_error, tls_open_counter::decode_error);
        }
        if (!allowed) return fail(i, alert_description::unexpected_message, tls_open_counter::unexpected_message);
        if (hs.body_left > 0) continue;
      } else if (--hs.body_left > 0) {
        continue;
      }
      // A whole message has arrived.
      const auto t = static_cast<handshake_type>(hs.header[0]);
      hs = {};
      switch (t) {
        case handshake_type::key_update: {
          // A key change must end its record (RFC 8446 §5.1).
          if (!last_byte)
            return fail(i, alert_description::unexpected_message, tls_open_counter::unexpected_message);
          const uint8_t request = byte;  // the 1-byte body just read
          if (request > static_cast<uint8_t>(key_update_request::update_requested))
            return fail(i, alert_description::illegal_parameter, tls_open_counter::illegal_parameter);
          return key_update(engine, i, request == static_cast<uint8_t>(key_update_request::update_requested));
        }
        case handshake_type::new_session_ticket:
          counters.add(tls_open_counter::session_ticket_ignored);
          break;
        default:  // client_hello, hello_request: refuse renegotiation
          out.reply_warning = true;
          out.alert = alert_description::no_renegotiation;
          counters.add(tls_open_counter::renegotiation_refused);
          break;
      }
    }
  }
}

void open_batch::key_update(aead_engine& engine, uint32_t i, bool requested) {
  record_reader& r = *slots_[i].r;
  // Later records of this connection in the burst were decrypted under the
  // key being retired: put their ciphertext back while that key still exists.
  uint32_t idx[kBurst];
  uint32_t n = 0;
  for (uint32_t j = i + 1; j < count_; ++j) {
    slot& s = slots_[j];
    if (s.r != &r) continue;
    s.stale = true;
    if (!s.pre_failed && s.job_ok) idx[n++] = j;
  }
  if (n > 0 && !submit(engine, idx, n, IMB_DIR_ENCRYPT))
    return fail(i, alert_description::internal_error, tls_open_counter::aead_error);
  for (uint32_t k = 0; k < n; ++k)
    if (!slots_[idx[k]].job_ok) return fail(i, alert_description::internal_error, tls_open_counter::aead_error);

  if (!advance_tls13_generation(r.keys_))
    return fail(i, alert_description::internal_error, tls_open_counter::key_update_failed);
  engine.expand_key(r.keys_.aead, r.keys_.key, r.key_);
  std::memcpy(r.h_.iv, r.keys_.iv, kIvLen);
  r.h_.seq = {r.keys_.sequence, false};
  for (uint32_t j = i + 1; j < count_; ++j) {
    slot& s = slots_[j];
    if (s.r != &r || s.pre_failed) continue;
    r.h_.seq.take(s.seq);
    prepare(s);
  }
  counters.add(tls_open_counter::key_update_received);
  if (requested) {
    results_[i].reply_key_update = true;
    counters.add(tls_open_counter::key_update_requested);
  }
}

}  // namespace sstpgw::tls
