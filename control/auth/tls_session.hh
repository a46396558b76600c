// The TLS engine EAP-TLS drives: records in, records out, no sockets.
// endpoint_tls_session implements it on control/handshake's tls_endpoint
// (records kept in OpenSSL); eap_tls_context.hh makes the sessions.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sstpgw::auth {

enum class tls_state : uint8_t { handshaking, established, failed };

class tls_session {
 public:
  virtual ~tls_session() = default;

  // Client: produces the ClientHello (into take_output()); server: nothing.
  virtual void start() = 0;
  // TLS records from the peer (one reassembled EAP-TLS message). Runs the
  // handshake as far as they allow; after it, collects application data.
  virtual void feed(std::span<const uint8_t> records) = 0;
  // Records for the peer (handshake messages, alerts, application data), drained.
  virtual std::vector<uint8_t> take_output() = 0;

  virtual tls_state state() const = 0;
  // Which check failed: certificate verification (with depth and subject), no
  // peer certificate, an alert from the peer, a protocol error. "" unless failed.
  virtual std::string failure_reason() const = 0;
  // The negotiated protocol version on the wire (0x0303 TLS 1.2, 0x0304 TLS 1.3); 0 before.
  virtual uint16_t version() const = 0;

  // RFC 5705 / RFC 8446 §7.5 exporter. use_context=false exports without a
  // context (RFC 5216's TLS <= 1.2 PRF); true includes `context` (RFC 9190).
  virtual bool export_keying_material(std::span<uint8_t> out, std::string_view label,
                                      std::span<const uint8_t> context, bool use_context) = 0;

  // Application data after the handshake (TLS 1.3 protected success indication).
  virtual void write_app(std::span<const uint8_t> data) = 0;
  virtual std::vector<uint8_t> read_app() = 0;

  // The peer certificate's subject (one line), "" if none: for the log.
  virtual std::string peer_subject() const = 0;
};

inline constexpr uint16_t kTls12 = 0x0303;
inline constexpr uint16_t kTls13 = 0x0304;

}  // namespace sstpgw::auth
