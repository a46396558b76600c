// One TLS connection's handshake over memory BIOs, server or client: bytes from
// the peer go in with feed(), bytes for the peer come out of take_output(). No
// socket, no thread, no clock; the caller moves the bytes (the control thread
// from worker rings, a test from another SSL object, EAP-TLS from EAP packets).
//
// When the handshake is complete the connection continues one of two ways:
//  (a) offload(): the record keys and the ciphertext that arrived behind the
//      handshake are handed to the worker's record engine; OpenSSL is released
//      and never sees another record (SSTP's outer TLS).
//  (b) keep: write_app()/read_app() protect records with OpenSSL over the same
//      BIOs (EAP-TLS inside PPP).
// The first call of either kind fixes the mode.
#pragma once

#include <openssl/x509.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "control/common/ossl.hh"
#include "control/handshake/key_export.hh"
#include "control/handshake/peer_verify.hh"
#include "control/handshake/ssl_context.hh"
#include "control/handshake/tls_alert.hh"

namespace sstpgw::handshake {

enum class handshake_state { in_progress, complete, failed };

struct handshake_failure {
  std::optional<tls_alert> alert;  // the alert sent or received, if any
  bool alert_from_peer = false;
  std::string reason;  // one line, no secrets
  // "no shared cipher (sent handshake_failure(40))"
  std::string describe() const;
};

struct endpoint_options {
  // Decides on the peer's certificate chain (client certificates on a server
  // that requests them; the server's chain on a verifying client).
  // Default: default_peer_verify (OpenSSL's verdict).
  peer_verify_hook verify_peer;
  // Client only: overrides the context's server name (SNI + verified name).
  std::string server_name;
};

// What the worker needs to take the connection over.
struct offload_handoff {
  offload_keys keys;
  // Ciphertext received after the handshake's last record and not consumed by
  // OpenSSL (e.g. the client's first records sent right behind its Finished):
  // the record reader must process these bytes first.
  std::vector<uint8_t> leftover;
};

struct offload_result {
  std::string error;  // empty on success; the endpoint is then failed
  offload_handoff handoff;
  bool ok() const { return error.empty(); }
};

class tls_endpoint {
 public:
  // A client produces its ClientHello here: take_output() right away.
  explicit tls_endpoint(const tls_context& context, endpoint_options options = {});
  ~tls_endpoint();
  tls_endpoint(tls_endpoint&&) noexcept;
  tls_endpoint& operator=(tls_endpoint&&) noexcept;

  // Bytes received from the peer. Before completion they drive the handshake;
  // after it they are held for the chosen mode (leftover for offload, records
  // for read_app). Bytes are never dropped.
  handshake_state feed(std::span<const uint8_t> bytes);
  // Everything that must be sent to the peer so far (handshake flights, alerts,
  // kept-mode records); valid in every state, including failed (the alert).
  std::vector<uint8_t> take_output();
  bool has_output() const;

  handshake_state state() const;
  const handshake_failure& failure() const;  // meaningful when state() == failed
  tls_role role() const;

  // ---- after completion (valid until destruction, also after offload) ----
  tls_version version() const;
  std::string_view cipher_name() const;  // OpenSSL name, "ECDHE-RSA-AES128-GCM-SHA256"
  uint16_t cipher_id() const;            // IANA code point
  // The peer's chain as presented, leaf first (empty if none was sent).
  const std::vector<ossl::x509_ptr>& peer_chain() const;
  // Our own leaf certificate as presented on this connection, DER (SSTP's crypto
  // binding hashes it). Empty for a client that sent no certificate.
  std::span<const uint8_t> own_certificate_der() const;
  // RFC 5705 / RFC 8446 §7.5 exporter; nullopt context means "no context"
  // (different from an empty one in TLS 1.2). Needs the OpenSSL connection:
  // nullopt after offload() or before completion.
  std::optional<std::vector<uint8_t>> export_keying_material(std::string_view label,
                                                             std::optional<std::span<const uint8_t>> context,
                                                             size_t length) const;

  // ---- (a) offload ----
  // Exports the record keys (refusing anything the record engine cannot do),
  // collects the leftover ciphertext, checks OpenSSL consumed no record beyond
  // the handshake, wipes the captured secrets and frees the OpenSSL connection.
  offload_result offload();
  bool offloaded() const;

  // ---- (b) keep ----
  // Protects data as application records; the records appear in take_output().
  // False if not possible (state failed, offloaded, not complete).
  bool write_app(std::span<const uint8_t> data);
  // Opens whatever complete records feed() delivered and appends the plaintext
  // to out; returns the number of bytes appended. A fatal error makes the
  // state failed (e.g. bad_record_mac). Take output afterwards: OpenSSL may
  // answer (KeyUpdate, alerts).
  size_t read_app(std::vector<uint8_t>& out);
  bool peer_closed() const;  // close_notify received
  // Sends close_notify (into take_output()).
  void close();

 private:
  struct impl;
  std::unique_ptr<impl> p_;
};

}  // namespace sstpgw::handshake
