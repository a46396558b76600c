#include "control/certs/store_files.hh"

#include "control/common/base64.hh"

#include <set>

#include "control/certs/cert_input.hh"
#include "control/state/json_state.hh"

namespace sstpgw::certs {
namespace {

using nlohmann::json;
using vt = json::value_t;
constexpr std::string_view kRootsFormat = "sstpgw-roots";
constexpr std::string_view kRevokedFormat = "sstpgw-revoked";
constexpr int kVersion = 1;

[[noreturn]] void refuse(std::string_view label, const std::string& problem) {
  throw state::state_error("state file " + std::string(label) + ": " + problem);
}

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

std::string text_of(std::string_view s) {
  std::string out;
  for (char c : s) out += (static_cast<uint8_t>(c) < 0x20 || c == 0x7f) ? '?' : c;
  return out;
}

}  // namespace

std::string root_name_problem(std::string_view name) {
  if (name.empty()) return "root name is empty";
  if (name.size() > 64) return "root name is longer than 64 characters";
  if (name.front() == ' ' || name.back() == ' ') return "root name starts or ends with a space";
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ' ||
              c == '.' || c == '_' || c == '-' || c == '(' || c == ')';
    if (!ok)
      return "root name '" + text_of(name) +
             "' has a character other than letters, digits, space, '.', '_', '-', '(', ')'";
  }
  bool all_hex = name.size() == 40;
  for (char c : name) all_hex = all_hex && is_hex(c);
  if (all_hex) return "root name must not be 40 hex digits (it would read as a thumbprint)";
  return {};
}

std::string root_cert_problem(X509* cert) {
  if (X509_check_ca(cert) == 0) {
    ERR_clear_error();
    return "certificate '" + short_name(cert) +
           "' is not a CA certificate (no basicConstraints CA:TRUE); a trusted root must be the CA that "
           "issues "
           "the client certificates";
  }
  return {};
}

std::string revocation_note_problem(std::string_view note) {
  if (note.size() > 128) return "revocation note is longer than 128 bytes";
  for (char c : note)
    if (static_cast<uint8_t>(c) < 0x20 || c == 0x7f) return "revocation note has a control character";
  return {};
}

std::vector<trusted_root> parse_roots(std::string_view label, std::string_view bytes) {
  json doc = state::parse_state_json(label, bytes, kRootsFormat, kVersion);
  const json& list = state::require_field(label, doc, "roots", vt::array);
  if (list.size() > kMaxRoots)
    refuse(label,
           std::to_string(list.size()) + " roots, more than the limit of " + std::to_string(kMaxRoots));
  std::vector<trusted_root> roots;
  std::set<std::string> names;
  std::set<thumbprint> prints;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string entry = std::string(label) + " roots[" + std::to_string(i) + "]";
    const json& e = list[i];
    const auto name = state::require_field(entry, e, "name", vt::string).get<std::string>();
    const std::string where = "root " + std::to_string(i + 1) + " ('" + text_of(name) + "')";
    if (auto p = root_name_problem(name); !p.empty()) refuse(label, where + ": " + p);
    const auto der64 = state::require_field(entry, e, "der_base64", vt::string).get<std::string>();
    std::vector<uint8_t> der;
    std::string error;
    auto bytes = base64_decode(der64, base64_padding::required, &error);
    if (!bytes) refuse(label, where + ": der_base64: " + error);
    der.assign(bytes->begin(), bytes->end());
    auto parsed = parse_certificates(std::span<const uint8_t>(der));
    if (!parsed.ok() || parsed.encoding != cert_encoding::der || parsed.certs.size() != 1)
      refuse(label, where + ": der_base64 is not one DER certificate" +
                        (parsed.ok() ? std::string() : " (" + parsed.error + ")"));
    trusted_root r;
    r.name = name;
    r.cert = std::move(parsed.certs[0]);
    if (auto p = root_cert_problem(r.cert.get()); !p.empty()) refuse(label, where + ": " + p);
    r.summary = summarize(r.cert.get());
    const auto sha1 = state::require_field(entry, e, "sha1", vt::string).get<std::string>();
    auto stored = parse_thumbprint(sha1, &error);
    if (!stored) refuse(label, where + ": sha1: " + error);
    if (*stored != r.summary.sha1)
      refuse(label, where + ": sha1 " + stored->hex() + " does not match the certificate (" +
                        r.summary.sha1.hex() + ")");
    if (auto it = e.find("added_at"); it != e.end()) {
      if (!it->is_number_integer()) refuse(label, where + ": added_at must be an integer");
      r.added_at = it->get<int64_t>();
    }
    if (!names.insert(name).second) refuse(label, where + ": the name appears twice");
    if (!prints.insert(r.summary.sha1).second)
      refuse(label, where + ": certificate " + r.summary.sha1.hex() + " appears twice");
    roots.push_back(std::move(r));
  }
  return roots;
}

std::vector<revoked_entry> parse_revoked(std::string_view label, std::string_view bytes) {
  json doc = state::parse_state_json(label, bytes, kRevokedFormat, kVersion);
  const json& list = state::require_field(label, doc, "revoked", vt::array);
  if (list.size() > kMaxRevoked)
    refuse(label,
           std::to_string(list.size()) + " entries, more than the limit of " + std::to_string(kMaxRevoked));
  std::vector<revoked_entry> out;
  std::set<thumbprint> seen;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string entry = std::string(label) + " revoked[" + std::to_string(i) + "]";
    const std::string where = "revoked entry " + std::to_string(i + 1);
    const json& e = list[i];
    revoked_entry r;
    std::string error;
    auto t =
        parse_thumbprint(state::require_field(entry, e, "thumbprint", vt::string).get<std::string>(), &error);
    if (!t) refuse(label, where + ": " + error);
    r.sha1 = *t;
    if (auto it = e.find("name"); it != e.end()) {
      if (!it->is_string()) refuse(label, where + ": name must be a string");
      r.name = it->get<std::string>();
      if (auto p = revocation_note_problem(r.name); !p.empty()) refuse(label, where + ": " + p);
    }
    if (auto it = e.find("added_at"); it != e.end()) {
      if (!it->is_number_integer()) refuse(label, where + ": added_at must be an integer");
      r.added_at = it->get<int64_t>();
    }
    if (!seen.insert(r.sha1).second) refuse(label, where + ": thumbprint " + r.sha1.hex() + " appears twice");
    out.push_back(std::move(r));
  }
  return out;
}

std::string serialize_roots(const std::vector<trusted_root>& roots) {
  json doc = state::make_state_json(kRootsFormat, kVersion);
  json list = json::array();
  for (const auto& r : roots) {
    auto der = to_der(r.cert.get());
    list.push_back({{"name", r.name},
                    {"sha1", r.summary.sha1.hex()},
                    {"subject", r.summary.subject},
                    {"not_after", format_time(r.summary.not_after)},
                    {"added_at", r.added_at},
                    {"der_base64", base64_encode(der)}});
  }
  doc["roots"] = std::move(list);
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string serialize_revoked(const std::vector<revoked_entry>& revoked) {
  json doc = state::make_state_json(kRevokedFormat, kVersion);
  json list = json::array();
  for (const auto& r : revoked)
    list.push_back({{"thumbprint", r.sha1.hex()}, {"name", r.name}, {"added_at", r.added_at}});
  doc["revoked"] = std::move(list);
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace sstpgw::certs
