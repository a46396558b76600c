#include "control/certs/cert_store.hh"

#include <algorithm>
#include <exception>

#include "control/certs/cert_input.hh"
#include "dataplane/common/log.hh"

namespace sstpgw::certs {
namespace {

constexpr std::string_view kLog = "certs";

store_change refused(std::string message) {
  store_change c;
  c.message = std::move(message);
  return c;
}

trusted_root clone(const trusted_root& r) {
  trusted_root c;
  c.name = r.name;
  X509_up_ref(r.cert.get());
  c.cert.reset(r.cert.get());
  c.summary = r.summary;
  c.added_at = r.added_at;
  return c;
}

std::vector<trusted_root> clone_all(const std::vector<trusted_root>& roots) {
  std::vector<trusted_root> out;
  out.reserve(roots.size());
  for (const auto& r : roots) out.push_back(clone(r));
  return out;
}

std::string describe_root(const trusted_root& r) {
  return "'" + r.name + "' (" + r.summary.common_name + ", " + r.summary.sha1.hex() + ")";
}

}  // namespace

std::string_view to_string(store_event::kind k) {
  switch (k) {
    case store_event::kind::root_added:
      return "root_added";
    case store_event::kind::root_removed:
      return "root_removed";
    case store_event::kind::thumbprint_revoked:
      return "thumbprint_revoked";
    case store_event::kind::thumbprint_unrevoked:
      return "thumbprint_unrevoked";
  }
  return "?";
}

cert_store::cert_store() : anchors_(make_anchor_store(roots_)) {}

cert_store::cert_store(state::state_dir& dir) : dir_(&dir) {
  if (auto bytes = dir.read(kRootsFile)) roots_ = parse_roots(dir.file_path(kRootsFile), *bytes);
  if (auto bytes = dir.read(kRevokedFile)) set_revoked(parse_revoked(dir.file_path(kRevokedFile), *bytes));
  anchors_ = make_anchor_store(roots_);
  log(log_level::info, kLog, "loaded {} trusted root(s) and {} revoked thumbprint(s) from {}", roots_.size(),
      revoked_.size(), dir.path());
}

bool cert_store::save_roots(const std::vector<trusted_root>& next, std::string& error) {
  if (dir_ == nullptr) return true;
  try {
    dir_->write_atomic(kRootsFile, serialize_roots(next));
    return true;
  } catch (const std::exception& e) {
    error = std::string("not saved, nothing changed: ") + e.what();
    log(log_level::error, kLog, "{}", error);
    return false;
  }
}

bool cert_store::save_revoked(const std::vector<revoked_entry>& next, std::string& error) {
  if (dir_ == nullptr) return true;
  try {
    dir_->write_atomic(kRevokedFile, serialize_revoked(next));
    return true;
  } catch (const std::exception& e) {
    error = std::string("not saved, nothing changed: ") + e.what();
    log(log_level::error, kLog, "{}", error);
    return false;
  }
}

void cert_store::set_roots(std::vector<trusted_root> next) {
  roots_ = std::move(next);
  anchors_ = make_anchor_store(roots_);
  ++generation_;
}

void cert_store::set_revoked(std::vector<revoked_entry> next) {
  revoked_ = std::move(next);
  revoked_set_.clear();
  for (const auto& r : revoked_) revoked_set_.insert(r.sha1);
  ++generation_;
}

store_change cert_store::add_roots(std::string_view name, std::string_view input, int64_t now) {
  if (auto p = root_name_problem(name); !p.empty()) return refused(p);
  auto parsed = parse_certificates(input);
  if (!parsed.ok()) return refused("cannot read the certificate: " + parsed.error);
  const size_t k = parsed.certs.size();
  if (roots_.size() + k > kMaxRoots)
    return refused("at most " + std::to_string(kMaxRoots) + " trusted roots: " +
                   std::to_string(roots_.size()) + " are configured and the input holds " +
                   std::to_string(k) + "; remove one first ('cert remove NAME')");

  store_change change;
  std::vector<trusted_root> next = clone_all(roots_);
  for (size_t i = 0; i < k; ++i) {
    trusted_root r;
    r.name = k == 1 ? std::string(name) : std::string(name) + "-" + std::to_string(i + 1);
    if (auto p = root_name_problem(r.name); !p.empty()) return refused(p);
    r.cert = std::move(parsed.certs[i]);
    if (auto p = root_cert_problem(r.cert.get()); !p.empty()) return refused(p);
    r.summary = summarize(r.cert.get());
    r.added_at = now;
    for (const auto& existing : next) {
      if (existing.summary.sha1 == r.summary.sha1)
        return refused("certificate " + r.summary.common_name + " (" + r.summary.sha1.hex() +
                       ") is already a trusted root, named '" + existing.name + "'");
      if (existing.name == r.name) return refused("a trusted root named '" + r.name + "' already exists");
    }
    if (r.summary.not_after < now)
      change.warnings.push_back("root '" + r.name + "' expired at " + format_time(r.summary.not_after) +
                                "; no chain through it will verify");
    if (r.summary.not_before > now)
      change.warnings.push_back("root '" + r.name + "' is not valid before " +
                                format_time(r.summary.not_before));
    if (!r.summary.self_signed)
      change.warnings.push_back("root '" + r.name +
                                "' is not self-signed; it is trusted as an anchor by itself");
    if (is_revoked(r.summary.sha1))
      change.warnings.push_back("root '" + r.name +
                                "' is on the revocation list; no chain through it will verify");
    change.certs.push_back(r.summary);
    next.push_back(std::move(r));
  }
  std::string error;
  if (!save_roots(next, error)) return refused(error);
  set_roots(std::move(next));
  change.ok = true;
  change.message = "added " + std::to_string(k) + " trusted root(s); " + std::to_string(roots_.size()) +
                   " of " + std::to_string(kMaxRoots) + " in use";
  for (size_t i = roots_.size() - k; i < roots_.size(); ++i)
    log(log_level::info, kLog, "trusted root added: {}", describe_root(roots_[i]));
  for (const auto& w : change.warnings) log(log_level::warn, kLog, "{}", w);
  for (size_t i = roots_.size() - k; i < roots_.size(); ++i)
    notify({store_event::kind::root_added, roots_[i].summary.sha1, roots_[i].name});
  return change;
}

store_change cert_store::remove_root(std::string_view name_or_thumbprint) {
  auto it = std::find_if(roots_.begin(), roots_.end(),
                         [&](const trusted_root& r) { return r.name == name_or_thumbprint; });
  std::string parse_error;
  if (it == roots_.end()) {
    if (auto t = parse_thumbprint(name_or_thumbprint, &parse_error))
      it = std::find_if(roots_.begin(), roots_.end(),
                        [&](const trusted_root& r) { return r.summary.sha1 == *t; });
  }
  if (it == roots_.end())
    return refused("no trusted root has the name or thumbprint '" + std::string(name_or_thumbprint) + "'");
  const size_t index = static_cast<size_t>(it - roots_.begin());
  std::vector<trusted_root> next = clone_all(roots_);
  trusted_root removed = std::move(next[index]);
  next.erase(next.begin() + static_cast<std::ptrdiff_t>(index));
  std::string error;
  if (!save_roots(next, error)) return refused(error);
  set_roots(std::move(next));
  store_change change;
  change.ok = true;
  change.message =
      "removed trusted root " + describe_root(removed) + "; sessions anchored at it are disconnected";
  change.certs.push_back(removed.summary);
  log(log_level::info, kLog, "trusted root removed: {}", describe_root(removed));
  notify({store_event::kind::root_removed, removed.summary.sha1, removed.name});
  return change;
}

store_change cert_store::revoke(std::string_view thumbprint_text, std::string_view note, int64_t now) {
  std::string error;
  auto t = parse_thumbprint(thumbprint_text, &error);
  if (!t) return refused(error);
  if (auto p = revocation_note_problem(note); !p.empty()) return refused(p);
  if (is_revoked(*t)) return refused("thumbprint " + t->hex() + " is already revoked");
  if (revoked_.size() >= kMaxRevoked)
    return refused("the revocation list is full (" + std::to_string(kMaxRevoked) + " entries)");
  store_change change;
  for (const auto& r : roots_)
    if (r.summary.sha1 == *t)
      change.warnings.push_back(
          "this is trusted root '" + r.name +
          "': every chain through it is now refused (removing the root is the usual way)");
  std::vector<revoked_entry> next = revoked_;
  next.push_back({*t, std::string(note), now});
  if (!save_revoked(next, error)) return refused(error);
  set_revoked(std::move(next));
  change.ok = true;
  change.message = "revoked " + t->hex() + "; sessions using it are disconnected";
  log(log_level::info, kLog, "thumbprint revoked: {}{}", t->hex(),
      note.empty() ? "" : " (" + std::string(note) + ")");
  for (const auto& w : change.warnings) log(log_level::warn, kLog, "{}", w);
  notify({store_event::kind::thumbprint_revoked, *t, std::string(note)});
  return change;
}

store_change cert_store::unrevoke(std::string_view thumbprint_text) {
  std::string error;
  auto t = parse_thumbprint(thumbprint_text, &error);
  if (!t) return refused(error);
  auto it =
      std::find_if(revoked_.begin(), revoked_.end(), [&](const revoked_entry& r) { return r.sha1 == *t; });
  if (it == revoked_.end()) return refused("thumbprint " + t->hex() + " is not on the revocation list");
  std::vector<revoked_entry> next = revoked_;
  const revoked_entry removed = *it;
  next.erase(next.begin() + (it - revoked_.begin()));
  if (!save_revoked(next, error)) return refused(error);
  set_revoked(std::move(next));
  store_change change;
  change.ok = true;
  change.message = "removed " + t->hex() + " from the revocation list";
  log(log_level::info, kLog, "thumbprint no longer revoked: {}", t->hex());
  notify({store_event::kind::thumbprint_unrevoked, removed.sha1, removed.name});
  return change;
}

verify_result cert_store::verify(X509* leaf, STACK_OF(X509) * intermediates, int64_t now) const {
  return verify_client_chain(anchors_.get(), roots_, revoked_set_, leaf, intermediates, now);
}

verify_result cert_store::verify(std::span<X509* const> presented, int64_t now) const {
  if (presented.empty()) return verify(nullptr, nullptr, now);
  ossl::x509_stack_ptr rest(sk_X509_new_null());
  for (size_t i = 1; i < presented.size(); ++i) {
    X509_up_ref(presented[i]);
    sk_X509_push(rest.get(), presented[i]);
  }
  return verify(presented[0], rest.get(), now);
}

verify_result cert_store::still_valid(const session_credentials& creds, int64_t now) const {
  verify_result r;
  r.credentials = creds;
  auto root = std::find_if(roots_.begin(), roots_.end(),
                           [&](const trusted_root& t) { return t.summary.sha1 == creds.root; });
  if (root == roots_.end()) {
    r.status = verify_status::untrusted_root;
    r.reason = "root " + creds.root.hex() + " is no longer trusted";
    return r;
  }
  for (const auto& t : creds.chain) {
    if (!is_revoked(t)) continue;
    r.status = verify_status::revoked;
    r.reason = "certificate " + t.hex() + (t == creds.leaf ? " (the client's)" : " (in the client's chain)") +
               " is revoked";
    return r;
  }
  if (is_revoked(creds.leaf)) {
    r.status = verify_status::revoked;
    r.reason = "client certificate " + creds.leaf.hex() + " is revoked";
    return r;
  }
  if (creds.not_after < now) {
    r.status = verify_status::expired;
    r.reason = "the client's chain expired at " + format_time(creds.not_after);
    return r;
  }
  r.status = verify_status::ok;
  r.root_name = root->name;
  r.reason = "still trusted through root '" + root->name + "'";
  return r;
}

STACK_OF(X509_NAME) * cert_store::make_client_ca_list() const {
  STACK_OF(X509_NAME)* names = sk_X509_NAME_new_null();
  if (names == nullptr) return nullptr;
  for (const auto& r : roots_) {
    X509_NAME* n = X509_NAME_dup(X509_get_subject_name(r.cert.get()));
    if (n == nullptr || sk_X509_NAME_push(names, n) == 0) {
      X509_NAME_free(n);
      sk_X509_NAME_pop_free(names, X509_NAME_free);
      return nullptr;
    }
  }
  return names;
}

cert_store::subscription cert_store::subscribe(store_observer observer) {
  const subscription id = next_subscription_++;
  observers_.emplace(id, std::move(observer));
  return id;
}

void cert_store::unsubscribe(subscription id) { observers_.erase(id); }

void cert_store::notify(const store_event& event) {
  // Snapshot the ids: an observer may (un)subscribe while being called.
  std::vector<subscription> ids;
  for (const auto& [id, fn] : observers_) ids.push_back(id);
  for (subscription id : ids) {
    auto it = observers_.find(id);
    if (it == observers_.end()) continue;
    store_observer fn = it->second;  // a copy survives its own unsubscription
    try {
      fn(event);
    } catch (const std::exception& e) {
      log(log_level::error, kLog, "observer of {} {} failed: {}", to_string(event.what), event.sha1.hex(),
          e.what());
    }
  }
}

}  // namespace sstpgw::certs
