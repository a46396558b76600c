// The persisted forms of the trusted roots and the revocation list, and the rules
// an entry must meet whether it comes from an operator command or from disk.
//
//   roots.json    {"format": "sstpgw-roots", "version": 1, "roots": [
//                   {"name", "sha1", "subject", "not_after", "added_at", "der_base64"}]}
//   revoked.json  {"format": "sstpgw-revoked", "version": 1, "revoked": [
//                   {"thumbprint", "name", "added_at"}]}
//
// "subject" and "not_after" are for a human reading the file; "sha1" is checked
// against the certificate so a hand edit that mixed up entries is caught.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "control/certs/cert_summary.hh"
#include "control/certs/thumbprint.hh"
#include "control/common/ossl.hh"

namespace sstpgw::certs {

// Like the managed service this replaces: at most 20 trusted roots.
inline constexpr size_t kMaxRoots = 20;
// Bounds memory and the state file (about 100 bytes an entry).
inline constexpr size_t kMaxRevoked = 10000;
inline constexpr const char* kRootsFile = "roots.json";
inline constexpr const char* kRevokedFile = "revoked.json";

struct trusted_root {
  std::string name;
  ossl::x509_ptr cert;
  cert_summary summary;
  int64_t added_at = 0;  // Unix seconds
};

struct revoked_entry {
  thumbprint sha1;
  std::string name;  // optional note, e.g. whose certificate it was
  int64_t added_at = 0;
};

// "" if `name` is a valid root display name, else the reason: 1-64 characters of
// letters, digits, space, '.', '_', '-', '(', ')', not starting or ending with a
// space, and not 40 hex digits (it would read as a thumbprint in "remove").
std::string root_name_problem(std::string_view name);
// "" if `cert` may be a trust anchor, else the reason. It must be a CA
// (basicConstraints CA:TRUE, or a v1 self-signed root): a non-CA certificate can
// never verify a client chain, so accepting it would only hide a mistake.
std::string root_cert_problem(X509* cert);
// "" if `note` is a valid revocation note: up to 128 bytes, no control characters.
std::string revocation_note_problem(std::string_view note);

// Parse and validate; throw state::state_error naming `label` and the entry.
std::vector<trusted_root> parse_roots(std::string_view label, std::string_view bytes);
std::vector<revoked_entry> parse_revoked(std::string_view label, std::string_view bytes);

std::string serialize_roots(const std::vector<trusted_root>& roots);
std::string serialize_revoked(const std::vector<revoked_entry>& revoked);

}  // namespace sstpgw::certs
