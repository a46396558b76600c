// Verification of a client certificate chain (leaf + the intermediates the client
// presented in its TLS handshake) against the trusted roots and the revocation
// list, Azure point-to-site style. The checks, in the order a failure is reported:
//
//  1. OpenSSL's X509_verify_cert (no purpose set, time = `now`): the chain builds
//     to a trusted root, every issuer is a CA and path lengths hold, every
//     signature verifies, every certificate, root included, is within its validity
//     period. A trusted root need not be self-signed: an uploaded intermediate
//     anchors a chain too (X509_V_FLAG_PARTIAL_CHAIN);
//  2. the leaf is not itself one of the trusted roots;
//  3. no certificate of the chain (leaf, intermediates, root) is on the revocation
//     list, so revoking an intermediate's thumbprint cuts off everything it issued;
//  4. the leaf carries the clientAuth extended key usage, explicitly. A leaf with
//     no EKU extension at all is refused: RFC 5280 would read it as "any
//     purpose", but Azure documents clientAuth as required for P2S client
//     certificates and Windows' EAP-TLS client only offers certificates that have
//     it, so a certificate without it is a mistake, not a client. An
//     intermediate (or the root) that has an EKU extension must allow clientAuth
//     (or anyExtendedKeyUsage): Windows intersects EKUs down the chain.
//
// The result names the failed check in one line, and on success the root the chain
// anchored to, so the session layer can track sessions by root.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "control/certs/store_files.hh"
#include "control/certs/thumbprint.hh"
#include "control/common/ossl.hh"

namespace sstpgw::certs {

// Longest chain accepted, leaf and root included.
inline constexpr int kMaxChainLength = 8;

// What a live session keeps about the certificate it authenticated with; enough
// to decide later whether a root removal or a revocation concerns it.
struct session_credentials {
  thumbprint root;                // the trusted root the chain anchored to
  thumbprint leaf;                // the client certificate
  std::vector<thumbprint> chain;  // leaf first, root last
  int64_t not_after = 0;          // earliest notAfter of the chain (Unix seconds)
  std::string leaf_subject;
};

enum class verify_status {
  ok,
  no_certificate,       // no leaf was presented
  untrusted_root,       // the chain does not end at a trusted root
  leaf_is_root,         // the "client" certificate is one of the trusted roots
  expired,              // a chain member's notAfter is past
  not_yet_valid,        // a chain member's notBefore is in the future
  bad_signature,        // a signature in the chain does not verify
  invalid_chain,        // an issuer is not a CA, path length, critical extension, malformed
  no_eku,               // the leaf has no extended key usage extension
  missing_client_auth,  // the leaf's EKU does not include clientAuth
  issuer_eku,           // an issuer's EKU does not allow clientAuth
  revoked,              // a chain member's thumbprint is on the revocation list
};
std::string_view to_string(verify_status s);

struct verify_result {
  verify_status status = verify_status::no_certificate;
  std::string reason;               // one line, for the log and the operator
  session_credentials credentials;  // complete when ok(); leaf thumbprint whenever a leaf was given
  std::string root_name;            // display name of the anchoring root when ok()

  bool ok() const { return status == verify_status::ok; }
};

// An X509_STORE holding exactly these roots, as trust anchors.
ossl::x509_store_ptr make_anchor_store(const std::vector<trusted_root>& roots);

// Runs the checks above. `anchors` must hold the certificates of `roots`.
// `intermediates` may be null, and may contain the leaf or the root again.
verify_result verify_client_chain(X509_STORE* anchors, const std::vector<trusted_root>& roots,
                                  const std::set<thumbprint>& revoked, X509* leaf,
                                  STACK_OF(X509) * intermediates, int64_t now);

}  // namespace sstpgw::certs
