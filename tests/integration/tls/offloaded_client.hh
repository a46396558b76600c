// One plain OpenSSL client (tests/support/openssl_peer: SSL over memory
// BIOs, set up with the OpenSSL API only) against our server: the handshake
// runs in control/handshake's tls_endpoint (offload mode), then our side is
// only the record engine: a record_reader fed the handoff's leftover first,
// and a record_writer. Plus the pieces every OpenSSL-peer test needs: the
// client's wire cut into segments at awkward places, our streams sealed in
// bursts mixing connections, SHA-256.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <limits>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "control/handshake/tls_endpoint.hh"
#include "dataplane/tls/record_writer.hh"
#include "dataplane/tls/seal_batch.hh"
#include "tests/support/handshake_pki.hh"
#include "tests/support/openssl_peer.hh"
#include "tests/support/reader_driver.hh"

namespace sstpgw::tls::integration {

using handshake::tls_version;
using sstpgw::testing::key_kind;

// One cell of the matrix: protocol version x AEAD x server key.
struct cell {
  tls_version version = tls_version::tls1_3;
  aead_algorithm aead = aead_algorithm::aes_128_gcm;
  key_kind key = key_kind::ec_p256;
};
std::string cell_name(const cell& c);   // "TLS13_AES128_ECDSA"
std::string suite_name(const cell& c);  // the one suite our server allows
inline bool is_tls12(const cell& c) { return c.version == tls_version::tls1_2; }

// How the client's first application data travels during the handshake.
struct early_data {
  // Written by the client the moment its handshake is done: TLS 1.3 right
  // behind its Finished; TLS 1.2 after the server's Finished, before we hand off.
  std::vector<uint8_t> bytes;
  // Wire bytes of it the endpoint receives in the same feed as the client's
  // last flight (TLS 1.3) / before offload() (TLS 1.2); the rest is in
  // early_rest and must follow the leftover into the reader.
  size_t wire_to_endpoint = std::numeric_limits<size_t>::max();
};

class offloaded_client {
 public:
  explicit offloaded_client(const cell& c);

  // Handshake + offload + record engine install. Empty on success, else what failed.
  std::string establish(aead_engine& engine, const early_data& early = {},
                        size_t max_fragment = kMaxPlaintext);

  const cell& params() const { return cell_; }

  handshake::testing::openssl_peer client;
  handshake::offload_handoff handoff;       // as exported (the keys are a copy, kept for checks)
  std::vector<uint8_t> client_last_flight;  // TLS 1.2: CKE, CCS, Finished; TLS 1.3: [CCS,] Finished
  std::vector<uint8_t> server_last_flight;  // TLS 1.2: CCS, Finished; TLS 1.3: ServerHello..Finished
  std::vector<uint8_t> early_wire;          // the early data's records, as the client sent them
  std::vector<uint8_t> early_rest;          // the part the endpoint did not see

  test::test_conn rx;  // our reader (role server)
  record_writer tx;    // our writer

 private:
  cell cell_;
  handshake::tls_context context_;
  handshake::tls_endpoint endpoint_;
};

// Cuts the client's wire into segments for the reader. Knows where records
// start across calls, so forced cuts land inside headers, TLS 1.2 explicit
// nonces and tags; max_seg 1 gives 1-byte segments, a large one many records
// per segment.
class wire_cutter {
 public:
  explicit wire_cutter(bool tls12) : tls12_(tls12) {}
  std::deque<std::vector<uint8_t>> cut(const std::vector<uint8_t>& chunk, std::mt19937_64& rng,
                                       size_t max_seg);
  // A segment size for a chunk: 1-byte and tiny ones only while they stay cheap.
  static size_t pick_max_seg(size_t chunk_len, std::mt19937_64& rng);

 private:
  bool tls12_;
  uint64_t pos_ = 0;           // stream bytes before the next chunk
  uint64_t record_start_ = 0;  // of the record whose header is being read
  uint8_t header_[kHeaderLen] = {};
  size_t header_have_ = 0;
  size_t body_left_ = 0;
};

// Writes data with SSL_write in pieces of random size (so the client's
// records vary in size) and returns the client's wire bytes.
std::vector<uint8_t> client_send(handshake::testing::openssl_peer& client, std::span<const uint8_t> data,
                                 std::mt19937_64& rng);

// Our side's application data to several connections: cut into records by
// add_stream, a few records of each connection per burst so bursts mix them.
struct outgoing {
  record_writer* writer = nullptr;
  std::span<const uint8_t> data;
};
std::vector<std::vector<uint8_t>> seal_streams(aead_engine& engine, std::span<const outgoing> streams,
                                               std::mt19937_64& rng);

// One control record from our writer, sealed on its own.
struct sealed_control {
  seal_status status = seal_status::bad_request;
  std::vector<uint8_t> wire;  // empty unless queued and sealed
};
sealed_control seal_alert(aead_engine& engine, record_writer& w, alert_level level, alert_description desc);
sealed_control seal_key_update(aead_engine& engine, record_writer& w, key_update_request request);

std::vector<uint8_t> random_bytes(size_t n, std::mt19937_64& rng);
std::array<uint8_t, 32> sha256(std::span<const uint8_t> data);
std::vector<uint8_t> bytes_of(std::string_view s);

}  // namespace sstpgw::tls::integration
