// gateway_state at start: what it loads, what it refuses, and how the pool
// settings of the configuration are reconciled with the state directory.
#include "control/control_thread/gateway_state.hh"

#include <gtest/gtest.h>

#include <fstream>

#include "control/config/gateway_config.hh"
#include "control/handshake/tls_config.hh"
#include "control/pool/pool_settings.hh"
#include "tests/unit/control_thread/gateway_files.hh"

namespace sstpgw::control_thread {
namespace {

class GatewayState : public ::testing::Test {
 protected:
  std::unique_ptr<gateway_state> open(const testing::gateway_files_options& o = {}) {
    files_ = testing::write_gateway_files(tmp_, pki_, o);
    return std::make_unique<gateway_state>(config::parse_config(files_.toml, files_.config));
  }
  testing::temp_dir tmp_;
  testing::test_pki pki_ = testing::make_test_pki();
  testing::gateway_files files_;
};

TEST_F(GatewayState, RootsAndRevocationsSurviveARestart) {
  {
    auto gw = open();
    ASSERT_TRUE(gw->add_root("corp", pki_.root.cert_pem()).ok);
    ASSERT_TRUE(gw->revoke(pki_.client.sha1_thumbprint(), "lost").change.ok);
  }
  auto gw = open();
  ASSERT_EQ(gw->cert_store().roots().size(), 1u);
  EXPECT_EQ(gw->cert_store().roots()[0].name, "corp");
  ASSERT_EQ(gw->cert_store().revoked().size(), 1u);
  EXPECT_EQ(gw->status().roots, 1u);
}

TEST_F(GatewayState, SecondGatewayOnTheSameStateDirIsRefused) {
  auto gw = open();
  EXPECT_THROW(open(), state::state_error);
}

TEST_F(GatewayState, PoolSettingsAreRecordedThenComparedAtEachStart) {
  {
    auto gw = open();
    EXPECT_EQ(gw->pool_at_start().what, pool_reconciliation::outcome::first_record);
    state::state_dir& d = gw->state();
    auto saved = pool::load_pool_settings(d);
    ASSERT_TRUE(saved);
    EXPECT_EQ(*saved, gw->pool().settings());
  }
  {
    auto gw = open();
    EXPECT_EQ(gw->pool_at_start().what, pool_reconciliation::outcome::unchanged);
  }
  {
    auto gw = open({.pool_ranges = R"(["172.16.202.0/28"])"});
    const auto& r = gw->pool_at_start();
    EXPECT_EQ(r.what, pool_reconciliation::outcome::changed);
    ASSERT_TRUE(r.previous);
    EXPECT_EQ(r.previous->ranges[0].to_string(), "172.16.201.0/29");
    EXPECT_NE(r.message.find("the configuration wins"), std::string::npos) << r.message;
    EXPECT_EQ(gw->pool().capacity(), 14u);
    EXPECT_EQ(pool::load_pool_settings(gw->state())->ranges[0].to_string(), "172.16.202.0/28");
  }
}

TEST_F(GatewayState, AnUnreadablePoolRecordIsReplacedNotFatal) {
  { auto gw = open(); }
  {
    std::ofstream f(files_.state_dir + "/pool.json", std::ios::trunc);
    f << "{\"format\": \"sstpgw-pool\", \"version\": 1, \"ranges\": [";  // torn by a hand edit
  }
  auto gw = open();
  EXPECT_EQ(gw->pool_at_start().what, pool_reconciliation::outcome::replaced_unreadable);
  EXPECT_TRUE(pool::load_pool_settings(gw->state()));
}

TEST_F(GatewayState, ACorruptRootsFileStopsTheStart) {
  { auto gw = open(); }
  {
    std::ofstream f(files_.state_dir + "/roots.json", std::ios::trunc);
    f << "not json";
  }
  EXPECT_THROW(open(), state::state_error);
}

TEST_F(GatewayState, KeyThatDoesNotMatchTheCertificateIsAConfigError) {
  files_ = testing::write_gateway_files(tmp_, pki_);
  testing::write_file(files_.key, pki_.client.key_pem());
  EXPECT_THROW(gateway_state(config::parse_config(files_.toml, files_.config)), handshake::config_error);
}

TEST_F(GatewayState, MissingCaCertificateFileIsAConfigError) {
  files_ = testing::write_gateway_files(tmp_, pki_, {.ca_certificate = tmp_.file("missing.pem")});
  try {
    gateway_state gw(config::parse_config(files_.toml, files_.config));
    FAIL() << "started without its CA file";
  } catch (const handshake::config_error& e) {
    EXPECT_NE(std::string(e.what()).find("missing.pem"), std::string::npos) << e.what();
  }
}

TEST_F(GatewayState, CaCertificateThatDidNotIssueTheChainIsAWarning) {
  testing::write_file(tmp_.file("other.pem"), testing::make_root({.common_name = "unrelated"}).cert_pem());
  auto gw = open({.ca_certificate = tmp_.file("other.pem"), .leaf_only_chain = true});
  ASSERT_EQ(gw->identity().warnings.size(), 1u);
  EXPECT_NE(gw->identity().warnings[0].find("did not issue"), std::string::npos);
  EXPECT_TRUE(gw->identity().ca_problem.empty());
}

TEST_F(GatewayState, InjectedClockDatesChanges) {
  files_ = testing::write_gateway_files(tmp_, pki_);
  gateway_state_options o;
  o.wall_clock = [] { return int64_t{1767225600}; };  // 2026-01-01
  gateway_state gw(config::parse_config(files_.toml, files_.config), std::move(o));
  ASSERT_TRUE(gw.revoke(std::string(40, 'A'), "").change.ok);
  EXPECT_EQ(gw.cert_store().revoked()[0].added_at, 1767225600);
}

}  // namespace
}  // namespace sstpgw::control_thread
