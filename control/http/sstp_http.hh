// The fixed strings of SSTP's HTTPS layer (MS-SSTP 3.2.4.1 / 4.1) and the
// clock type the HTTP cores take as a parameter.
#pragma once

#include <chrono>
#include <string_view>

namespace sstpgw::http {

using clock = std::chrono::steady_clock;
using time_point = clock::time_point;

inline constexpr std::string_view kSstpMethod = "SSTP_DUPLEX_POST";
inline constexpr std::string_view kSstpPath = "/sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/";
inline constexpr std::string_view kHttp11 = "HTTP/1.1";
// ULONGLONG_MAX: the request and the 200 OK both carry it; the stream then
// carries SSTP until the connection closes.
inline constexpr std::string_view kSstpContentLength = "18446744073709551615";

}  // namespace sstpgw::http
