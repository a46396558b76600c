#include "control/http/reply_writer.hh"

#include <gtest/gtest.h>

#include <string>

#include "control/http/client_request.hh"
#include "control/http/request_parser.hh"
#include "control/http/response_parser.hh"

namespace sstpgw::http {
namespace {

using namespace std::chrono_literals;
using sys = std::chrono::system_clock;

const time_point t0 = time_point{} + 1000s;
// RFC 9110 5.6.7's example instant.
const sys::time_point kRfcExample = sys::time_point{} + 784111777s;

std::span<const uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

TEST(HttpDate, Rfc9110Example) { EXPECT_EQ(format_http_date(kRfcExample), "Sun, 06 Nov 1994 08:49:37 GMT"); }

TEST(HttpDate, LeapDayAndEpoch) {
  EXPECT_EQ(format_http_date(sys::time_point{}), "Thu, 01 Jan 1970 00:00:00 GMT");
  // 2024-02-29 23:59:59 UTC
  EXPECT_EQ(format_http_date(sys::time_point{} + 1709251199s), "Thu, 29 Feb 2024 23:59:59 GMT");
  // Sub-second parts are dropped, not rounded.
  EXPECT_EQ(format_http_date(kRfcExample + 999ms), "Sun, 06 Nov 1994 08:49:37 GMT");
}

TEST(HttpReply, SstpOk) {
  EXPECT_EQ(build_sstp_ok_reply("sstpgw", kRfcExample),
            "HTTP/1.1 200 OK\r\n"
            "Content-Length: 18446744073709551615\r\n"
            "Server: sstpgw\r\n"
            "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
            "\r\n");
}

TEST(HttpReply, ErrorRepliesCloseAndCarryABody) {
  for (int code : {400, 404, 405, 408, 414, 431, 505}) {
    const std::string r = build_error_reply(code, "sstpgw", kRfcExample);
    const std::string status = "HTTP/1.1 " + std::to_string(code) + " " + reason_phrase(code) + "\r\n";
    EXPECT_EQ(r.substr(0, status.size()), status);
    EXPECT_NE(r.find("\r\nConnection: close\r\n"), std::string::npos);
    EXPECT_NE(r.find("\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"), std::string::npos);
    const size_t end = r.find("\r\n\r\n");
    ASSERT_NE(end, std::string::npos);
    const std::string body = r.substr(end + 4);
    EXPECT_NE(r.find("\r\nContent-Length: " + std::to_string(body.size()) + "\r\n"), std::string::npos);
    EXPECT_EQ(body, std::to_string(code) + " " + reason_phrase(code) + "\n");
    EXPECT_EQ(r.find("Allow:") != std::string::npos, code == 405);
  }
  EXPECT_NE(build_error_reply(405, "s", kRfcExample).find("\r\nAllow: SSTP_DUPLEX_POST\r\n"), std::string::npos);
}

TEST(HttpClient, RequestIsWhatTheServerAccepts) {
  const std::string req = build_sstp_request("vpn.example.test", "{6A9C3BD5-1B3A-4E76-9A34-0CB7F6D2A1E0}");
  EXPECT_EQ(req,
            "SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\n"
            "Host: vpn.example.test\r\n"
            "Content-Length: 18446744073709551615\r\n"
            "SSTPCORRELATIONID: {6A9C3BD5-1B3A-4E76-9A34-0CB7F6D2A1E0}\r\n"
            "\r\n");
  request_config cfg;
  cfg.server_name = "vpn.example.test";
  request_parser p(cfg, t0);
  EXPECT_EQ(p.feed(bytes(req), t0).outcome, request_outcome::accepted);
  EXPECT_EQ(build_sstp_request("h", "").find("SSTPCORRELATIONID"), std::string::npos);
}

TEST(HttpClient, AcceptsServerOkAndHandsOnSstp) {
  const std::string reply = build_sstp_ok_reply("sstpgw", kRfcExample);
  const std::string stream = reply + std::string("\x10\x01\x00\x30", 4);
  response_parser p({}, t0);
  auto r = p.feed(bytes(stream), t0);
  ASSERT_EQ(r.outcome, request_outcome::accepted) << p.reason();
  EXPECT_EQ(r.consumed, reply.size());
  EXPECT_EQ(p.status_code(), 200);
}

TEST(HttpClient, AcceptsOkByteAtATime) {
  const std::string reply = build_sstp_ok_reply("Microsoft-HTTPAPI/2.0", kRfcExample);
  response_parser p({}, t0);
  for (size_t i = 0; i < reply.size(); ++i) {
    auto r = p.feed(bytes(reply).subspan(i, 1), t0);
    ASSERT_EQ(r.outcome, i + 1 < reply.size() ? request_outcome::need_more : request_outcome::accepted) << i;
  }
}

void expect_reply_rejected(const std::string& reply) {
  response_parser p({}, t0);
  EXPECT_EQ(p.feed(bytes(reply), t0).outcome, request_outcome::rejected) << reply;
  EXPECT_FALSE(p.reason().empty());
}

TEST(HttpClient, RejectsErrorStatus) {
  expect_reply_rejected(build_error_reply(404, "s", kRfcExample));
  response_parser p({}, t0);
  p.feed(bytes(build_error_reply(405, "s", kRfcExample)), t0);
  EXPECT_EQ(p.status_code(), 405);
}

TEST(HttpClient, RejectsHttp10Reply) { expect_reply_rejected("HTTP/1.0 200 OK\r\n\r\n"); }

TEST(HttpClient, RejectsOtherContentLength) {
  expect_reply_rejected("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
}

TEST(HttpClient, RejectsMalformedStatusLine) {
  expect_reply_rejected("HTTP/1.1 2x0 OK\r\n\r\n");
  expect_reply_rejected("HTTP/1.1\r\n\r\n");
  expect_reply_rejected("\r\n");
}

TEST(HttpClient, ReplyTimeout) {
  response_config cfg;
  cfg.timeout = 60s;
  response_parser p(cfg, t0);
  EXPECT_EQ(p.feed(bytes(std::string("HTTP/1.1 2")), t0 + 1s).outcome, request_outcome::need_more);
  EXPECT_EQ(p.check_timeout(t0 + 60s), request_outcome::rejected);
}

}  // namespace
}  // namespace sstpgw::http
