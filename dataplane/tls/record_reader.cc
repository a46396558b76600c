#include "dataplane/tls/record_reader.hh"

#include <openssl/crypto.h>

#include <cstring>

namespace sstpgw::tls {

bool record_reader::install(const aead_engine& engine, const traffic_keys& keys, endpoint_role role) {
  if (keys.version != protocol_version::tls12 && keys.version != protocol_version::tls13) return false;
  if (keys.aead != aead_algorithm::aes_128_gcm && keys.aead != aead_algorithm::aes_256_gcm) return false;
  clear_ring();
  keys_ = keys;
  engine.expand_key(keys.aead, keys.key, key_);
  std::memcpy(h_.iv, keys.iv, kIvLen);
  h_.seq = {keys.sequence, false};
  h_.hs = {};
  h_.version = keys.version;
  h_.role = role;
  h_.state = stage::open;
  h_.stream_failed = false;
  return true;
}

void record_reader::clear_ring() {
  h_.head = h_.count = 0;
  h_.head_off = 0;
  h_.buffered = 0;
}

bool record_reader::needs_coalesce() const {
  if (h_.count < kMaxSegments) return false;
  if (h_.buffered < kHeaderLen) return true;
  uint8_t h[kHeaderLen];
  peek(0, h, kHeaderLen);
  return h_.buffered < kHeaderLen + parse_header(h).length;
}

void record_reader::peek(size_t at, uint8_t* out, size_t n) const {
  uint32_t i = h_.head;
  size_t off = h_.head_off + at;
  while (off >= ring_[i].len) {
    off -= ring_[i].len;
    i = (i + 1) % kMaxSegments;
  }
  while (n > 0) {
    size_t k = ring_[i].len - off;
    if (k > n) k = n;
    if (k > 0) std::memcpy(out, ring_[i].data + off, k);  // zero-length segments may have no data
    out += k;
    n -= k;
    off = 0;
    i = (i + 1) % kMaxSegments;
  }
}

void record_reader::take(size_t n, byte_view* pieces, uint32_t* piece_count, uint8_t* copy_to, uint64_t* released,
                         uint32_t* released_count) {
  h_.buffered -= n;
  for (;;) {
    if (h_.count > 0 && h_.head_off == ring_[h_.head].len) pop_emptied(released, released_count);
    if (n == 0) return;
    const segment& s = ring_[h_.head];
    size_t k = s.len - h_.head_off;
    if (k > n) k = n;
    if (pieces) pieces[(*piece_count)++] = {s.data + h_.head_off, static_cast<uint32_t>(k)};
    if (copy_to) {
      std::memcpy(copy_to, s.data + h_.head_off, k);
      copy_to += k;
    }
    h_.head_off += static_cast<uint32_t>(k);
    n -= k;
  }
}

record_reader::cut_result record_reader::cut(record_parts& out, byte_view* pieces, uint64_t* released,
                                             alert_description* alert) {
  if (closed() || h_.buffered < kHeaderLen) return cut_result::none;
  const bool tls13 = h_.version == protocol_version::tls13;
  const segment& s = ring_[h_.head];
  const size_t avail = s.len - h_.head_off;
  const uint8_t* p = s.data + h_.head_off;
  if (avail >= kHeaderLen) {
    out.header = p;  // decryption in place never touches it
  } else {
    peek(0, out.header_copy, kHeaderLen);
    out.header = out.header_copy;
  }
  const record_header h = parse_header(out.header);
  if (auto bad = check_header(h_.version, h)) {
    *alert = *bad;
    h_.stream_failed = true;
    return cut_result::error;
  }
  const size_t total = kHeaderLen + h.length;
  if (h_.buffered < total) return cut_result::none;
  if (h_.seq.exhausted) return cut_result::exhausted;

  out.piece_count = 0;
  out.released_count = 0;
  const size_t nonce_len = tls13 ? 0 : kTls12ExplicitNonceLen;
  const size_t cipher = h.length - kTagLen - nonce_len;
  out.cipher_len = static_cast<uint32_t>(cipher);
  if (avail >= total) {
    // The common case: the whole record lies in one segment.
    if (!tls13) std::memcpy(out.explicit_nonce, p + kHeaderLen, kTls12ExplicitNonceLen);
    uint8_t* c = s.data + h_.head_off + kHeaderLen + nonce_len;
    if (cipher > 0) pieces[out.piece_count++] = {c, static_cast<uint32_t>(cipher)};
    out.tag = c + cipher;
    h_.head_off += static_cast<uint32_t>(total);
    h_.buffered -= total;
    if (h_.head_off == s.len) pop_emptied(released, &out.released_count);
    return cut_result::record;
  }
  // A header in the head segment stays put (the slice below only moves the
  // read position); one that straddles segments was copied.
  take(kHeaderLen, nullptr, nullptr, nullptr, released, &out.released_count);
  if (!tls13) take(kTls12ExplicitNonceLen, nullptr, nullptr, out.explicit_nonce, released, &out.released_count);
  take(cipher, pieces, &out.piece_count, nullptr, released, &out.released_count);
  // The tag: point at it where it lies whole in one segment, else copy it.
  const segment& t = ring_[h_.head];
  if (t.len - h_.head_off >= kTagLen) {
    out.tag = t.data + h_.head_off;
    take(kTagLen, nullptr, nullptr, nullptr, released, &out.released_count);
  } else {
    out.tag = out.tag_copy;
    take(kTagLen, nullptr, nullptr, out.tag_copy, released, &out.released_count);
  }
  return cut_result::record;
}

uint32_t record_reader::coalesce(const segment& dst, uint64_t* released) {
  if (dst.len < h_.buffered) return 0;
  const size_t n = h_.buffered;
  uint32_t released_count = 0;
  // Copies the bytes out; take() releases every emptied segment, trailing
  // zero-length ones included.
  take(n, nullptr, nullptr, dst.data, released, &released_count);
  clear_ring();
  ring_[0] = {dst.data, static_cast<uint32_t>(n), dst.cookie};
  h_.count = 1;
  h_.buffered = n;
  return released_count;
}

uint32_t record_reader::drain(uint64_t* released) {
  uint32_t n = 0;
  for (uint32_t i = 0; i < h_.count; ++i) released[n++] = ring_[(h_.head + i) % kMaxSegments].cookie;
  clear_ring();
  wipe(key_);
  wipe(keys_);
  OPENSSL_cleanse(h_.iv, sizeof h_.iv);
  h_.seq = {};
  h_.state = stage::closed;
  return n;
}

}  // namespace sstpgw::tls
