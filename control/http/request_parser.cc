#include "control/http/request_parser.hh"

#include <algorithm>

#include <fmt/format.h>

namespace sstpgw::http {

namespace {

// Printable form of peer-supplied text for a log line (bounded, no controls).
std::string printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 64)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (s.size() > 64) out += "...";
  return out;
}

bool is_http_version(std::string_view v) {
  return v.size() == 8 && v.substr(0, 5) == "HTTP/" && v[5] >= '0' && v[5] <= '9' && v[6] == '.' &&
         v[7] >= '0' && v[7] <= '9';
}

bool visible_target(std::string_view t) {
  if (t.empty()) return false;
  return std::all_of(t.begin(), t.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f;
  });
}

// Host without its port: "name:443" -> "name", "[::1]:443" -> "[::1]".
std::string_view host_without_port(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    const size_t close = host.find(']');
    return close == std::string_view::npos ? host : host.substr(0, close + 1);
  }
  const size_t colon = host.rfind(':');
  if (colon == std::string_view::npos) return host;
  const auto port = host.substr(colon + 1);
  if (!std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) return host;
  return host.substr(0, colon);
}

}  // namespace

request_parser::request_parser(const request_config& config, time_point now)
    : config_(config), deadline_(now + config.timeout), lines_(config.limits) {}

void request_parser::reject(int code, std::string why) {
  outcome_ = request_outcome::rejected;
  status_ = code;
  reason_ = std::move(why);
}

request_outcome request_parser::check_timeout(time_point now) {
  if (outcome_ == request_outcome::need_more && now >= deadline_)
    reject(408, "no complete SSTP request before the deadline");
  return outcome_;
}

request_parser::result request_parser::feed(std::span<const uint8_t> in, time_point now) {
  if (check_timeout(now) != request_outcome::need_more) return {outcome_, 0};
  const size_t total = in.size();
  while (outcome_ == request_outcome::need_more) {
    // A request line starts with a method token: a TLS ClientHello sent to a
    // plain-HTTP port (0x16) or other binary is refused at its first byte.
    if (!have_request_line_ && lines_.at_line_start() && !in.empty() && in[0] != '\r' && in[0] != '\n' &&
        !is_token({reinterpret_cast<const char*>(in.data()), 1})) {
      reject(400, "not an HTTP request");
      break;
    }
    std::string_view line;
    const auto st = lines_.next(in, line);
    switch (st) {
      case line_status::need_more:
        return {outcome_, total - in.size()};
      case line_status::line_too_long:
        if (have_request_line_) reject(431, "header field line too long");
        else reject(414, "request line too long");
        break;
      case line_status::too_large:
        reject(431, fmt::format("header section over {} bytes", config_.limits.max_header_bytes));
        break;
      case line_status::bad_line:
        reject(400, "stray CR or NUL in the header");
        break;
      case line_status::end:
        if (!have_request_line_) {
          // RFC 9112 2.2: ignore empty lines before the request line (a few).
          if (++leading_empty_lines_ > 4) reject(400, "empty lines instead of a request line");
          break;
        }
        on_end();
        break;
      case line_status::line:
        if (!have_request_line_) on_request_line(line);
        else on_field(line);
        break;
    }
  }
  return {outcome_, total - in.size()};
}

bool request_parser::on_request_line(std::string_view line) {
  have_request_line_ = true;
  const size_t sp1 = line.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    reject(400, fmt::format("malformed request line '{}'", printable(line)));
    return false;
  }
  const auto method = line.substr(0, sp1);
  const auto target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const auto version = line.substr(sp2 + 1);
  if (!is_token(method) || !visible_target(target) || !is_http_version(version)) {
    reject(400, fmt::format("malformed request line '{}'", printable(line)));
    return false;
  }
  // Semantic verdicts wait for the end of the header, so the client has
  // finished sending when the error reply and the close arrive.
  if (method != kSstpMethod) {
    pending_status_ = 405;
    pending_reason_ = fmt::format("method '{}' is not {}", printable(method), kSstpMethod);
  } else if (version != kHttp11) {
    pending_status_ = 505;
    pending_reason_ = fmt::format("version '{}' is not {}", printable(version), kHttp11);
  } else if (!iequals(target, kSstpPath)) {
    pending_status_ = 404;
    pending_reason_ = fmt::format("path '{}' is not the SSTP path", printable(target));
  }
  return true;
}

bool request_parser::on_field(std::string_view line) {
  if (++fields_ > config_.limits.max_fields) {
    reject(431, fmt::format("more than {} header fields", config_.limits.max_fields));
    return false;
  }
  header_field f;
  if (!parse_header_field(line, f)) {
    reject(400, fmt::format("malformed header line '{}'", printable(line)));
    return false;
  }
  if (iequals(f.name, "Host")) {
    if (++host_count_ == 1) request_.host = std::string(f.value);
  } else if (iequals(f.name, "Content-Length")) {
    if (f.value != kSstpContentLength) bad_content_length_ = true;
    request_.had_content_length = true;
  } else if (iequals(f.name, "Transfer-Encoding")) {
    has_transfer_encoding_ = true;
  } else if (iequals(f.name, "SSTPCORRELATIONID")) {
    auto v = f.value;
    if (v.size() >= 2 && v.front() == '{' && v.back() == '}') v = v.substr(1, v.size() - 2);
    request_.correlation_id = std::string(v);
  }
  return true;
}

void request_parser::on_end() {
  if (pending_status_) return reject(pending_status_, std::move(pending_reason_));
  if (host_count_ == 0) return reject(400, "no Host header");
  if (host_count_ > 1) return reject(400, "more than one Host header");
  if (!config_.server_name.empty() && !iequals(host_without_port(request_.host), config_.server_name))
    return reject(400, fmt::format("Host '{}' is not {}", printable(request_.host), config_.server_name));
  if (bad_content_length_) return reject(400, "Content-Length is not 18446744073709551615");
  if (has_transfer_encoding_) return reject(400, "Transfer-Encoding on an SSTP request");
  outcome_ = request_outcome::accepted;
}

}  // namespace sstpgw::http
