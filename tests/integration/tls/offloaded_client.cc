#include "tests/integration/tls/offloaded_client.hh"

#include <openssl/evp.h>

#include <algorithm>

#include "dataplane/common/byte_order.hh"

namespace sstpgw::tls::integration {
namespace {

using handshake::handshake_state;
using handshake::testing::kServerName;
using handshake::testing::peer_config;
using handshake::testing::pki_for;

peer_config client_config(const cell& c) {
  return {.server = false,
          .min_version = static_cast<int>(c.version),
          .max_version = static_cast<int>(c.version),
          .trust_root = pki_for(c.key).root.cert.get(),
          .verify_peer = true,
          .server_name = kServerName};
}

handshake::tls_context server_context(const cell& c) {
  auto config = handshake::testing::server_config(pki_for(c.key));
  config.protocol.min_version = config.protocol.max_version = c.version;
  if (is_tls12(c))
    config.protocol.tls12_ciphers = {suite_name(c)};
  else
    config.protocol.tls13_ciphersuites = {suite_name(c)};
  return handshake::tls_context::make_server(config);
}

template <class T>
void append(std::vector<T>& to, const std::vector<T>& from) {
  to.insert(to.end(), from.begin(), from.end());
}

}  // namespace

std::string cell_name(const cell& c) {
  return std::string(is_tls12(c) ? "TLS12" : "TLS13") +
         (c.aead == aead_algorithm::aes_128_gcm ? "_AES128" : "_AES256") +
         (c.key == key_kind::ec_p256 ? "_ECDSA" : "_RSA");
}

std::string suite_name(const cell& c) {
  const bool aes128 = c.aead == aead_algorithm::aes_128_gcm;
  if (!is_tls12(c)) return aes128 ? "TLS_AES_128_GCM_SHA256" : "TLS_AES_256_GCM_SHA384";
  return std::string("ECDHE-") + (c.key == key_kind::ec_p256 ? "ECDSA" : "RSA") +
         (aes128 ? "-AES128-GCM-SHA256" : "-AES256-GCM-SHA384");
}

offloaded_client::offloaded_client(const cell& c)
    : client(client_config(c)), cell_(c), context_(server_context(c)), endpoint_(context_) {}

std::string offloaded_client::establish(aead_engine& engine, const early_data& early, size_t max_fragment) {
  auto& server = endpoint_;
  if (client.step() != 0) return "OpenSSL client did not start its handshake";
  server.feed(client.take());
  auto first_flight = server.take_output();
  client.put(first_flight);

  auto write_early = [&] {
    if (early.bytes.empty()) return;
    client.write(early.bytes);
    early_wire = client.take();
  };
  const auto fed_early = [&] {
    const size_t n = std::min(early.wire_to_endpoint, early_wire.size());
    early_rest.assign(early_wire.begin() + static_cast<std::ptrdiff_t>(n), early_wire.end());
    return std::vector<uint8_t>(early_wire.begin(), early_wire.begin() + static_cast<std::ptrdiff_t>(n));
  };

  if (is_tls12(cell_)) {
    if (client.step() != 0) return "TLS 1.2 client finished before the server's Finished";
    client_last_flight = client.take();
    if (server.feed(client_last_flight) != handshake_state::complete)
      return "server not complete after the client's Finished: " + server.failure().describe();
    server_last_flight = server.take_output();
    client.put(server_last_flight);
    if (client.step() != 1) return "OpenSSL client did not complete";
    write_early();
    // Arrives after completion, before the keys are handed off: must be held.
    if (const auto part = fed_early(); !part.empty()) server.feed(part);
  } else {
    server_last_flight = std::move(first_flight);
    if (client.step() != 1) return "TLS 1.3 client not done after the server's flight";
    client_last_flight = client.take();
    write_early();
    // The client's Finished and its first records in one feed.
    auto feed = client_last_flight;
    append(feed, fed_early());
    if (server.feed(feed) != handshake_state::complete)
      return "server not complete after the client's Finished: " + server.failure().describe();
    if (server.has_output()) return "server sent something after its Finished (a ticket?)";
  }
  if (server.cipher_name() != suite_name(cell_)) return "negotiated " + std::string(server.cipher_name());

  auto r = server.offload();
  if (!r.ok()) return "offload refused: " + r.error;
  handoff = std::move(r.handoff);
  if (!rx.reader.install(engine, handoff.keys.read, endpoint_role::server)) return "reader install failed";
  if (!tx.install(engine, handoff.keys.write, max_fragment)) return "writer install failed";
  return {};
}

std::deque<std::vector<uint8_t>> wire_cutter::cut(const std::vector<uint8_t>& chunk, std::mt19937_64& rng,
                                                  size_t max_seg) {
  std::vector<size_t> cuts;
  const auto want = [&](uint64_t abs) {
    if (abs > pos_ && abs < pos_ + chunk.size() && rng() % 2 == 0) cuts.push_back(abs - pos_);
  };
  size_t i = 0;
  while (i < chunk.size()) {
    if (body_left_ == 0) {
      if (header_have_ == 0) record_start_ = pos_ + i;
      header_[header_have_++] = chunk[i++];
      if (header_have_ < kHeaderLen) continue;
      header_have_ = 0;
      body_left_ = load_be16(header_ + 3);
      const uint64_t end = record_start_ + kHeaderLen + body_left_;
      want(record_start_ + 1 + rng() % (kHeaderLen - 1));  // inside the header
      if (tls12_) want(record_start_ + kHeaderLen + 1 + rng() % (kTls12ExplicitNonceLen - 1));  // nonce
      want(end - 1 - rng() % (kTagLen - 1));                                                    // tag
      want(end);  // exactly at the next record
      continue;
    }
    const size_t k = std::min(body_left_, chunk.size() - i);
    i += k;
    body_left_ -= k;
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  auto out = test::cut_stream(chunk, rng, max_seg, cuts);
  pos_ += chunk.size();
  return out;
}

size_t wire_cutter::pick_max_seg(size_t chunk_len, std::mt19937_64& rng) {
  static constexpr size_t kSmall[] = {1, 13, 536, 1460, 65536};
  static constexpr size_t kLarge[] = {536, 1460, 9000, 65536};
  static constexpr size_t kHuge[] = {1460, 9000, 65536};
  if (chunk_len <= size_t{48} * 1024) return kSmall[rng() % std::size(kSmall)];
  if (chunk_len <= size_t{2} * 1024 * 1024) return kLarge[rng() % std::size(kLarge)];
  return kHuge[rng() % std::size(kHuge)];
}

std::vector<uint8_t> client_send(handshake::testing::openssl_peer& client, std::span<const uint8_t> data,
                                 std::mt19937_64& rng) {
  std::vector<uint8_t> wire;
  size_t at = 0;
  while (at < data.size()) {
    // Mostly full records, sometimes odd sizes and a write of more than one record.
    static constexpr size_t kMax[] = {16384, 16385, 40000, 1200, 7};
    const size_t max = kMax[rng() % std::size(kMax)];  // one draw per statement: reproducible
    const size_t n = std::min(data.size() - at, 1 + rng() % max);
    client.write(data.subspan(at, n));
    at += n;
    append(wire, client.take());
  }
  return wire;
}

std::vector<std::vector<uint8_t>> seal_streams(aead_engine& engine, std::span<const outgoing> streams,
                                               std::mt19937_64& rng) {
  std::vector<std::vector<uint8_t>> wire(streams.size());
  std::vector<size_t> at(streams.size(), 0);
  // One output buffer per burst slot, each big enough for a full record.
  std::vector<std::vector<uint8_t>> buffers(kBurst, std::vector<uint8_t>(kMaxRecordLen));
  std::vector<std::span<uint8_t>> out;
  seal_batch batch;
  for (size_t pass = 0;; ++pass) {
    bool left = false;
    uint32_t used = 0;
    // Each pass starts at another connection, so none waits behind the others.
    for (size_t j = 0; j < streams.size() && used < kBurst; ++j) {
      const size_t i = (pass + j) % streams.size();
      const outgoing& s = streams[i];
      if (at[i] == s.data.size()) continue;
      const uint32_t records = std::min<uint32_t>(kBurst - used, 1 + static_cast<uint32_t>(rng() % 4));
      out.clear();
      for (uint32_t k = 0; k < records; ++k) out.emplace_back(buffers[used + k]);
      const const_view rest{s.data.data() + at[i], static_cast<uint32_t>(s.data.size() - at[i])};
      const auto r = batch.add_stream(*s.writer, static_cast<uint32_t>(i), content_type::application_data,
                                      {&rest, 1}, out);
      EXPECT_TRUE(r.status == seal_status::queued || r.status == seal_status::full)
          << static_cast<int>(r.status);
      if (r.records == 0) {
        ADD_FAILURE() << "add_stream queued nothing for connection " << i;
        return wire;
      }
      at[i] += r.bytes;
      used += r.records;
    }
    for (size_t i = 0; i < streams.size(); ++i) left |= at[i] < streams[i].data.size();
    for (const sealed_record& r : batch.run(engine)) {
      EXPECT_TRUE(r.ok);
      wire[r.conn].insert(wire[r.conn].end(), r.record, r.record + r.length);
    }
    batch.clear();
    if (!left) return wire;
  }
}

namespace {

sealed_control run_one(aead_engine& engine, seal_batch& batch, seal_status st, std::vector<uint8_t>& buffer) {
  sealed_control out;
  out.status = st;
  if (st != seal_status::queued) return out;
  for (const sealed_record& r : batch.run(engine)) {
    EXPECT_TRUE(r.ok);
    if (r.ok) out.wire.assign(r.record, r.record + r.length);
  }
  (void)buffer;
  return out;
}

}  // namespace

sealed_control seal_alert(aead_engine& engine, record_writer& w, alert_level level, alert_description desc) {
  seal_batch batch;
  std::vector<uint8_t> buffer(w.record_size(kAlertLen));
  return run_one(engine, batch, batch.add_alert(w, 0, level, desc, buffer), buffer);
}

sealed_control seal_key_update(aead_engine& engine, record_writer& w, key_update_request request) {
  seal_batch batch;
  std::vector<uint8_t> buffer(w.record_size(5));
  return run_one(engine, batch, batch.add_key_update(w, 0, request, buffer), buffer);
}

std::vector<uint8_t> random_bytes(size_t n, std::mt19937_64& rng) {
  std::vector<uint8_t> v(n);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) store_be64(v.data() + i, rng());
  for (; i < n; ++i) v[i] = static_cast<uint8_t>(rng());
  return v;
}

std::array<uint8_t, 32> sha256(std::span<const uint8_t> data) {
  std::array<uint8_t, 32> md{};
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md.data(), &len, EVP_sha256(), nullptr);
  return md;
}

std::vector<uint8_t> bytes_of(std::string_view s) { return {s.begin(), s.end()}; }

}  // namespace sstpgw::tls::integration
