// The client side of SSTP's HTTPS layer (MS-SSTP 3.2.5.1), for the test client
// and the load generator: the request a client sends.
#pragma once

#include <string>
#include <string_view>

namespace sstpgw::http {

// SSTP_DUPLEX_POST /sra_{...}/ HTTP/1.1 with Host, Content-Length
// 18446744073709551615 and SSTPCORRELATIONID. `correlation_id` is sent as given
// (Windows sends "{GUID}", sstp-client a bare GUID); empty leaves it out.
std::string build_sstp_request(std::string_view host, std::string_view correlation_id);

}  // namespace sstpgw::http
