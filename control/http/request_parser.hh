// The server side of SSTP's HTTPS layer (MS-SSTP 3.3.5.1): parses the client's
//   SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1
// incrementally as bytes arrive, within size, count and time limits, and
// decides: accepted (the bytes after the header are SSTP and belong to the
// caller) or an HTTP error to send before closing.
//
// Decisions, in this order once the header section is complete:
//   405 method is not SSTP_DUPLEX_POST (a browser's or health checker's GET)
//   505 version is not HTTP/1.1
//   404 path is not /sra_{BA195980-...}/ (compared case-insensitively, like
//       http.sys; no query string)
//   400 missing or repeated Host; Host not the configured server name; a
//       Content-Length other than 18446744073709551615 (repeats allowed only if
//       equal); any Transfer-Encoding (the request has no body; SSTP follows)
// and at once, without waiting for the rest:
//   400 a request line or field line that is not HTTP syntax
//   414 a request line longer than limits.max_line
//   431 a field line longer than max_line, more than max_fields fields, or a
//       header section over max_header_bytes
//   408 the deadline (construction time + timeout) passed first
// Content-Length may be absent: sstp-client and Windows both send it, but it
// carries no information and nothing depends on it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "control/http/header_lines.hh"
#include "control/http/sstp_http.hh"

namespace sstpgw::http {

struct request_config {
  header_limits limits;
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};
  // If non-empty, Host (without a port) must equal it, case-insensitively.
  std::string server_name;
};

// What the accepted request said, for logs and session records.
struct sstp_request {
  std::string host;
  std::string correlation_id;  // braces removed; empty if absent
  bool had_content_length = false;
};

enum class request_outcome : uint8_t { need_more, accepted, rejected };

class request_parser {
 public:
  request_parser(const request_config& config, time_point now);

  struct result {
    request_outcome outcome;
    size_t consumed;  // bytes of `in` used; on accepted, in[consumed..] is SSTP
  };
  result feed(std::span<const uint8_t> in, time_point now);
  // Rejects with 408 if the deadline has passed and no decision was made yet.
  request_outcome check_timeout(time_point now);

  request_outcome outcome() const { return outcome_; }
  time_point deadline() const { return deadline_; }
  // For rejected: the HTTP status to send (400, 404, 405, 408, 414, 431, 505).
  int status_code() const { return status_; }
  // One line for the log: why the request was rejected.
  const std::string& reason() const { return reason_; }
  const sstp_request& request() const { return request_; }

 private:
  void reject(int code, std::string why);
  bool on_request_line(std::string_view line);
  bool on_field(std::string_view line);
  void on_end();

  request_config config_;
  time_point deadline_;
  header_lines lines_;
  request_outcome outcome_ = request_outcome::need_more;
  int status_ = 0;
  std::string reason_;
  sstp_request request_;

  bool have_request_line_ = false;
  size_t fields_ = 0;
  size_t leading_empty_lines_ = 0;
  int pending_status_ = 0;  // a request-line verdict held until the header ends
  std::string pending_reason_;
  size_t host_count_ = 0;
  bool bad_content_length_ = false;
  bool has_transfer_encoding_ = false;
};

}  // namespace sstpgw::http
