// Queues records in a seal_batch in each of the buffer layouts a worker may
// use, and reassembles the wire bytes afterwards.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include "dataplane/tls/seal_batch.hh"

namespace sstpgw::tls::test {

enum class layout : int {
  copy,           // add(): plaintext elsewhere, record into a fresh buffer
  in_place,       // add(): plaintext already at out + header_room()
  pieces,         // add(): plaintext in several pieces elsewhere (SGL)
  segment,        // add_in_place(): one segment with head/tail room
  chain,          // add_in_place(): several segments (SGL across them)
  count_,
};

class sealer {
 public:
  // Queues one record; returns its status (queued or a refusal).
  seal_status add(seal_batch& b, record_writer& w, uint32_t conn, content_type type,
                  const std::vector<uint8_t>& content, layout l, std::mt19937_64& rng) {
    entry e;
    e.l = l;
    const size_t hr = w.header_room(), tr = w.tail_room(), n = content.size();
    seal_status st;
    switch (l) {
      case layout::copy: {
        e.src.push_back(std::make_unique<uint8_t[]>(n + 1));
        std::memcpy(e.src[0].get(), content.data(), n);
        e.out = std::make_unique<uint8_t[]>(w.record_size(n));
        st = b.add(w, conn, type, std::span<const uint8_t>(e.src[0].get(), n), {e.out.get(), w.record_size(n)});
        break;
      }
      case layout::in_place: {
        e.out = std::make_unique<uint8_t[]>(w.record_size(n));
        std::memcpy(e.out.get() + hr, content.data(), n);
        st = b.add(w, conn, type, std::span<const uint8_t>(e.out.get() + hr, n), {e.out.get(), w.record_size(n)});
        break;
      }
      case layout::pieces: {
        std::vector<const_view> views;
        size_t at = 0;
        while (at < n) {
          const size_t k = std::min(n - at, size_t{1} + rng() % (n / 3 + 1));
          e.src.push_back(std::make_unique<uint8_t[]>(k));
          std::memcpy(e.src.back().get(), content.data() + at, k);
          views.push_back({e.src.back().get(), static_cast<uint32_t>(k)});
          at += k;
        }
        e.out = std::make_unique<uint8_t[]>(w.record_size(n));
        st = b.add(w, conn, type, views, {e.out.get(), w.record_size(n)});
        break;
      }
      case layout::segment: {
        e.out = std::make_unique<uint8_t[]>(w.record_size(n));
        std::memcpy(e.out.get() + hr, content.data(), n);
        const segment s{e.out.get() + hr, static_cast<uint32_t>(n), 0};
        st = b.add_in_place(w, conn, type, {&s, 1});
        break;
      }
      default: {  // chain: first segment has head room, last has tail room
        size_t at = 0;
        do {
          const size_t k = std::min(n - at, size_t{1} + rng() % (n / 3 + 1));
          const bool first = at == 0, last = at + k == n;
          e.src.push_back(std::make_unique<uint8_t[]>((first ? hr : 0) + k + (last ? tr : 0)));
          uint8_t* d = e.src.back().get() + (first ? hr : 0);
          std::memcpy(d, content.data() + at, k);
          e.chain.push_back({d, static_cast<uint32_t>(k), 0});
          at += k;
        } while (at < n);
        st = b.add_in_place(w, conn, type, e.chain);
        e.hr = hr;
        e.tr = tr;
        break;
      }
    }
    if (st == seal_status::queued) entries_.push_back(std::move(e));
    return st;
  }

  // After run(): the i-th queued record's wire bytes (empty if not ok).
  std::vector<uint8_t> bytes(const seal_batch& b, std::span<const sealed_record> res, size_t i) const {
    (void)b;
    const entry& e = entries_[i];
    const sealed_record& r = res[i];
    if (!r.ok) return {};
    if (e.l != layout::chain) return {r.record, r.record + r.length};
    std::vector<uint8_t> v(e.chain[0].data - r.header_len, e.chain[0].data);
    for (const auto& s : e.chain) v.insert(v.end(), s.data, s.data + s.len);
    const auto& last = e.chain.back();
    v.insert(v.end(), last.data + last.len, last.data + last.len + r.trailer_len);
    return v;
  }

  void clear() { entries_.clear(); }
  size_t size() const { return entries_.size(); }

 private:
  struct entry {
    layout l;
    std::vector<std::unique_ptr<uint8_t[]>> src;
    std::unique_ptr<uint8_t[]> out;
    std::vector<segment> chain;
    size_t hr = 0, tr = 0;
  };
  std::vector<entry> entries_;
};

}  // namespace sstpgw::tls::test
