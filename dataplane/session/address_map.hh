// One worker's client address -> connection slot map for the sessions whose
// data path is up: open addressing with linear probing in a fixed power-of-two
// table (at least twice the slots, so probes stay short), tombstone-free
// deletion by backward shift. Touched by its worker only.
#pragma once

#include <cstdint>
#include <vector>

namespace sstpgw::session {

class address_map {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  explicit address_map(uint32_t capacity) {
    uint32_t n = 16;
    while (n < capacity * 2) n <<= 1;
    keys_.assign(n, 0);
    vals_.assign(n, kNone);
    mask_ = n - 1;
  }

  uint32_t find(uint32_t ip) const {
    for (uint32_t i = hash(ip);; i = (i + 1) & mask_) {
      if (vals_[i] == kNone) return kNone;
      if (keys_[i] == ip) return vals_[i];
    }
  }
  // False if ip is already mapped or the table is full.
  bool insert(uint32_t ip, uint32_t slot) {
    if (size_ + 1 > (mask_ + 1) / 2) return false;
    for (uint32_t i = hash(ip);; i = (i + 1) & mask_) {
      if (vals_[i] == kNone) {
        keys_[i] = ip;
        vals_[i] = slot;
        ++size_;
        return true;
      }
      if (keys_[i] == ip) return false;
    }
  }
  bool erase(uint32_t ip) {
    uint32_t i = hash(ip);
    for (;; i = (i + 1) & mask_) {
      if (vals_[i] == kNone) return false;
      if (keys_[i] == ip) break;
    }
    // Backward-shift the cluster after i so lookups never stop early.
    for (uint32_t j = (i + 1) & mask_; vals_[j] != kNone; j = (j + 1) & mask_) {
      const uint32_t home = hash(keys_[j]);
      const bool movable = i <= j ? (home <= i || home > j) : (home <= i && home > j);
      if (movable) {
        keys_[i] = keys_[j];
        vals_[i] = vals_[j];
        i = j;
      }
    }
    vals_[i] = kNone;
    --size_;
    return true;
  }
  uint32_t size() const { return size_; }

 private:
  uint32_t hash(uint32_t ip) const { return (ip * 0x9e3779b1u) >> 7 & mask_; }
  std::vector<uint32_t> keys_;
  std::vector<uint32_t> vals_;
  uint32_t mask_ = 0;
  uint32_t size_ = 0;
};

}  // namespace sstpgw::session
