// Borrowed byte segments: the record layer's view of the caller's buffers.
// One segment maps 1:1 onto one rte_mbuf chain segment (data pointer, data
// length) plus an opaque cookie the caller uses to release its buffer (the mbuf
// pointer, a pool index...). The record layer never allocates or frees them; it
// reads and decrypts in place and hands the cookie back when it no longer needs
// the bytes.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sstpgw::tls {

// A writable, borrowed buffer with the caller's release cookie.
struct segment {
  uint8_t* data = nullptr;
  uint32_t len = 0;
  uint64_t cookie = 0;
};

// A contiguous piece of a record (plaintext after opening): points into a
// segment the caller gave us.
struct byte_view {
  uint8_t* data = nullptr;
  uint32_t len = 0;
};

// A read-only piece of plaintext to seal (may live anywhere).
struct const_view {
  const uint8_t* data = nullptr;
  uint32_t len = 0;
};

}  // namespace sstpgw::tls
