// The certificate store: trusted roots (at most 20) and the revocation list of
// SHA-1 thumbprints, as an operator manages them through the control socket
// (`sstpctl cert add|list|remove`, `revoke add|list|remove`), persisted in the state
// directory, and the verification of client chains against them.
//
// Every change is validated, saved atomically, and only then applied in memory, so
// memory and disk never disagree (a failed save leaves both as they were). Then the
// observers hear about it (store_events.hh) so the session layer can disconnect
// the sessions that depended on a removed root or a revoked certificate.
//
// Owned by the control thread; not thread-safe. Time is always a parameter.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "control/certs/chain_verifier.hh"
#include "control/certs/store_events.hh"
#include "control/certs/store_files.hh"
#include "control/common/ossl.hh"
#include "control/state/state_dir.hh"

namespace sstpgw::certs {

// The outcome of an operator command: done, or refused with the reason.
struct store_change {
  bool ok = false;
  std::string message;                // one line: what was done, or why not
  std::vector<std::string> warnings;  // accepted, but worth telling the operator
  std::vector<cert_summary> certs;    // the roots added or removed
};

class cert_store {
 public:
  // In memory only (tests, tools): nothing is loaded or saved.
  cert_store();
  // Persistent: loads roots.json and revoked.json from `dir` (either may be absent:
  // empty). A corrupt file throws state::state_error naming the file and the
  // problem: the gateway must not start with no roots or no revocations because a
  // file was damaged. `dir` must outlive the store.
  explicit cert_store(state::state_dir& dir);

  // Adds the certificate(s) in `input` (PEM, PEM bundle, DER, or Base64 of DER) as
  // trusted roots named `name` (a bundle of k certificates: "name-1".."name-k").
  // All or nothing. Refused: a bad name, unreadable input, a non-CA certificate, a
  // duplicate certificate or name, more than kMaxRoots in total. `now` is used for
  // the "added" time and the validity warnings.
  store_change add_roots(std::string_view name, std::string_view input, int64_t now);
  // Removes a root by display name or by thumbprint (any thumbprint spelling).
  store_change remove_root(std::string_view name_or_thumbprint);
  const std::vector<trusted_root>& roots() const { return roots_; }

  // Adds a thumbprint (any spelling, see parse_thumbprint) with an optional note.
  store_change revoke(std::string_view thumbprint_text, std::string_view note, int64_t now);
  store_change unrevoke(std::string_view thumbprint_text);
  const std::vector<revoked_entry>& revoked() const { return revoked_; }
  bool is_revoked(const thumbprint& t) const { return revoked_set_.count(t) != 0; }

  // Verifies a client chain (see chain_verifier.hh for the checks and their order).
  verify_result verify(X509* leaf, STACK_OF(X509) * intermediates, int64_t now) const;
  // The same with the presented certificates in a span, leaf first.
  verify_result verify(std::span<X509* const> presented, int64_t now) const;

  // Re-checks a live session's credentials against the current store: its root is
  // still trusted, nothing in its chain is revoked, and the chain has not expired
  // at `now`. Statuses: ok, untrusted_root, revoked, expired.
  verify_result still_valid(const session_credentials& creds, int64_t now) const;

  // Observers are called after each saved change, in subscription order. An
  // observer may unsubscribe (itself or others) while being called.
  using subscription = uint64_t;
  subscription subscribe(store_observer observer);
  void unsubscribe(subscription id);

  // Increments on every change; a TLS context built from roots() can compare it.
  uint64_t generation() const { return generation_; }
  // The roots as an X509_STORE of trust anchors (valid until the next change).
  X509_STORE* anchor_store() const { return anchors_.get(); }
  // The roots' subject names for the TLS CertificateRequest; the caller owns the
  // stack (SSL_CTX_set_client_CA_list takes it over). Windows offers the user only
  // client certificates that chain to one of these names.
  STACK_OF(X509_NAME) * make_client_ca_list() const;

 private:
  bool save_roots(const std::vector<trusted_root>& next, std::string& error);
  bool save_revoked(const std::vector<revoked_entry>& next, std::string& error);
  void set_roots(std::vector<trusted_root> next);
  void set_revoked(std::vector<revoked_entry> next);
  void notify(const store_event& event);

  state::state_dir* dir_ = nullptr;
  std::vector<trusted_root> roots_;
  std::vector<revoked_entry> revoked_;
  std::set<thumbprint> revoked_set_;
  ossl::x509_store_ptr anchors_;
  std::map<subscription, store_observer> observers_;
  subscription next_subscription_ = 1;
  uint64_t generation_ = 0;
};

}  // namespace sstpgw::certs
