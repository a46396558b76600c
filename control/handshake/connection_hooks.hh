// How OpenSSL's context-wide callbacks reach the connection they are about.
// The keylog and certificate-verify callbacks can only be set on the SSL_CTX;
// each SSL carries a pointer (ex_data) to the object that handles its events.
// Internal to control/handshake.
#pragma once

#include <openssl/ssl.h>

#include <string_view>

namespace sstpgw::handshake {

class keylog_file;

class connection_hooks {
 public:
  // One NSS key log line from OpenSSL (no newline).
  virtual void on_keylog_line(std::string_view line) = 0;
  // The whole peer chain is to be verified: run X509_verify_cert and decide.
  // Returns 1 to accept, 0 to reject (with the store context's error set).
  virtual int on_verify_peer(X509_STORE_CTX* store_ctx) = 0;

 protected:
  ~connection_hooks() = default;
};

// Installs the keylog and certificate-verify callbacks on ctx; lines are also
// appended to keylog (may be null) which must outlive ctx's connections.
void install_connection_hooks(SSL_CTX* ctx, keylog_file* keylog);
// Routes ssl's callbacks to hooks (null detaches).
void attach_connection_hooks(SSL* ssl, connection_hooks* hooks);

}  // namespace sstpgw::handshake
