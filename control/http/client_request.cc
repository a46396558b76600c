#include "control/http/client_request.hh"

#include <fmt/format.h>

#include "control/http/sstp_http.hh"

namespace sstpgw::http {

std::string build_sstp_request(std::string_view host, std::string_view correlation_id) {
  std::string out = fmt::format(
      "{} {} {}\r\n"
      "Host: {}\r\n"
      "Content-Length: {}\r\n",
      kSstpMethod, kSstpPath, kHttp11, host, kSstpContentLength);
  if (!correlation_id.empty()) out += fmt::format("SSTPCORRELATIONID: {}\r\n", correlation_id);
  out += "\r\n";
  return out;
}

}  // namespace sstpgw::http
