// Every command family through an in-process command table, as the control
// socket dispatches it: arguments in, reply JSON out, refusals as "ok": false.
#include "control/control_thread/commands.hh"

#include <gtest/gtest.h>

#include "control/common/base64.hh"
#include "control/config/gateway_config.hh"
#include "tests/unit/control_thread/fake_sessions.hh"
#include "tests/unit/control_thread/gateway_files.hh"

namespace sstpgw::control_thread {
namespace {

using ctl::json;

class Commands : public ::testing::Test {
 protected:
  void SetUp() override { open(); }

  void open(const testing::gateway_files_options& o = {}) {
    table_ = std::make_unique<ctl::command_table>();
    gw_.reset();
    files_ = testing::write_gateway_files(tmp_, pki_, o);
    gw_ = std::make_unique<gateway_state>(config::parse_config(files_.toml, files_.config));
    add_all_commands(*table_, *gw_);
  }

  json run(const std::string& cmd, json args = json::object()) {
    return table_->dispatch({{"cmd", cmd}, {"args", std::move(args)}});
  }
  json ok(const std::string& cmd, json args = json::object()) {
    json r = run(cmd, std::move(args));
    EXPECT_EQ(r["ok"], true) << cmd << ": " << r.dump();
    return r["data"];
  }
  std::string refused(const std::string& cmd, json args = json::object()) {
    json r = run(cmd, std::move(args));
    EXPECT_EQ(r["ok"], false) << cmd << ": " << r.dump();
    return r.value("error", "");
  }
  json add_root(const std::string& name, const std::string& file_bytes) {
    return run("cert.add", {{"name", name}, {"data", base64_encode(file_bytes)}});
  }
  void attach_fake() {
    gw_->attach_sessions(&sessions_);
    gw_->set_trust_withdrawn_hook(
        [this](const certs::store_event& e) { return sessions_.on_trust_withdrawn(e); });
  }

  testing::temp_dir tmp_;
  testing::test_pki pki_ = testing::make_test_pki();
  testing::gateway_files files_;
  std::unique_ptr<gateway_state> gw_;
  std::unique_ptr<ctl::command_table> table_;
  testing::fake_sessions sessions_;
};

TEST_F(Commands, StatusNamesTheGatewayAndCountsEverything) {
  json s = ok("status");
  EXPECT_EQ(s["version"], std::string(gateway_version()));
  EXPECT_EQ(s["name"], "contoso-vnet");
  EXPECT_EQ(s["server_name"], "vpn.example.test");
  EXPECT_EQ(s["listen_port"], 8443);
  EXPECT_EQ(s["workers"], 2);
  EXPECT_EQ(s["roots"]["count"], 0);
  EXPECT_EQ(s["roots"]["limit"], 20);
  EXPECT_EQ(s["revoked"]["count"], 0);
  EXPECT_EQ(s["pool"]["capacity"], 6);  // a /29 without network and broadcast
  EXPECT_EQ(s["pool"]["in_use"], 0);
  EXPECT_EQ(s["sessions"]["count"], 0);
  EXPECT_GE(s["uptime_s"].get<int64_t>(), 0);
  EXPECT_EQ(s["server_certificate"]["sha1"], pki_.server.sha1_thumbprint());
}

TEST_F(Commands, CertAddListRemove) {
  json added = add_root("corp-root", pki_.root.cert_pem());
  ASSERT_EQ(added["ok"], true) << added.dump();
  EXPECT_EQ(added["data"]["certificates"][0]["sha1"], pki_.root.sha1_thumbprint());
  json list = ok("cert.list");
  ASSERT_EQ(list["count"], 1);
  EXPECT_EQ(list["roots"][0]["name"], "corp-root");
  EXPECT_EQ(list["roots"][0]["sessions"], 0);
  json removed = ok("cert.remove", {{"id", "corp-root"}});
  EXPECT_EQ(removed["sessions_disconnected"], 0);
  EXPECT_EQ(ok("cert.list")["count"], 0);
}

TEST_F(Commands, CertAddTakesDerAndBase64Too) {
  auto der = pki_.root.cert_der();
  ASSERT_EQ(add_root("der-root", std::string(der.begin(), der.end()))["ok"], true);
  auto other = testing::make_root({.common_name = "second"});
  auto der2 = other.cert_der();
  std::string b64 = base64_encode(std::span<const uint8_t>(der2)) + "\r\n";
  ASSERT_EQ(add_root("b64-root", b64)["ok"], true);
  EXPECT_EQ(ok("cert.list")["count"], 2);
}

TEST_F(Commands, CertRefusals) {
  ASSERT_EQ(add_root("r0", pki_.root.cert_pem())["ok"], true);
  EXPECT_NE(refused("cert.add", {{"name", "again"}, {"data", base64_encode(pki_.root.cert_pem())}})
                .find("already a trusted root"),
            std::string::npos);
  EXPECT_NE(refused("cert.add", {{"name", "x"}, {"data", "%%% not base64"}}).find("Base64"),
            std::string::npos);
  EXPECT_NE(refused("cert.add", {{"name", "leaf"}, {"data", base64_encode(pki_.client.cert_pem())}}), "");
  EXPECT_NE(refused("cert.add", {{"data", base64_encode(pki_.root.cert_pem())}}).find("\"name\""),
            std::string::npos);
  EXPECT_NE(refused("cert.remove", {{"id", "nobody"}}).find("no trusted root"), std::string::npos);
}

TEST_F(Commands, TwentyFirstRootIsRefused) {
  for (int i = 1; i < 20; ++i)
    ASSERT_EQ(add_root("r" + std::to_string(i),
                       testing::make_root({.common_name = "r" + std::to_string(i)}).cert_pem())["ok"],
              true);
  ASSERT_EQ(add_root("r20", pki_.root.cert_pem())["ok"], true);
  EXPECT_NE(refused("cert.add", {{"name", "r21"}, {"data", base64_encode(testing::make_root({}).cert_pem())}})
                .find("at most 20"),
            std::string::npos);
  EXPECT_EQ(ok("status")["roots"]["count"], 20);
}

TEST_F(Commands, RemovingARootDisconnectsItsSessionsAndSaysHowMany) {
  ASSERT_EQ(add_root("corp", pki_.root.cert_pem())["ok"], true);
  auto other = testing::make_root({.common_name = "other"});
  ASSERT_EQ(add_root("other", other.cert_pem())["ok"], true);
  attach_fake();
  sessions_.add("alice", pki_.root.sha1_thumbprint(), pki_.client.sha1_thumbprint());
  sessions_.add("bob", pki_.root.sha1_thumbprint(), std::string(40, 'B'));
  sessions_.add("carol", other.sha1_thumbprint(), std::string(40, 'C'));

  json list = ok("cert.list");
  EXPECT_EQ(list["roots"][0]["sessions"], 2);
  EXPECT_EQ(list["roots"][1]["sessions"], 1);
  EXPECT_EQ(ok("status")["sessions"]["count"], 3);

  json r = ok("cert.remove", {{"id", pki_.root.sha1_thumbprint()}});
  EXPECT_EQ(r["sessions_disconnected"], 2);
  EXPECT_EQ(sessions_.count(), 1u);
  EXPECT_EQ(sessions_.killed()[0].killed_reason, "trust withdrawn: root_removed");
}

TEST_F(Commands, RevokeWindowsStyleThumbprintDisconnectsTheSession) {
  attach_fake();
  const std::string t = pki_.client.sha1_thumbprint();
  sessions_.add("alice", pki_.root.sha1_thumbprint(), t);
  sessions_.add("bob", pki_.root.sha1_thumbprint(), std::string(40, 'B'));
  // As copied from Windows' certificate dialog: lowercase pairs with spaces.
  std::string windows;
  for (size_t i = 0; i < t.size(); i += 2) windows += (i ? " " : "") + t.substr(i, 2);
  for (auto& c : windows) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  json r = ok("revoke.add", {{"thumbprint", windows}, {"comment", "alice's laptop, stolen"}});
  EXPECT_EQ(r["sessions_disconnected"], 1);
  EXPECT_EQ(sessions_.count(), 1u);
  json list = ok("revoke.list");
  ASSERT_EQ(list["count"], 1);
  EXPECT_EQ(list["revoked"][0]["thumbprint"], t);
  EXPECT_EQ(list["revoked"][0]["comment"], "alice's laptop, stolen");
  EXPECT_NE(refused("revoke.add", {{"thumbprint", t}}).find("already revoked"), std::string::npos);
  json un = ok("revoke.remove", {{"thumbprint", t}});
  EXPECT_EQ(un["sessions_disconnected"], 0);
  EXPECT_EQ(ok("revoke.list")["count"], 0);
}

TEST_F(Commands, MalformedThumbprintsAreRefused) {
  EXPECT_NE(refused("revoke.add", {{"thumbprint", "12345"}}), "");
  EXPECT_NE(refused("revoke.add", {{"thumbprint", std::string(40, 'G')}}), "");
  EXPECT_NE(
      refused("revoke.remove", {{"thumbprint", std::string(40, 'A')}}).find("not on the revocation list"),
      std::string::npos);
  EXPECT_NE(refused("revoke.add", json::object()).find("\"thumbprint\""), std::string::npos);
}

TEST_F(Commands, PoolShowNamesLeasesBySession) {
  attach_fake();
  const uint64_t id = sessions_.add("alice", pki_.root.sha1_thumbprint(), pki_.client.sha1_thumbprint(), 1);
  auto a = gw_->pool().allocate(1, id);
  ASSERT_TRUE(a.ok());
  json p = ok("pool.show");
  EXPECT_EQ(p["ranges"][0], "172.16.201.0/29");
  EXPECT_EQ(p["capacity"], 6);
  EXPECT_EQ(p["in_use"], 1);
  ASSERT_EQ(p["leases"].size(), 1u);
  EXPECT_EQ(p["leases"][0]["address"], a.addr.to_string());
  EXPECT_EQ(p["leases"][0]["session"], format_session_id(id));
  EXPECT_EQ(p["leases"][0]["identity"], "alice");
  EXPECT_EQ(p["settings_at_start"], "first_record");
  EXPECT_EQ(ok("status")["pool"]["in_use"], 1);
}

TEST_F(Commands, WithoutARegistryThereAreNoSessions) {
  json l = ok("session.list");
  EXPECT_EQ(l["count"], 0);
  EXPECT_TRUE(l["sessions"].empty());
  EXPECT_NE(refused("session.show", {{"id", "0.1.1"}}).find("no such session"), std::string::npos);
  EXPECT_NE(refused("session.kill", {{"id", "0.1.1"}}).find("no such session"), std::string::npos);
  EXPECT_NE(refused("session.kill", {{"id", "not-an-id"}}).find("not a session id"), std::string::npos);
}

TEST_F(Commands, SessionListShowKill) {
  attach_fake();
  const uint64_t id = sessions_.add("alice", pki_.root.sha1_thumbprint(), pki_.client.sha1_thumbprint(), 1);
  json l = ok("session.list");
  ASSERT_EQ(l["count"], 1);
  EXPECT_EQ(l["sessions"][0]["id"], format_session_id(id));
  EXPECT_EQ(l["sessions"][0]["identity"], "alice");
  EXPECT_EQ(l["sessions"][0]["worker"], 1);
  json s = ok("session.show", {{"id", format_session_id(id)}});
  EXPECT_EQ(s["details"]["tls"], "TLSv1.3");
  EXPECT_EQ(s["leaf"], pki_.client.sha1_thumbprint());
  json k = ok("session.kill", {{"id", format_session_id(id)}});
  EXPECT_EQ(k["killed"], format_session_id(id));
  EXPECT_EQ(sessions_.killed().at(0).killed_reason, "disconnected by the operator");
  EXPECT_NE(refused("session.kill", {{"id", format_session_id(id)}}).find("no such session"),
            std::string::npos);
}

TEST_F(Commands, ClientPackageFromTheConfiguration) {
  json p = ok("client_package");
  EXPECT_EQ(p["server"], "vpn.example.test");
  EXPECT_EQ(p["name"], "contoso-vnet");
  std::map<std::string, json> files;
  for (const auto& f : p["files"]) files[f["path"]] = f;
  ASSERT_TRUE(files.count("ca.crt"));
  EXPECT_EQ(*base64_decode(files["ca.crt"]["data"].get<std::string>()), pki_.root.cert_pem());
  EXPECT_EQ(*base64_decode(files["routes.txt"]["data"].get<std::string>()), "10.1.0.0/16\n192.168.50.0/24\n");
  const std::string ps = *base64_decode(files["windows/Install-VpnProfile.ps1"]["data"].get<std::string>());
  EXPECT_NE(ps.find("'vpn.example.test:8443'"), std::string::npos);

  json o = ok("client_package", {{"server", "vpn2.example.test"}, {"name", "lab"}});
  EXPECT_EQ(o["server"], "vpn2.example.test");
  bool has_lab_peer = false;
  for (const auto& f : o["files"]) has_lab_peer |= f["path"] == "linux/ppp/peers/lab";
  EXPECT_TRUE(has_lab_peer);
  EXPECT_NE(refused("client_package", {{"server", "bad name; rm -rf /"}}).find("cannot build"),
            std::string::npos);
}

TEST_F(Commands, ClientPackageNeedsACaWhenTheChainIsOnlyTheLeaf) {
  open({.leaf_only_chain = true});
  EXPECT_NE(refused("client_package").find("[tls] ca_certificate"), std::string::npos);
  testing::write_file(tmp_.file("ca.pem"), pki_.root.cert_pem());
  open({.ca_certificate = tmp_.file("ca.pem"), .leaf_only_chain = true});
  EXPECT_EQ(ok("client_package")["files"].size() > 3, true);
}

TEST_F(Commands, StatsHasControlCountersAndRegisteredProviders) {
  ASSERT_EQ(add_root("r", pki_.root.cert_pem())["ok"], true);
  auto id = gw_->stats().add_provider("worker0", [](std::vector<stat_counter>& out) {
    out.push_back({"tcp.rx_segments", 42, "segments received"});
  });
  std::map<std::string, uint64_t> values;
  const json stats = ok("stats");  // not ok("stats")["counters"] in the for: the temporary would die first
  for (const auto& c : stats["counters"]) values[c["name"].get<std::string>()] = c["value"].get<uint64_t>();
  EXPECT_EQ(values["control.roots_added"], 1u);
  EXPECT_EQ(values["worker0.tcp.rx_segments"], 42u);
  EXPECT_TRUE(gw_->stats().remove_provider(id));
  EXPECT_FALSE(gw_->stats().remove_provider(id));
  const json after = ok("stats");
  for (const auto& c : after["counters"]) EXPECT_NE(c["name"], "worker0.tcp.rx_segments");
}

TEST_F(Commands, HelpListsEveryCommandOfTheTable) {
  json h = ok("help");
  std::set<std::string> names;
  for (const auto& c : h["commands"]) names.insert(c["name"]);
  for (const char* n :
       {"status", "cert.add", "cert.list", "cert.remove", "revoke.add", "revoke.list", "revoke.remove",
        "pool.show", "session.list", "session.show", "session.kill", "client_package", "stats", "help"})
    EXPECT_TRUE(names.count(n)) << n;
  EXPECT_EQ(names.size(), table_->list().size());
  EXPECT_EQ(ok("help", {{"command", "cert.add"}})["commands"][0]["usage"], table_->find("cert.add")->usage);
  EXPECT_NE(refused("help", {{"command", "nope"}}).find("unknown command"), std::string::npos);
}

TEST(SessionIdText, FormatsAndParsesWorkerSlotGeneration) {
  const uint64_t id = (uint64_t{3} << 56) | (uint64_t{0xABCDE} << 32) | 77;
  EXPECT_EQ(format_session_id(id), "3.703710.77");
  EXPECT_EQ(parse_session_id("3.703710.77"), id);
  EXPECT_EQ(parse_session_id(std::to_string(id)), id);
  EXPECT_EQ(parse_session_id("0x03"
                             "0ABCDE0000004D"),
            id);
  EXPECT_FALSE(parse_session_id("256.0.0"));
  EXPECT_FALSE(parse_session_id("1.16777216.0"));
  EXPECT_FALSE(parse_session_id("1.2"));
  EXPECT_FALSE(parse_session_id("1.2.3.4"));
  EXPECT_FALSE(parse_session_id(""));
  EXPECT_FALSE(parse_session_id("-1"));
}

}  // namespace
}  // namespace sstpgw::control_thread
