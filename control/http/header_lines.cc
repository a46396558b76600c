#include "control/http/header_lines.hh"

#include <algorithm>
#include <cstring>

namespace sstpgw::http {

namespace {

bool is_tchar(unsigned char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != 0;
}

bool is_ows(char c) { return c == ' ' || c == '\t'; }

unsigned char lower(unsigned char c) { return (c >= 'A' && c <= 'Z') ? static_cast<unsigned char>(c | 0x20) : c; }

}  // namespace

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return is_tchar(static_cast<unsigned char>(c)); });
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(static_cast<unsigned char>(a[i])) != lower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

header_lines::header_lines(const header_limits& limits) : limits_(limits) {
  buf_.reserve(std::min<size_t>(limits_.max_line, 512));
}

line_status header_lines::next(std::span<const uint8_t>& in, std::string_view& line) {
  if (line_done_) {
    buf_.clear();
    line_done_ = false;
  }
  if (in.empty()) return seen_ >= limits_.max_header_bytes ? line_status::too_large : line_status::need_more;
  const size_t budget = limits_.max_header_bytes - std::min(seen_, limits_.max_header_bytes);
  const size_t scan = std::min(in.size(), budget);
  const auto* lf = static_cast<const uint8_t*>(std::memchr(in.data(), '\n', scan));
  const size_t take = lf ? static_cast<size_t>(lf - in.data()) + 1 : scan;
  // +2: the CR LF are not part of max_line.
  if (buf_.size() + take > limits_.max_line + 2) return line_status::line_too_long;
  buf_.append(reinterpret_cast<const char*>(in.data()), take);
  in = in.subspan(take);
  seen_ += take;
  if (!lf) {
    if (seen_ >= limits_.max_header_bytes) return line_status::too_large;
    return line_status::need_more;
  }
  buf_.pop_back();  // LF
  if (!buf_.empty() && buf_.back() == '\r') buf_.pop_back();
  if (buf_.size() > limits_.max_line) return line_status::line_too_long;
  if (buf_.find('\r') != std::string::npos || buf_.find('\0') != std::string::npos)
    return line_status::bad_line;
  line_done_ = true;
  line = buf_;
  return buf_.empty() ? line_status::end : line_status::line;
}

bool parse_header_field(std::string_view line, header_field& out) {
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return false;
  // No whitespace between name and colon (RFC 9112 5.1); a leading space is obs-fold.
  if (!is_token(line.substr(0, colon))) return false;
  std::string_view value = line.substr(colon + 1);
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) return false;
  }
  while (!value.empty() && is_ows(value.front())) value.remove_prefix(1);
  while (!value.empty() && is_ows(value.back())) value.remove_suffix(1);
  out.name = line.substr(0, colon);
  out.value = value;
  return true;
}

}  // namespace sstpgw::http
