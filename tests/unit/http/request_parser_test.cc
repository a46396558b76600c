#include "control/http/request_parser.hh"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "control/http/client_request.hh"

namespace sstpgw::http {
namespace {

using namespace std::chrono_literals;

const time_point t0 = time_point{} + 1000s;

std::span<const uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// A request as Windows sends it.
const std::string kWindowsRequest =
    "SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\n"
    "Host: vpn.example.test\r\n"
    "Content-Length: 18446744073709551615\r\n"
    "SSTPCORRELATIONID: {1A2B3C4D-0000-1111-2222-333344445555}\r\n"
    "\r\n";

request_parser::result feed_all(request_parser& p, const std::string& s, time_point now = t0) {
  return p.feed(bytes(s), now);
}

TEST(HttpRequest, AcceptsWindowsRequest) {
  request_parser p({}, t0);
  auto r = feed_all(p, kWindowsRequest);
  ASSERT_EQ(r.outcome, request_outcome::accepted) << p.reason();
  EXPECT_EQ(r.consumed, kWindowsRequest.size());
  EXPECT_EQ(p.request().host, "vpn.example.test");
  EXPECT_EQ(p.request().correlation_id, "1A2B3C4D-0000-1111-2222-333344445555");
  EXPECT_TRUE(p.request().had_content_length);
}

TEST(HttpRequest, AcceptsSstpClientRequestWithBareGuid) {
  const std::string req = build_sstp_request("10.0.0.1", "1A2B3C4D-0000-1111-2222-333344445555");
  request_parser p({}, t0);
  auto r = feed_all(p, req);
  ASSERT_EQ(r.outcome, request_outcome::accepted) << p.reason();
  EXPECT_EQ(p.request().correlation_id, "1A2B3C4D-0000-1111-2222-333344445555");
}

TEST(HttpRequest, HeaderNamesAreCaseInsensitive) {
  const std::string req =
      "SSTP_DUPLEX_POST /SRA_{ba195980-cd49-458B-9e23-c84ee0adcd75}/ HTTP/1.1\r\n"
      "hOsT:   vpn.example.test  \r\n"
      "CONTENT-LENGTH: 18446744073709551615\r\n"
      "sstpcorrelationid: {abc}\r\n"
      "\r\n";
  request_config cfg;
  cfg.server_name = "VPN.example.test";
  request_parser p(cfg, t0);
  ASSERT_EQ(feed_all(p, req).outcome, request_outcome::accepted) << p.reason();
  EXPECT_EQ(p.request().host, "vpn.example.test");
  EXPECT_EQ(p.request().correlation_id, "abc");
}

TEST(HttpRequest, ContentLengthMayBeAbsent) {
  const std::string req =
      "SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\nHost: h\r\n\r\n";
  request_parser p({}, t0);
  ASSERT_EQ(feed_all(p, req).outcome, request_outcome::accepted);
  EXPECT_FALSE(p.request().had_content_length);
}

TEST(HttpRequest, ByteAtATime) {
  request_parser p({}, t0);
  for (size_t i = 0; i < kWindowsRequest.size(); ++i) {
    auto r = p.feed(bytes(kWindowsRequest).subspan(i, 1), t0 + std::chrono::milliseconds(i));
    if (i + 1 < kWindowsRequest.size()) {
      ASSERT_EQ(r.outcome, request_outcome::need_more) << "at byte " << i;
    } else {
      ASSERT_EQ(r.outcome, request_outcome::accepted) << p.reason();
    }
    EXPECT_EQ(r.consumed, 1u);
  }
}

TEST(HttpRequest, BytesAfterHeaderAreHandedOn) {
  const std::string sstp = std::string("\x10\x01\x00\x0e\x00\x01\x00\x01\x00\x01\x00\x06\x00\x01", 14);
  const std::string both = kWindowsRequest + sstp;
  // Split so the header ends inside the second piece, with SSTP after it.
  request_parser p({}, t0);
  const size_t first = 30;
  auto r1 = p.feed(bytes(both).first(first), t0);
  ASSERT_EQ(r1.outcome, request_outcome::need_more);
  EXPECT_EQ(r1.consumed, first);
  auto rest = bytes(both).subspan(first);
  auto r2 = p.feed(rest, t0);
  ASSERT_EQ(r2.outcome, request_outcome::accepted);
  EXPECT_EQ(r2.consumed, kWindowsRequest.size() - first);
  auto after = rest.subspan(r2.consumed);
  EXPECT_EQ(std::string(after.begin(), after.end()), sstp);
  // Further input is not the parser's business.
  EXPECT_EQ(p.feed(after, t0).consumed, 0u);
}

TEST(HttpRequest, EmptyInputIsHarmless) {
  request_parser p({}, t0);
  auto r = p.feed({}, t0);
  EXPECT_EQ(r.outcome, request_outcome::need_more);
  EXPECT_EQ(r.consumed, 0u);
  EXPECT_EQ(feed_all(p, kWindowsRequest).outcome, request_outcome::accepted);
}

TEST(HttpRequest, BareLfLineEndsAccepted) {
  const std::string req =
      "SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\nHost: h\n\n";
  request_parser p({}, t0);
  EXPECT_EQ(feed_all(p, req).outcome, request_outcome::accepted);
}

TEST(HttpRequest, LeadingEmptyLineIgnored) {
  request_parser p({}, t0);
  EXPECT_EQ(feed_all(p, "\r\n" + kWindowsRequest).outcome, request_outcome::accepted);
}

void expect_rejected(const std::string& req, int code, const request_config& cfg = {}) {
  request_parser p(cfg, t0);
  auto r = feed_all(p, req);
  EXPECT_EQ(r.outcome, request_outcome::rejected) << req;
  EXPECT_EQ(p.status_code(), code) << p.reason();
  EXPECT_FALSE(p.reason().empty());
}

TEST(HttpRequest, BrowserGetIs405) {
  expect_rejected(
      "GET / HTTP/1.1\r\nHost: vpn.example.test\r\nUser-Agent: Mozilla/5.0\r\nAccept: text/html\r\n\r\n", 405);
}

TEST(HttpRequest, HealthCheckGetHttp10Is405) {
  expect_rejected("GET /health HTTP/1.0\r\n\r\n", 405);
}

TEST(HttpRequest, PostToSstpPathIs405) {
  expect_rejected("POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\nHost: h\r\n\r\n", 405);
}

TEST(HttpRequest, MethodIsCaseSensitive) {
  expect_rejected("sstp_duplex_post /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\nHost: h\r\n\r\n",
                  405);
}

TEST(HttpRequest, WrongPathIs404) {
  expect_rejected("SSTP_DUPLEX_POST /sra_{00000000-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\nHost: h\r\n\r\n",
                  404);
  expect_rejected("SSTP_DUPLEX_POST / HTTP/1.1\r\nHost: h\r\n\r\n", 404);
  expect_rejected("SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/?x=1 HTTP/1.1\r\nHost: h\r\n\r\n",
                  404);
}

TEST(HttpRequest, Http10Is505) {
  expect_rejected("SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.0\r\nHost: h\r\n\r\n",
                  505);
}

TEST(HttpRequest, Http20Is505) {
  expect_rejected("SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/2.0\r\nHost: h\r\n\r\n",
                  505);
}

TEST(HttpRequest, MalformedRequestLineIs400) {
  expect_rejected("SSTP_DUPLEX_POST\r\n\r\n", 400);
  expect_rejected("SSTP_DUPLEX_POST  /sra_x/ HTTP/1.1\r\n\r\n", 400);  // two spaces
  expect_rejected("SSTP_DUPLEX_POST /x HTTP/1.1 extra\r\n\r\n", 400);
  expect_rejected("SSTP_DUPLEX_POST /x HTTPS/1.1\r\n\r\n", 400);
  expect_rejected("GE(T / HTTP/1.1\r\n\r\n", 400);
}

TEST(HttpRequest, TlsClientHelloOnPlainPortIs400) {
  // The start of a TLS record with a ClientHello: a stray CR / NUL / no spaces.
  const std::string hello("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\x00\n", 14);
  expect_rejected(hello, 400);
}

TEST(HttpRequest, BinaryIsRefusedAtTheFirstByte) {
  request_parser p({}, t0);
  const std::string hello("\x16\x03\x01\x00\xc8\x01\x00\x00\xc4\x03\x03", 11);
  auto r = feed_all(p, hello);
  EXPECT_EQ(r.outcome, request_outcome::rejected);
  EXPECT_EQ(p.status_code(), 400);
}

TEST(HttpRequest, StrayCrIs400) {
  expect_rejected("SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\nHo\rst: h\r\n\r\n", 400);
}

TEST(HttpRequest, MissingHostIs400) {
  expect_rejected("SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\n\r\n", 400);
}

TEST(HttpRequest, DuplicateHostIs400) {
  expect_rejected(
      "SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400);
}

TEST(HttpRequest, WrongHostIs400WhenConfigured) {
  request_config cfg;
  cfg.server_name = "vpn.example.test";
  expect_rejected(
      "SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\nHost: other.test\r\n\r\n", 400,
      cfg);
}

TEST(HttpRequest, HostWithPortMatchesConfiguredName) {
  request_config cfg;
  cfg.server_name = "vpn.example.test";
  request_parser p(cfg, t0);
  EXPECT_EQ(feed_all(p,
                     "SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\n"
                     "Host: vpn.example.test:443\r\n\r\n")
                .outcome,
            request_outcome::accepted)
      << p.reason();
  request_config cfg6;
  cfg6.server_name = "[2001:db8::1]";
  request_parser p6(cfg6, t0);
  EXPECT_EQ(feed_all(p6,
                     "SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\n"
                     "Host: [2001:db8::1]:443\r\n\r\n")
                .outcome,
            request_outcome::accepted)
      << p6.reason();
}

TEST(HttpRequest, OtherContentLengthIs400) {
  expect_rejected(
      "SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n",
      400);
  expect_rejected(
      "SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\nHost: h\r\n"
      "Content-Length: 18446744073709551615\r\nContent-Length: 5\r\n\r\n",
      400);
}

TEST(HttpRequest, TransferEncodingIs400) {
  expect_rejected(
      "SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\nHost: h\r\n"
      "Transfer-Encoding: chunked\r\n\r\n",
      400);
}

TEST(HttpRequest, MalformedFieldLinesAre400) {
  const std::string start = "SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\nHost: h\r\n";
  expect_rejected(start + "NoColonHere\r\n\r\n", 400);
  expect_rejected(start + "Bad Name: x\r\n\r\n", 400);
  expect_rejected(start + "Name : x\r\n\r\n", 400);
  expect_rejected(start + "X: a\r\n  folded\r\n\r\n", 400);  // obs-fold
  expect_rejected(start + ": empty-name\r\n\r\n", 400);
  expect_rejected(start + "X: a\x01" "b\r\n\r\n", 400);
}

TEST(HttpRequest, TooManyFieldsIs431) {
  std::string req = "SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\nHost: h\r\n";
  for (int i = 0; i < 40; ++i) req += "X-" + std::to_string(i) + ": v\r\n";
  req += "\r\n";
  expect_rejected(req, 431);
}

TEST(HttpRequest, HugeFieldLineIs431) {
  std::string req = "SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\n";
  req += "Cookie: " + std::string(5000, 'a') + "\r\n\r\n";
  expect_rejected(req, 431);
}

TEST(HttpRequest, HugeHeaderSectionIs431) {
  std::string req = "SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\n";
  for (int i = 0; i < 5; ++i) req += "X-" + std::to_string(i) + ": " + std::string(2000, 'b') + "\r\n";
  req += "\r\n";
  expect_rejected(req, 431);
}

TEST(HttpRequest, HugeHeaderWithoutNewlinesStopsAtTheLimit) {
  // A peer streaming bytes with no line end: decided within the limit, not buffered forever.
  request_config cfg;
  request_parser p(cfg, t0);
  const std::string chunk(1000, 'A');
  request_outcome last = request_outcome::need_more;
  size_t fed = 0;
  while (last == request_outcome::need_more && fed < 100000) {
    last = p.feed(bytes(chunk), t0).outcome;
    fed += chunk.size();
  }
  EXPECT_EQ(last, request_outcome::rejected);
  EXPECT_LE(fed, cfg.limits.max_line + chunk.size());
  EXPECT_EQ(p.status_code(), 414);
}

TEST(HttpRequest, LongRequestLineIs414) {
  std::string req = "SSTP_DUPLEX_POST /" + std::string(5000, 'x') + " HTTP/1.1\r\n\r\n";
  expect_rejected(req, 414);
}

TEST(HttpRequest, TimeoutIs408) {
  request_config cfg;
  cfg.timeout = 5s;
  request_parser p(cfg, t0);
  EXPECT_EQ(p.deadline(), t0 + 5s);
  EXPECT_EQ(p.feed(bytes(kWindowsRequest).first(20), t0 + 1s).outcome, request_outcome::need_more);
  EXPECT_EQ(p.check_timeout(t0 + 4999ms), request_outcome::need_more);
  EXPECT_EQ(p.check_timeout(t0 + 5s), request_outcome::rejected);
  EXPECT_EQ(p.status_code(), 408);
}

TEST(HttpRequest, BytesAfterTheDeadlineAre408) {
  request_config cfg;
  cfg.timeout = 5s;
  request_parser p(cfg, t0);
  auto r = p.feed(bytes(kWindowsRequest), t0 + 6s);
  EXPECT_EQ(r.outcome, request_outcome::rejected);
  EXPECT_EQ(r.consumed, 0u);
  EXPECT_EQ(p.status_code(), 408);
}

TEST(HttpRequest, DecisionIsFinal) {
  request_parser p({}, t0);
  ASSERT_EQ(feed_all(p, "GET / HTTP/1.1\r\nHost: h\r\n\r\n").outcome, request_outcome::rejected);
  EXPECT_EQ(feed_all(p, kWindowsRequest).outcome, request_outcome::rejected);
  EXPECT_EQ(p.status_code(), 405);
  EXPECT_EQ(p.check_timeout(t0 + 1h), request_outcome::rejected);
  EXPECT_EQ(p.status_code(), 405);
}

TEST(HttpRequest, EverySplitGivesTheSameAnswer) {
  const std::string sstp("\x10\x01\x00\x08\x00\x08\x00\x00", 8);
  const std::string both = kWindowsRequest + sstp;
  for (size_t cut = 1; cut < both.size(); ++cut) {
    request_parser p({}, t0);
    auto r1 = p.feed(bytes(both).first(cut), t0);
    size_t used = r1.consumed;
    if (r1.outcome == request_outcome::need_more) {
      auto r2 = p.feed(bytes(both).subspan(cut), t0);
      ASSERT_EQ(r2.outcome, request_outcome::accepted) << cut;
      used += r2.consumed;
    }
    ASSERT_EQ(p.outcome(), request_outcome::accepted) << cut;
    ASSERT_EQ(used, kWindowsRequest.size()) << cut;
  }
}

}  // namespace
}  // namespace sstpgw::http
