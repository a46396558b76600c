// Bounds-checked cursors over byte buffers. A failed read or write makes the
// cursor "bad" (sticky) and yields zeros / writes nothing, so a parser can read a
// whole header and check ok() once, the way picotls decoders do.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "dataplane/common/byte_order.hh"

namespace sstpgw {

class byte_reader {
 public:
  byte_reader(const uint8_t* data, size_t size) : p_(data), end_(data + size) {}
  explicit byte_reader(std::span<const uint8_t> s) : byte_reader(s.data(), s.size()) {}

  bool ok() const { return ok_; }
  size_t remaining() const { return static_cast<size_t>(end_ - p_); }
  bool empty() const { return p_ == end_; }
  const uint8_t* position() const { return p_; }

  uint8_t u8() { return take(1) ? p_[-1] : 0; }
  uint16_t be16() { return take(2) ? load_be16(p_ - 2) : 0; }
  uint32_t be24() { return take(3) ? load_be24(p_ - 3) : 0; }
  uint32_t be32() { return take(4) ? load_be32(p_ - 4) : 0; }
  uint64_t be64() { return take(8) ? load_be64(p_ - 8) : 0; }
  uint16_t le16() { return take(2) ? load_le16(p_ - 2) : 0; }

  // A view of the next n bytes (empty and bad if fewer remain).
  std::span<const uint8_t> bytes(size_t n) {
    if (!take(n)) return {};
    return {p_ - n, n};
  }
  void copy_to(void* out, size_t n) {
    if (take(n)) std::memcpy(out, p_ - n, n);
  }
  void skip(size_t n) { take(n); }
  // A sub-reader over the next n bytes (for length-prefixed fields).
  byte_reader sub(size_t n) {
    auto s = bytes(n);
    byte_reader r(s.data(), s.size());
    r.ok_ = ok_;
    return r;
  }
  void fail() { ok_ = false; }

 private:
  bool take(size_t n) {
    if (!ok_ || remaining() < n) {
      ok_ = false;
      return false;
    }
    p_ += n;
    return true;
  }
  const uint8_t* p_;
  const uint8_t* end_;
  bool ok_ = true;
};

class byte_writer {
 public:
  byte_writer(uint8_t* data, size_t capacity) : begin_(data), p_(data), end_(data + capacity) {}
  explicit byte_writer(std::span<uint8_t> s) : byte_writer(s.data(), s.size()) {}

  bool ok() const { return ok_; }
  size_t size() const { return static_cast<size_t>(p_ - begin_); }
  size_t remaining() const { return static_cast<size_t>(end_ - p_); }
  uint8_t* position() { return p_; }
  std::span<const uint8_t> written() const { return {begin_, size()}; }

  void u8(uint8_t v) {
    if (uint8_t* q = take(1)) *q = v;
  }
  void be16(uint16_t v) {
    if (uint8_t* q = take(2)) store_be16(q, v);
  }
  void be24(uint32_t v) {
    if (uint8_t* q = take(3)) store_be24(q, v);
  }
  void be32(uint32_t v) {
    if (uint8_t* q = take(4)) store_be32(q, v);
  }
  void be64(uint64_t v) {
    if (uint8_t* q = take(8)) store_be64(q, v);
  }
  void le16(uint16_t v) {
    if (uint8_t* q = take(2)) store_le16(q, v);
  }
  void bytes(const void* src, size_t n) {
    if (uint8_t* q = take(n); q && n) std::memcpy(q, src, n);
  }
  void bytes(std::span<const uint8_t> s) { bytes(s.data(), s.size()); }
  void fill(uint8_t v, size_t n) {
    if (uint8_t* q = take(n); q && n) std::memset(q, v, n);
  }
  // Reserves n bytes to be patched later (e.g. a length field); nullptr if full.
  uint8_t* reserve(size_t n) { return take(n); }

 private:
  uint8_t* take(size_t n) {
    if (!ok_ || remaining() < n) {
      ok_ = false;
      return nullptr;
    }
    uint8_t* q = p_;
    p_ += n;
    return q;
  }
  uint8_t* begin_;
  uint8_t* p_;
  uint8_t* end_;
  bool ok_ = true;
};

}  // namespace sstpgw
