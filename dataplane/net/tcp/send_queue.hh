// A connection's send buffer: the bytes from SND.UNA on (sent-unacknowledged,
// then unsent) as a singly linked list of mbuf segments, never copied once
// queued. Transmission takes references to slices (indirect mbufs) or copies
// small slices; an ACK frees whole segments and trims the first one.
//
// Ownership: append_chain() takes the chain; the queue frees every segment on
// ack() or clear(). Segments the application handed over must not be written
// by it afterwards (the NIC may still be reading them through references).
#pragma once

#include <rte_mbuf.h>

#include <cstdint>

namespace sstpgw::tcp {

class send_queue {
 public:
  uint32_t bytes() const { return bytes_; }
  bool empty() const { return bytes_ == 0; }

  // Links the chain at the tail (empty segments are freed). Takes ownership.
  void append_chain(rte_mbuf* chain);

  // Copies up to len bytes into the tail segment's room and new segments from
  // pool. Returns how many bytes were queued (< len only when the pool is empty).
  uint32_t append_bytes(rte_mempool* pool, const uint8_t* data, uint32_t len);

  // Drops n bytes from the front (acknowledged).
  void ack(uint32_t n);

  // The segment holding byte `offset` (relative to the front) and the offset
  // inside it. offset < bytes().
  rte_mbuf* locate(uint32_t offset, uint32_t& offset_in_seg);

  // Copies len bytes starting at offset into out.
  void copy_out(uint32_t offset, uint32_t len, uint8_t* out);

  void clear();

 private:
  rte_mbuf* head_ = nullptr;
  rte_mbuf* tail_ = nullptr;
  uint32_t bytes_ = 0;
  bool tail_is_ours_ = false;  // tail came from append_bytes: its tailroom is ours to fill
  rte_mbuf* cur_ = nullptr;    // locate() cache: a segment and its offset from the front
  uint32_t cur_start_ = 0;
};

}  // namespace sstpgw::tcp
