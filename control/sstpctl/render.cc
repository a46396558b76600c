#include "control/sstpctl/render.hh"

#include <algorithm>
#include <set>

namespace sstpgw::sstpctl {
namespace {

using json = nlohmann::json;

bool is_table(const json& v) {
  return v.is_array() && !v.empty() &&
         std::all_of(v.begin(), v.end(), [](const json& r) { return r.is_object(); });
}

// Scalars of an object as dotted keys; arrays of objects are rendered as tables
// after them (collected in `tables`).
void flatten(const json& obj, const std::string& prefix,
             std::vector<std::pair<std::string, std::string>>& out,
             std::vector<std::pair<std::string, const json*>>& tables) {
  for (const auto& [k, v] : obj.items()) {
    std::string key = prefix.empty() ? k : prefix + "." + k;
    if (v.is_object() && !v.empty()) {
      flatten(v, key, out, tables);
    } else if (is_table(v)) {
      tables.emplace_back(key, &v);
    } else {
      out.emplace_back(key, cell_text(v));
    }
  }
}

std::string render_table(const json& rows, const std::vector<std::string>& preferred,
                         bool only_preferred = false) {
  std::vector<std::string> cols;
  std::set<std::string> seen;
  for (const auto& c : preferred) {
    bool present =
        only_preferred || std::any_of(rows.begin(), rows.end(), [&](const json& r) { return r.contains(c); });
    if (present && seen.insert(c).second) cols.push_back(c);
  }
  std::set<std::string> rest;
  if (!only_preferred)
    for (const auto& r : rows)
      for (const auto& [k, v] : r.items())
        if (!seen.count(k)) rest.insert(k);
  cols.insert(cols.end(), rest.begin(), rest.end());

  std::vector<std::vector<std::string>> cells;
  std::vector<size_t> width;
  for (const auto& c : cols) {
    std::string h = c;
    std::transform(h.begin(), h.end(), h.begin(),
                   [](unsigned char ch) { return ch == '_' ? ' ' : std::toupper(ch); });
    width.push_back(h.size());
    if (cells.empty()) cells.emplace_back();
    cells[0].push_back(h);
  }
  for (const auto& r : rows) {
    std::vector<std::string> line;
    for (size_t i = 0; i < cols.size(); ++i) {
      line.push_back(r.contains(cols[i]) ? cell_text(r[cols[i]]) : "-");
      width[i] = std::max(width[i], line.back().size());
    }
    cells.push_back(std::move(line));
  }
  std::string out;
  for (const auto& line : cells) {
    std::string text;
    for (size_t i = 0; i < line.size(); ++i) {
      text += line[i];
      if (i + 1 < line.size()) text += std::string(width[i] - line[i].size() + 2, ' ');
    }
    out += text + "\n";
  }
  return out;
}

}  // namespace

std::string render_rows(const json& rows, const std::vector<std::string>& columns) {
  if (!rows.is_array() || rows.empty()) return "(none)\n";
  if (!is_table(rows)) return render(rows);
  return render_table(rows, columns, !columns.empty());
}

std::string cell_text(const json& v) {
  if (v.is_null()) return "-";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array()) {
    std::string s;
    for (const auto& e : v) s += (s.empty() ? "" : ",") + cell_text(e);
    return s.empty() ? "-" : s;
  }
  return v.dump();
}

std::string render(const json& data, const std::vector<std::string>& columns) {
  if (data.is_array()) {
    if (data.empty()) return "(none)\n";
    if (is_table(data)) return render_table(data, columns);
    std::string out;
    for (const auto& e : data) out += cell_text(e) + "\n";
    return out;
  }
  if (data.is_object()) {
    std::vector<std::pair<std::string, std::string>> lines;
    std::vector<std::pair<std::string, const json*>> tables;
    flatten(data, "", lines, tables);
    size_t w = 0;
    for (const auto& [k, v] : lines) w = std::max(w, k.size());
    std::string out;
    for (const auto& [k, v] : lines) out += k + ":" + std::string(w - k.size() + 1, ' ') + v + "\n";
    for (const auto& [k, t] : tables) out += "\n" + k + ":\n" + render_table(*t, columns);
    return out;
  }
  return cell_text(data) + "\n";
}

}  // namespace sstpgw::sstpctl
