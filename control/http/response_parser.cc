#include "control/http/response_parser.hh"

#include <fmt/format.h>

namespace sstpgw::http {

response_parser::response_parser(const response_config& config, time_point now)
    : config_(config), deadline_(now + config.timeout), lines_(config.limits) {}

void response_parser::reject(std::string why) {
  outcome_ = request_outcome::rejected;
  reason_ = std::move(why);
}

request_outcome response_parser::check_timeout(time_point now) {
  if (outcome_ == request_outcome::need_more && now >= deadline_) reject("no HTTP reply before the deadline");
  return outcome_;
}

response_parser::result response_parser::feed(std::span<const uint8_t> in, time_point now) {
  if (check_timeout(now) != request_outcome::need_more) return {outcome_, 0};
  const size_t total = in.size();
  while (outcome_ == request_outcome::need_more) {
    std::string_view line;
    switch (lines_.next(in, line)) {
      case line_status::need_more:
        return {outcome_, total - in.size()};
      case line_status::line_too_long:
        reject("reply line too long");
        break;
      case line_status::too_large:
        reject("reply header too large");
        break;
      case line_status::bad_line:
        reject("stray CR or NUL in the reply header");
        break;
      case line_status::end:
        if (!have_status_line_) reject("empty line instead of a status line");
        else outcome_ = request_outcome::accepted;
        break;
      case line_status::line:
        if (!have_status_line_) on_status_line(line);
        else on_field(line);
        break;
    }
  }
  return {outcome_, total - in.size()};
}

void response_parser::on_status_line(std::string_view line) {
  have_status_line_ = true;
  // status-line = HTTP-version SP status-code SP [ reason-phrase ]
  if (line.size() < 12 || line[8] != ' ' || (line.size() > 12 && line[12] != ' ')) {
    return reject("malformed status line");
  }
  const auto code = line.substr(9, 3);
  for (char c : code)
    if (c < '0' || c > '9') return reject("malformed status code");
  status_ = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
  if (line.substr(0, 8) != kHttp11) return reject("reply version is not HTTP/1.1");
  if (status_ != 200) return reject(fmt::format("server replied {}", status_));
}

void response_parser::on_field(std::string_view line) {
  if (++fields_ > config_.limits.max_fields) return reject("too many reply header fields");
  header_field f;
  if (!parse_header_field(line, f)) return reject("malformed reply header line");
  if (iequals(f.name, "Content-Length") && f.value != kSstpContentLength)
    return reject("reply Content-Length is not 18446744073709551615");
}

}  // namespace sstpgw::http
