// Record keys for the worker's record engine from a finished handshake, in the
// kTLS-shaped contract of dataplane/tls/keys.hh. Pure functions of the secrets:
// the endpoint gathers the inputs from OpenSSL (tls_endpoint.cc).
//
// Sequence numbers at the handoff (OpenSSL has no getter for them):
//  - TLS 1.3: application traffic keys start at sequence 0 in both directions;
//    no NewSessionTicket is ever sent (num_tickets 0), so nothing used them.
//  - TLS 1.2: each direction's Finished was record 0 under the new keys, so the
//    first application record is sequence 1 in both directions.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "control/handshake/ssl_context.hh"
#include "dataplane/tls/keys.hh"

namespace sstpgw::handshake {

// Both directions, from our side's point of view.
struct offload_keys {
  tls::traffic_keys read;   // opens what the peer sends: the peer's write keys
  tls::traffic_keys write;  // seals what we send
};
void wipe(offload_keys& k);

// TLS 1.3 (RFC 8446 §7.3): key/iv = HKDF-Expand-Label(secret, "key"/"iv"), with
// client_application_traffic_secret_0 and server_application_traffic_secret_0.
// Each secret must be Hash.length of the suite. False + error on failure.
bool keys_from_tls13_secrets(tls::aead_algorithm aead, tls_role us, std::span<const uint8_t> client_secret,
                             std::span<const uint8_t> server_secret, offload_keys& out, std::string& error);

// TLS 1.2 (RFC 5246 §6.3, RFC 5288 §3): key_block = PRF(master_secret,
// "key expansion", server_random + client_random) with the suite's hash,
// split into client_write_key, server_write_key, client_write_IV[4],
// server_write_IV[4] (AEAD suites have no MAC keys). The master secret is the
// extended one when the handshake used RFC 7627; the formula is the same.
bool keys_from_tls12_master(tls::aead_algorithm aead, tls_role us, std::span<const uint8_t> master_secret,
                            std::span<const uint8_t> client_random, std::span<const uint8_t> server_random,
                            offload_keys& out, std::string& error);

// PRF(secret, label, seed) of TLS 1.2 with SHA-256 or SHA-384 (OpenSSL's TLS1-PRF KDF).
bool tls12_prf(tls::suite_hash hash, std::span<const uint8_t> secret, std::string_view label,
               std::span<const uint8_t> seed, std::span<uint8_t> out);

}  // namespace sstpgw::handshake
