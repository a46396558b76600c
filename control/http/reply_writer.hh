// The server's HTTP replies (MS-SSTP 3.3.5.1): the 200 OK that switches the
// stream to SSTP, and short error replies sent before closing.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace sstpgw::http {

// RFC 1123 / IMF-fixdate as RFC 9110 5.6.7 wants it: "Sun, 06 Nov 1994 08:49:37 GMT".
std::string format_http_date(std::chrono::system_clock::time_point t);

// "HTTP/1.1 200 OK" with Content-Length 18446744073709551615, Server and Date.
// Windows insists on HTTP/1.1 here (RasSstp event 3); sstp-client on 200 and on
// that Content-Length if present.
std::string build_sstp_ok_reply(std::string_view server, std::chrono::system_clock::time_point now);

// An error reply with Connection: close and a one-line text body; 405 also
// names the one method served (RFC 9110 15.5.6: Allow is required).
std::string build_error_reply(int status, std::string_view server, std::chrono::system_clock::time_point now);

const char* reason_phrase(int status);

}  // namespace sstpgw::http
