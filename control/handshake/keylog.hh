// NSS key log format (the SSLKEYLOGFILE format Wireshark/tshark read):
//   <LABEL> <client_random, 64 hex> <secret, hex>
// OpenSSL's keylog callback produces these lines; we parse the two TLS 1.3
// application traffic secrets from them (for the record engine) and, only when
// the operator configured a file, append every line to it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "dataplane/tls/keys.hh"

namespace sstpgw::handshake {

inline constexpr size_t kClientRandomLen = 32;

struct keylog_entry {
  std::string_view label;  // points into the parsed line
  uint8_t client_random[kClientRandomLen] = {};
  uint8_t secret[tls::kMaxSecretLen] = {};
  size_t secret_len = 0;
};

// False unless the line is "<label> <64 hex> <2..96 hex>" (one trailing newline allowed).
bool parse_keylog_line(std::string_view line, keylog_entry& out);
void wipe(keylog_entry& e);

// An append-only key log file, mode 0600. Each line is written with one
// write(2) on an O_APPEND descriptor, so lines from several contexts (or
// processes) sharing a file never interleave.
class keylog_file {
 public:
  // Creates or opens the file for appending and sets mode 0600 (the file holds
  // session secrets). Throws config_error if that fails.
  explicit keylog_file(std::string path);
  ~keylog_file();
  keylog_file(const keylog_file&) = delete;
  keylog_file& operator=(const keylog_file&) = delete;

  // Appends line + "\n". A failed write is logged once, never fatal.
  void append(std::string_view line);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
  bool write_failed_ = false;
};

}  // namespace sstpgw::handshake
