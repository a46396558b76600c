// The client's check of the server's reply (MS-SSTP 3.2.5.1), for the test
// client and the load generator: incremental, bounded, with a deadline (the
// client waits 60 s). Accepted only for "HTTP/1.1 200" whose Content-Length,
// if present, is 18446744073709551615 (what Windows and sstp-client require);
// the bytes after the header are SSTP.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "control/http/header_lines.hh"
#include "control/http/request_parser.hh"
#include "control/http/sstp_http.hh"

namespace sstpgw::http {

struct response_config {
  header_limits limits;
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};
};

class response_parser {
 public:
  response_parser(const response_config& config, time_point now);

  struct result {
    request_outcome outcome;  // need_more / accepted / rejected
    size_t consumed;          // on accepted, in[consumed..] is SSTP
  };
  result feed(std::span<const uint8_t> in, time_point now);
  request_outcome check_timeout(time_point now);

  time_point deadline() const { return deadline_; }
  // The status code the server sent (0 if the status line never parsed).
  int status_code() const { return status_; }
  const std::string& reason() const { return reason_; }

 private:
  void reject(std::string why);
  void on_status_line(std::string_view line);
  void on_field(std::string_view line);

  response_config config_;
  time_point deadline_;
  header_lines lines_;
  request_outcome outcome_ = request_outcome::need_more;
  int status_ = 0;
  std::string reason_;
  bool have_status_line_ = false;
  size_t fields_ = 0;
};

}  // namespace sstpgw::http
