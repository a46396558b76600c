#include "dataplane/tls/record_reader.hh"

#include <openssl/crypto.h>

#include <cstring>

namespace sstpgw::tls {

bool record_reader::install(const aead_engine& engine, const traffic_keys& keys, endpoint_role role) {
  if (keys.version != protocol_version::tls12 && keys.version != protocol_version::tls13) return false;
  if (keys.aead != aead_algorithm::aes_128_gcm && keys.aead != aead_algorithm::aes_256_gcm) return false;
  clear_ring();
  keys_ = keys;
  seq_ = {keys.sequence, false};
  engine.expand_key(keys.aead, keys.key, key_);
  hs_ = {};
  role_ = role;
  state_ = state::open;
  stream_failed_ = false;
  return true;
}

void record_reader::clear_ring() {
  head_ = count_ = head_off_ = 0;
  buffered_ = 0;
}

feed_status record_reader::feed(const segment& s) {
  if (closed()) return feed_status::closed;
  if (count_ == kMaxSegments) return feed_status::ring_full;
  ring_[(head_ + count_) % kMaxSegments] = s;
  ++count_;
  buffered_ += s.len;
  return feed_status::accepted;
}

bool record_reader::needs_coalesce() const {
  if (count_ < kMaxSegments) return false;
  if (buffered_ < kHeaderLen) return true;
  uint8_t h[kHeaderLen];
  peek(0, h, kHeaderLen);
  return buffered_ < kHeaderLen + parse_header(h).length;
}

void record_reader::peek(size_t at, uint8_t* out, size_t n) const {
  uint32_t i = head_;
  size_t off = head_off_ + at;
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

void record_reader::take(size_t n, byte_view* pieces, uint32_t* piece_count, uint8_t* copy_to,
                         uint64_t* released, uint32_t* released_count) {
  buffered_ -= n;
  while (n > 0 || (count_ > 0 && head_off_ == ring_[head_].len)) {
    segment& s = ring_[head_];
    size_t k = s.len - head_off_;
    if (k > n) k = n;
    if (k > 0) {
      if (pieces) pieces[(*piece_count)++] = {s.data + head_off_, static_cast<uint32_t>(k)};
      if (copy_to) {
        std::memcpy(copy_to, s.data + head_off_, k);
        copy_to += k;
      }
      head_off_ += static_cast<uint32_t>(k);
      n -= k;
    }
    if (head_off_ == s.len) {  // segment emptied (also a zero-length one)
      released[(*released_count)++] = s.cookie;
      head_ = (head_ + 1) % kMaxSegments;
      --count_;
      head_off_ = 0;
      if (count_ == 0) break;
    }
  }
}

record_reader::cut_result record_reader::cut(record_parts& out, byte_view* pieces, uint64_t* released,
                                             alert_description* alert) {
  if (closed() || buffered_ < kHeaderLen) return cut_result::none;
  peek(0, out.header, kHeaderLen);
  const record_header h = parse_header(out.header);
  if (auto bad = check_header(keys_.version, h)) {
    *alert = *bad;
    stream_failed_ = true;
    return cut_result::error;
  }
  if (buffered_ < kHeaderLen + h.length) return cut_result::none;
  if (seq_.exhausted) return cut_result::exhausted;

  out.piece_count = 0;
  out.released_count = 0;
  size_t cipher = h.length - kTagLen;
  take(kHeaderLen, nullptr, nullptr, nullptr, released, &out.released_count);
  if (keys_.version == protocol_version::tls12) {
    take(kTls12ExplicitNonceLen, nullptr, nullptr, out.explicit_nonce, released, &out.released_count);
    cipher -= kTls12ExplicitNonceLen;
  }
  out.cipher_len = static_cast<uint32_t>(cipher);
  take(cipher, pieces, &out.piece_count, nullptr, released, &out.released_count);
  // The tag: point at it where it lies whole in one segment, else copy it.
  const segment& s = ring_[head_];
  if (s.len - head_off_ >= kTagLen) {
    out.tag = s.data + head_off_;
    take(kTagLen, nullptr, nullptr, nullptr, released, &out.released_count);
  } else {
    out.tag = out.tag_copy;
    take(kTagLen, nullptr, nullptr, out.tag_copy, released, &out.released_count);
  }
  return cut_result::record;
}

uint32_t record_reader::coalesce(const segment& dst, uint64_t* released) {
  if (dst.len < buffered_) return 0;
  const size_t n = buffered_;
  uint32_t released_count = 0;
  // Copies the bytes out; take() releases every emptied segment, trailing
  // zero-length ones included.
  take(n, nullptr, nullptr, dst.data, released, &released_count);
  clear_ring();
  ring_[0] = {dst.data, static_cast<uint32_t>(n), dst.cookie};
  count_ = 1;
  buffered_ = n;
  return released_count;
}

uint32_t record_reader::drain(uint64_t* released) {
  uint32_t n = 0;
  for (uint32_t i = 0; i < count_; ++i) released[n++] = ring_[(head_ + i) % kMaxSegments].cookie;
  clear_ring();
  wipe(key_);
  wipe(keys_);
  seq_ = {};
  state_ = state::closed;
  return n;
}

}  // namespace sstpgw::tls
