#include "control/certs/chain_verifier.hh"

#include <algorithm>

#include "control/certs/cert_summary.hh"

namespace sstpgw::certs {
namespace {

// Takes the partial result by rvalue reference, not by value: a by-value parameter
// could be moved from before the reason (which may read it) is evaluated.
verify_result fail(verify_status status, std::string reason, verify_result&& r) {
  verify_result out = std::move(r);
  out.status = status;
  out.reason = std::move(reason);
  return out;
}

verify_result fail(verify_status status, std::string reason) { return fail(status, std::move(reason), {}); }

const trusted_root* find_root(const std::vector<trusted_root>& roots, const thumbprint& t) {
  for (const auto& r : roots)
    if (r.summary.sha1 == t) return &r;
  return nullptr;
}

// "client certificate 'CN=x'", "intermediate 'CN=y'", "root 'CN=z'" for messages.
std::string role(X509* cert, int depth, const std::vector<trusted_root>& roots) {
  if (cert == nullptr) return "certificate at depth " + std::to_string(depth);
  std::string who = "'" + short_name(cert) + "'";
  if (depth == 0) return "client certificate " + who;
  if (find_root(roots, sha1_thumbprint(cert)) != nullptr) return "root " + who;
  return "intermediate " + who;
}

verify_result map_openssl_error(X509_STORE_CTX* ctx, const std::vector<trusted_root>& roots,
                                verify_result r) {
  const int err = X509_STORE_CTX_get_error(ctx);
  const int depth = X509_STORE_CTX_get_error_depth(ctx);
  X509* cur = X509_STORE_CTX_get_current_cert(ctx);
  const std::string who = role(cur, depth, roots);
  const std::string detail = X509_verify_cert_error_string(err);
  switch (err) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT: {
      std::string issuer = cur ? name_line(X509_get_issuer_name(cur)) : "?";
      return fail(verify_status::untrusted_root,
                  "chain does not end at a trusted root: issuer '" + issuer + "' of " + who +
                      " is not among the " + std::to_string(roots.size()) + " trusted roots",
                  std::move(r));
    }
    case X509_V_ERR_CERT_HAS_EXPIRED: {
      int64_t t = 0;
      asn1_time_to_unix(X509_get0_notAfter(cur), t);
      return fail(verify_status::expired, who + " expired at " + format_time(t), std::move(r));
    }
    case X509_V_ERR_CERT_NOT_YET_VALID: {
      int64_t t = 0;
      asn1_time_to_unix(X509_get0_notBefore(cur), t);
      return fail(verify_status::not_yet_valid, who + " is not valid before " + format_time(t), std::move(r));
    }
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
    case X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY:
      return fail(verify_status::bad_signature, "signature of " + who + " does not verify (" + detail + ")",
                  std::move(r));
    case X509_V_ERR_CERT_CHAIN_TOO_LONG:
      return fail(verify_status::invalid_chain,
                  "chain is longer than " + std::to_string(kMaxChainLength) + " certificates", std::move(r));
    default:
      return fail(verify_status::invalid_chain, who + ": " + detail, std::move(r));
  }
}

// EKU policy (check 4 in the header).
verify_result check_eku(STACK_OF(X509) * chain, const std::vector<trusted_root>& roots, verify_result r) {
  X509* leaf = sk_X509_value(chain, 0);
  const uint32_t flags = X509_get_extension_flags(leaf);  // also caches the parsed extensions
  if (!(flags & EXFLAG_XKUSAGE))
    return fail(
        verify_status::no_eku,
        "client certificate '" + short_name(leaf) +
            "' has no extended key usage; it needs Client Authentication (clientAuth, 1.3.6.1.5.5.7.3.2)",
        std::move(r));
  if (!(X509_get_extended_key_usage(leaf) & XKU_SSL_CLIENT))
    return fail(verify_status::missing_client_auth,
                "client certificate '" + short_name(leaf) +
                    "' lacks the Client Authentication EKU (clientAuth, 1.3.6.1.5.5.7.3.2)",
                std::move(r));
  for (int i = 1; i < sk_X509_num(chain); ++i) {
    X509* ca = sk_X509_value(chain, i);
    if (!(X509_get_extension_flags(ca) & EXFLAG_XKUSAGE)) continue;
    if (X509_get_extended_key_usage(ca) & (XKU_SSL_CLIENT | XKU_ANYEKU)) continue;
    return fail(verify_status::issuer_eku,
                role(ca, i, roots) + " restricts its extended key usage to purposes without clientAuth",
                std::move(r));
  }
  return r;
}

}  // namespace

std::string_view to_string(verify_status s) {
  switch (s) {
    case verify_status::ok:
      return "ok";
    case verify_status::no_certificate:
      return "no_certificate";
    case verify_status::untrusted_root:
      return "untrusted_root";
    case verify_status::leaf_is_root:
      return "leaf_is_root";
    case verify_status::expired:
      return "expired";
    case verify_status::not_yet_valid:
      return "not_yet_valid";
    case verify_status::bad_signature:
      return "bad_signature";
    case verify_status::invalid_chain:
      return "invalid_chain";
    case verify_status::no_eku:
      return "no_eku";
    case verify_status::missing_client_auth:
      return "missing_client_auth";
    case verify_status::issuer_eku:
      return "issuer_eku";
    case verify_status::revoked:
      return "revoked";
  }
  return "?";
}

ossl::x509_store_ptr make_anchor_store(const std::vector<trusted_root>& roots) {
  ossl::x509_store_ptr store(X509_STORE_new());
  if (!store) return store;
  for (const auto& r : roots) X509_STORE_add_cert(store.get(), r.cert.get());  // takes its own reference
  ERR_clear_error();  // duplicates are reported through the error queue; they cannot happen here
  return store;
}

verify_result verify_client_chain(X509_STORE* anchors, const std::vector<trusted_root>& roots,
                                  const std::set<thumbprint>& revoked, X509* leaf,
                                  STACK_OF(X509) * intermediates, int64_t now) {
  if (leaf == nullptr) return fail(verify_status::no_certificate, "no client certificate was presented");
  verify_result r;
  r.credentials.leaf = sha1_thumbprint(leaf);
  r.credentials.leaf_subject = name_line(X509_get_subject_name(leaf));
  if (roots.empty())
    return fail(verify_status::untrusted_root, "no trusted roots are configured (add one with 'cert add')",
                std::move(r));

  ossl::x509_store_ctx_ptr ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), anchors, leaf, intermediates) != 1)
    return fail(verify_status::invalid_chain, "cannot set up verification: " + ossl::error_string(),
                std::move(r));
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
  X509_VERIFY_PARAM_set_depth(param, kMaxChainLength - 2);  // intermediates between leaf and root
  X509_STORE_CTX_set_time(ctx.get(), 0, static_cast<time_t>(now));

  const int verified = X509_verify_cert(ctx.get());
  ERR_clear_error();
  if (verified != 1) return map_openssl_error(ctx.get(), roots, std::move(r));

  STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(ctx.get());
  const int n = sk_X509_num(chain);
  if (n < 1) return fail(verify_status::invalid_chain, "verification produced an empty chain", std::move(r));
  if (n == 1)
    return fail(verify_status::leaf_is_root,
                "client certificate '" + short_name(leaf) +
                    "' is itself a trusted root; clients need certificates issued by a root",
                std::move(r));

  int64_t earliest_end = INT64_MAX;
  for (int i = 0; i < n; ++i) {
    X509* c = sk_X509_value(chain, i);
    r.credentials.chain.push_back(sha1_thumbprint(c));
    int64_t t = 0;
    if (asn1_time_to_unix(X509_get0_notAfter(c), t)) earliest_end = std::min(earliest_end, t);
  }
  r.credentials.root = r.credentials.chain.back();
  r.credentials.not_after = earliest_end;

  for (int i = 0; i < n; ++i) {
    if (revoked.count(r.credentials.chain[static_cast<size_t>(i)]) == 0) continue;
    return fail(verify_status::revoked,
                role(sk_X509_value(chain, i), i, roots) + " (thumbprint " +
                    r.credentials.chain[static_cast<size_t>(i)].hex() + ") is revoked",
                std::move(r));
  }

  r = check_eku(chain, roots, std::move(r));
  if (!r.reason.empty()) return r;

  const trusted_root* anchor = find_root(roots, r.credentials.root);
  if (anchor == nullptr)  // the store and the list disagree: a bug, never accept
    return fail(verify_status::untrusted_root, "chain anchored to a certificate that is not in the root list",
                std::move(r));
  r.status = verify_status::ok;
  r.root_name = anchor->name;
  r.reason = "client certificate '" + short_name(leaf) + "' verified, anchored at root '" + anchor->name +
             "' (" + r.credentials.root.hex() + ")";
  return r;
}

}  // namespace sstpgw::certs
