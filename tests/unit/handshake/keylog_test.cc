// NSS key log lines: parsing, and the file a context writes only when asked
// (append, mode 0600, one line per secret exactly as OpenSSL's peer logs it).
#include "control/handshake/keylog.hh"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>

#include "control/handshake/tls_endpoint.hh"
#include "tests/support/handshake_pki.hh"
#include "tests/support/openssl_peer.hh"
#include "tests/support/temp_dir.hh"

namespace sstpgw::handshake::testing {

using sstpgw::testing::temp_dir;
namespace {

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream f(path);
  std::vector<std::string> out;
  for (std::string l; std::getline(f, l);) out.push_back(l);
  return out;
}

TEST(KeylogLine, ParsesLabelRandomAndSecret) {
  const std::string line =
      "CLIENT_TRAFFIC_SECRET_0 " + std::string(62, '0') + "ff " + std::string(94, 'a') + "0B";
  keylog_entry e;
  ASSERT_TRUE(parse_keylog_line(line, e));
  EXPECT_EQ(e.label, "CLIENT_TRAFFIC_SECRET_0");
  EXPECT_EQ(e.client_random[31], 0xff);
  EXPECT_EQ(e.secret_len, 48u);
  EXPECT_EQ(e.secret[0], 0xaa);
  EXPECT_EQ(e.secret[47], 0x0b);
  wipe(e);
  EXPECT_EQ(e.secret_len, 0u);
  EXPECT_EQ(e.secret[0], 0);
}

TEST(KeylogLine, RejectsMalformedLines) {
  keylog_entry e;
  const std::string r(64, '1');
  EXPECT_FALSE(parse_keylog_line("", e));
  EXPECT_FALSE(parse_keylog_line("LABEL " + r, e));                               // no secret
  EXPECT_FALSE(parse_keylog_line("LABEL " + r.substr(2) + " 00", e));             // short random
  EXPECT_FALSE(parse_keylog_line("LABEL " + r + " 0", e));                        // odd hex
  EXPECT_FALSE(parse_keylog_line("LABEL " + r + " zz", e));                       // not hex
  EXPECT_FALSE(parse_keylog_line("LABEL " + r + " " + std::string(98, 'a'), e));  // > 48 bytes
  EXPECT_FALSE(parse_keylog_line(" " + r + " 00", e));                            // no label
}

TEST(KeylogFile, AppendsWholeLinesWithMode0600) {
  temp_dir dir;
  const auto path = dir.file("k.log");
  {
    std::ofstream f(path);
    f << "# kept\n";
  }
  ::chmod(path.c_str(), 0666);
  {
    keylog_file k(path);
    k.append("A 00 11");
    k.append("B 22 33");
  }
  keylog_file again(path);
  again.append("C 44 55");
  EXPECT_EQ(lines_of(path), (std::vector<std::string>{"# kept", "A 00 11", "B 22 33", "C 44 55"}));
  struct stat st {};
  ASSERT_EQ(0, ::stat(path.c_str(), &st));
  EXPECT_EQ(0600u, st.st_mode & 0777);
}

TEST(KeylogFile, RefusesSymlinks) {
  temp_dir dir;
  std::ofstream(dir.file("target")) << "";
  ASSERT_EQ(0, ::symlink(dir.file("target").c_str(), dir.file("link").c_str()));
  EXPECT_THROW(keylog_file k(dir.file("link")), config_error);
}

class KeylogFromContext : public ::testing::TestWithParam<tls_version> {};

TEST_P(KeylogFromContext, LinesAreExactlyWhatTheOpenSslPeerLogs) {
  temp_dir dir;
  const auto& pki = pki_for(key_kind::ec_p256);
  auto c = server_config(pki);
  c.protocol.min_version = c.protocol.max_version = GetParam();
  c.protocol.keylog_file = dir.file("keys.log");
  auto ctx = tls_context::make_server(c);
  std::vector<std::string> expected;
  for (int i = 0; i < 2; ++i) {  // two connections append to one file
    tls_endpoint server(ctx);
    openssl_peer client(
        {.min_version = static_cast<int>(GetParam()), .max_version = static_cast<int>(GetParam())});
    ASSERT_TRUE(run_handshake(server, client));
    expected.insert(expected.end(), client.keylog_lines().begin(), client.keylog_lines().end());
  }
  auto got = lines_of(c.protocol.keylog_file);
  std::sort(got.begin(), got.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(got, expected);
  // NSS format: LABEL, 64 hex client random, hex secret.
  const std::regex nss("^[A-Z_0-9]+ [0-9a-f]{64} [0-9a-f]{64,96}$");
  for (const auto& l : got) EXPECT_TRUE(std::regex_match(l, nss)) << l;
  // TLS 1.2: one CLIENT_RANDOM line per connection; TLS 1.3: five secrets.
  EXPECT_EQ(got.size(), GetParam() == tls_version::tls1_2 ? 2u : 10u);
}

TEST(KeylogFromContext, NothingIsWrittenUnlessConfigured) {
  temp_dir dir;
  const auto& pki = pki_for(key_kind::ec_p256);
  auto ctx = tls_context::make_server(server_config(pki));
  tls_endpoint server(ctx);
  openssl_peer client({});
  ASSERT_TRUE(run_handshake(server, client));
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

INSTANTIATE_TEST_SUITE_P(Versions, KeylogFromContext,
                         ::testing::Values(tls_version::tls1_2, tls_version::tls1_3), [](const auto& info) {
                           return info.param == tls_version::tls1_2 ? "TLS12" : "TLS13";
                         });

}  // namespace
}  // namespace sstpgw::handshake::testing
