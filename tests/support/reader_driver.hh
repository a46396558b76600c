// Drives record_readers the way a worker would: copies each segment into its
// own heap buffer (so ASan sees every overread), feeds connections in TCP
// order, opens bursts mixing connections, frees each buffer exactly when the
// reader hands its cookie back, and coalesces when a reader's ring fills.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include "dataplane/tls/open_batch.hh"
#include "dataplane/tls/record_reader.hh"

namespace sstpgw::tls::test {

struct opened {
  open_verdict verdict;
  content_type type;
  alert_description alert;
  bool reply_key_update;
  bool reply_warning;
  std::vector<uint8_t> content;
};

struct test_conn {
  record_reader reader;
  std::deque<std::vector<uint8_t>> to_feed;  // segments not fed yet
  std::vector<opened> results;
  std::vector<uint8_t> app_data;  // all application data, concatenated
  bool drained = false;

  opened& last() { return results.back(); }
};

// Cuts a byte stream into segments. Sizes are drawn from `max_seg` (1 gives
// 1-byte segments); `cuts` adds forced cut points (e.g. inside headers).
inline std::deque<std::vector<uint8_t>> cut_stream(const std::vector<uint8_t>& s, std::mt19937_64& rng,
                                                   size_t max_seg, const std::vector<size_t>& cuts = {},
                                                   bool empty_segments = false) {
  std::deque<std::vector<uint8_t>> out;
  size_t at = 0;
  size_t ci = 0;
  while (at < s.size()) {
    size_t n = 1 + rng() % max_seg;
    while (ci < cuts.size() && cuts[ci] <= at) ++ci;
    if (ci < cuts.size() && cuts[ci] < at + n) n = cuts[ci] - at;
    if (n > s.size() - at) n = s.size() - at;
    out.emplace_back(s.begin() + static_cast<std::ptrdiff_t>(at), s.begin() + static_cast<std::ptrdiff_t>(at + n));
    at += n;
    if (empty_segments && rng() % 4 == 0) out.emplace_back();
  }
  return out;
}

class reader_driver {
 public:
  explicit reader_driver(aead_engine& e) : engine_(e) {}
  ~reader_driver() { EXPECT_TRUE(live_.empty()) << live_.size() << " segment buffers never released"; }

  // Runs until every connection has fed everything and no record is left.
  void pump(const std::vector<test_conn*>& conns) {
    for (;;) {
      bool fed = false;
      for (auto* c : conns) fed |= feed_some(*c);
      bool collected = false;
      for (uint32_t i = 0; i < conns.size() && !batch.full(); ++i)
        collected |= batch.collect(conns[i]->reader, i) > 0;
      if (batch.size() > 0) run(conns);
      if (!fed && !collected) break;
    }
  }

  // Returns a closed reader's remaining segments (and frees them).
  void drain(test_conn& c) {
    uint64_t cookies[record_reader::kMaxSegments];
    const uint32_t n = c.reader.drain(cookies);
    release(cookies, n);
    c.drained = true;
  }

  size_t live_buffers() const { return live_.size(); }
  open_batch batch;
  uint64_t coalesces = 0;

 private:
  segment make(const std::vector<uint8_t>& bytes) {
    auto buf = std::make_unique<uint8_t[]>(bytes.size() + 1);
    std::copy(bytes.begin(), bytes.end(), buf.get());
    const uint64_t cookie = next_cookie_++;
    segment s{buf.get(), static_cast<uint32_t>(bytes.size()), cookie};
    live_[cookie] = std::move(buf);
    return s;
  }
  void release(const uint64_t* cookies, uint32_t n) {
    for (uint32_t i = 0; i < n; ++i) {
      auto it = live_.find(cookies[i]);
      ASSERT_NE(it, live_.end()) << "cookie released twice or unknown: " << cookies[i];
      live_.erase(it);
    }
  }

  bool feed_some(test_conn& c) {
    bool any = false;
    while (!c.to_feed.empty()) {
      const segment s = make(c.to_feed.front());
      const feed_status st = batch.feed(c.reader, s);
      if (st == feed_status::ring_full) {
        live_.erase(s.cookie);
        if (!c.reader.needs_coalesce()) break;  // open what is buffered first
        auto big = std::vector<uint8_t>(c.reader.buffered_bytes());
        const segment dst = make(big);
        uint64_t cookies[record_reader::kMaxSegments];
        const uint32_t n = batch.coalesce(c.reader, dst, cookies);
        EXPECT_GT(n, 0u);
        release(cookies, n);
        ++coalesces;
        any = true;
        continue;
      }
      if (st == feed_status::closed) live_.erase(s.cookie);  // the caller keeps it: free now
      c.to_feed.pop_front();
      any = true;
    }
    return any;
  }

  void run(const std::vector<test_conn*>& conns) {
    for (const opened_record& r : batch.run(engine_)) {
      test_conn& c = *conns[r.conn];
      EXPECT_EQ(r.reader, &c.reader);
      opened o{r.verdict, r.type, r.alert, r.reply_key_update, r.reply_warning, {}};
      for (const byte_view& v : r.plaintext) o.content.insert(o.content.end(), v.data, v.data + v.len);
      if (r.verdict == open_verdict::data) c.app_data.insert(c.app_data.end(), o.content.begin(), o.content.end());
      c.results.push_back(std::move(o));
      // Plaintext copied: the segments released with this record may go.
      release(r.released.data(), static_cast<uint32_t>(r.released.size()));
    }
    batch.clear();
    for (auto* c : conns)
      if (c->reader.closed() && !c->drained) {
        // A closed reader holds its last segments until drained.
        uint64_t cookies[record_reader::kMaxSegments];
        const uint32_t n = c->reader.drain(cookies);
        release(cookies, n);
        c->drained = true;
      }
  }

  aead_engine& engine_;
  std::map<uint64_t, std::unique_ptr<uint8_t[]>> live_;
  uint64_t next_cookie_ = 1;
};

}  // namespace sstpgw::tls::test
