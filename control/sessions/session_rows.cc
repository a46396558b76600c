// What the operator sees of the registry's sessions: `sstpctl session
// list|show` rows, the one-line summary of an ended session's log line, and
// the counters for `sstpctl stats`.
#include <fmt/format.h>

#include <algorithm>

#include "control/certs/cert_summary.hh"
#include "control/sessions/session_registry.hh"

namespace sstpgw::sessions {

namespace {

int64_t unix_seconds(wall_time t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// session_directory's coarse states.
std::string_view coarse_state(session_state s) {
  switch (s) {
    case session_state::tls_handshake:
      return "handshake";
    case session_state::http_request:
      return "http";
    case session_state::sstp_setup:
      return "sstp";
    case session_state::authenticating:
    case session_state::network:
      return "ppp";
    case session_state::up:
      return "up";
    case session_state::closing:
    case session_state::closed:
      break;
  }
  return "closing";
}

}  // namespace

std::string common_name_of(std::string_view subject) {
  // RFC 2253 line: "CN=alice, O=Contoso"; a comma inside a value is escaped "\,".
  size_t pos = 0;
  while (pos < subject.size()) {
    size_t end = pos;
    while (end < subject.size() && !(subject[end] == ',' && (end == 0 || subject[end - 1] != '\\'))) ++end;
    std::string_view part = subject.substr(pos, end - pos);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.size() > 3 && (part.substr(0, 3) == "CN=" || part.substr(0, 3) == "cn="))
      return std::string(part.substr(3));
    pos = end + 1;
  }
  return std::string(subject);
}

std::string session_registry::describe(const entry& e) const {
  const session_info& info = e.session->info();
  std::string who = fmt::format("{}:{}", ipv4_address{e.peer_ip}.to_string(), e.peer_port);
  if (!info.certificate_subject.empty()) who += ", " + common_name_of(info.certificate_subject);
  if (info.address) who += ", " + info.address->to_string();
  if (const auto st = stats_of(info.id))
    who += fmt::format(", rx {} B / tx {} B", st->rx_bytes, st->tx_bytes);
  return who;
}

control_thread::session_row session_registry::row_of(const entry& e) const {
  const server_session& s = *e.session;
  const session_info& info = s.info();
  control_thread::session_row r;
  r.id = info.id.value;
  if (info.credentials) {
    r.identity = common_name_of(info.credentials->leaf_subject);
    r.root = info.credentials->root.hex();
    r.leaf = info.credentials->leaf.hex();
  }
  if (info.address) r.address = info.address->to_string();
  r.remote = fmt::format("{}:{}", ipv4_address{e.peer_ip}.to_string(), e.peer_port);
  r.state = std::string(coarse_state(s.state()));
  r.since = unix_seconds(info.times.started);
  r.worker = info.id.worker();
  if (const auto st = stats_of(info.id)) {
    r.rx_bytes = st->rx_bytes;
    r.tx_bytes = st->tx_bytes;
    r.rx_packets = st->rx_packets;
    r.tx_packets = st->tx_packets;
  }
  auto add = [&](std::string k, std::string v) {
    if (!v.empty()) r.details.emplace_back(std::move(k), std::move(v));
  };
  auto when = [](const std::optional<wall_time>& t) {
    return t ? certs::format_time(unix_seconds(*t)) : std::string();
  };
  add("state", std::string(to_string(s.state())));
  add("tls", info.tls_version);
  add("cipher", info.tls_cipher);
  add("host", info.http_host);
  add("correlation_id", info.correlation_id);
  add("eap_identity", info.eap_identity);
  add("certificate", info.certificate_subject);
  if (info.binding_hash) add("binding_hash", sstp::hash_protocol_name(*info.binding_hash));
  if (info.hlak_form) add("hlak", sstp::hlak_form_name(*info.hlak_form));
  add("tls_established", when(info.times.tls_established));
  add("authenticated", when(info.times.authenticated));
  add("data_path_up", when(info.times.data_path_up));
  return r;
}

std::vector<control_thread::session_row> session_registry::list() const {
  std::vector<control_thread::session_row> rows;
  rows.reserve(entries_.size());
  for (const auto& [id, e] : entries_)
    if (!e.session->ended() && !e.worker_gone) rows.push_back(row_of(e));
  // The map has no order; operators compare lists, so give them one.
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return rows;
}

std::optional<control_thread::session_row> session_registry::find(uint64_t id) const {
  auto it = entries_.find(id);
  if (it == entries_.end() || it->second.session->ended() || it->second.worker_gone) return std::nullopt;
  return row_of(it->second);
}

size_t session_registry::count() const {
  size_t n = 0;
  for (const auto& [id, e] : entries_)
    if (!e.session->ended() && !e.worker_gone) ++n;
  return n;
}

void session_registry::count_stats(std::vector<control_thread::stat_counter>& out) const {
  const auto infos = counters_.infos();
  for (size_t i = 0; i < counters_.size; ++i)
    out.push_back({fmt::format("registry.{}", infos[i].name), counters_.value[i], infos[i].description});
  out.push_back({"registry.live", count(), "live sessions"});
  out.push_back(
      {"registry.tracked", entries_.size(), "sessions in the table (ended ones awaiting their worker)"});
  counter_set<sstp::call_counter> calls = ended_call_counters_;
  for (const auto& [id, e] : entries_) calls.accumulate(e.session->call_counters());
  const auto call_infos = calls.infos();
  for (size_t i = 0; i < calls.size; ++i)
    out.push_back(
        {fmt::format("sstp_call.{}", call_infos[i].name), calls.value[i], call_infos[i].description});
}

}  // namespace sstpgw::sessions
