#include "control/http/reply_writer.hh"

#include <fmt/format.h>

#include "control/http/sstp_http.hh"

namespace sstpgw::http {

std::string format_http_date(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const weekday wd{day};
  const hh_mm_ss hms{floor<seconds>(t - day)};
  return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT", kDays[wd.c_encoding()],
                     static_cast<unsigned>(ymd.day()), kMonths[static_cast<unsigned>(ymd.month()) - 1],
                     static_cast<int>(ymd.year()), hms.hours().count(), hms.minutes().count(),
                     hms.seconds().count());
}

const char* reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
  }
  return "Error";
}

std::string build_sstp_ok_reply(std::string_view server, std::chrono::system_clock::time_point now) {
  return fmt::format(
      "HTTP/1.1 200 OK\r\n"
      "Content-Length: {}\r\n"
      "Server: {}\r\n"
      "Date: {}\r\n"
      "\r\n",
      kSstpContentLength, server, format_http_date(now));
}

std::string build_error_reply(int status, std::string_view server, std::chrono::system_clock::time_point now) {
  const std::string body = fmt::format("{} {}\n", status, reason_phrase(status));
  std::string allow;
  if (status == 405) allow = fmt::format("Allow: {}\r\n", kSstpMethod);
  return fmt::format(
      "HTTP/1.1 {} {}\r\n"
      "{}"
      "Content-Type: text/plain\r\n"
      "Content-Length: {}\r\n"
      "Connection: close\r\n"
      "Server: {}\r\n"
      "Date: {}\r\n"
      "\r\n"
      "{}",
      status, reason_phrase(status), allow, body.size(), server, format_http_date(now), body);
}

}  // namespace sstpgw::http
