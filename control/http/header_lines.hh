// Incremental, bounded splitting of an HTTP/1.1 header section into lines, and
// parsing of one field line (RFC 9112 2.2, 5). Shared by the server's request
// parser and the client's response parser. Limits make a slow or huge header a
// clear error instead of unbounded buffering.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace sstpgw::http {

struct header_limits {
  size_t max_header_bytes = 8192;  // start line + fields + CRLFs + final CRLF
  size_t max_line = 4096;          // one line without its CRLF
  size_t max_fields = 32;
};

enum class line_status : uint8_t {
  line,          // `line` holds one complete line, CR LF stripped
  end,           // the empty line that ends the header section
  need_more,     // all input consumed, no complete line yet
  line_too_long, // a line exceeded max_line
  too_large,     // the header section exceeded max_header_bytes
  bad_line,      // a CR not followed by LF, or a NUL
};

class header_lines {
 public:
  explicit header_lines(const header_limits& limits);
  // Takes bytes from the front of `in`, up to and including the next LF. The
  // returned line stays valid until the next call. Bare LF ends a line too
  // (RFC 9112 2.2 allows a recipient to accept it).
  line_status next(std::span<const uint8_t>& in, std::string_view& line);
  // True when the next byte taken starts a new line.
  bool at_line_start() const { return buf_.empty() || line_done_; }
  // Total header bytes taken so far.
  size_t bytes_seen() const { return seen_; }
  const header_limits& limits() const { return limits_; }

 private:
  header_limits limits_;
  std::string buf_;
  size_t seen_ = 0;
  bool line_done_ = false;
};

struct header_field {
  std::string_view name;
  std::string_view value;  // leading and trailing whitespace removed
};
// False for a line that is not `token ":" OWS value OWS` with visible / space /
// tab characters only (obs-fold continuation lines included: RFC 9112 5.2
// lets a server reject them).
bool parse_header_field(std::string_view line, header_field& out);

bool is_token(std::string_view s);
bool iequals(std::string_view a, std::string_view b);

}  // namespace sstpgw::http
