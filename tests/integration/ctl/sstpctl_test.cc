// sstpctl as an operator runs it: a separate process talking to the test host
// (sstpgw-ctl-host: gateway_state + control_thread, no data plane) over a real
// Unix socket. Every command in human and --json form, every exit status,
// certificates as PEM, DER and Base64 .cer files, the client package on disk
// (judged by pppd where installed), state across a restart and across a
// SIGKILL in the middle of a state write, and the socket's mode and group.
#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "control/common/base64.hh"
#include "control/state/state_dir.hh"
#include "tests/support/pppd_check.hh"
#include "tests/integration/ctl/processes.hh"
#include "tests/unit/control_thread/gateway_files.hh"
#include "tests/support/files.hh"

namespace sstpgw::testing {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

std::string windows_style(const std::string& thumbprint) {
  std::string out;
  for (size_t i = 0; i < thumbprint.size(); i += 2) {
    if (i) out += ' ';
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(thumbprint[i])));
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(thumbprint[i + 1])));
  }
  return out;
}

class Sstpctl : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::access(kSstpctl.c_str(), X_OK), 0)
        << kSstpctl << " is not built (ninja control/sstpctl/sstpctl)";
    ASSERT_EQ(::access(kHost.c_str(), X_OK), 0) << kHost << " is not built";
    files_ = write_gateway_files(tmp_, pki_, options_);
    start_host();
  }

  void start_host(std::vector<std::string> env = {}) {
    host_ = std::make_unique<host_process>(files_.config, files_.socket, tmp_.file("host.log"), true,
                                           std::move(env));
    ASSERT_TRUE(host_->start()) << "host did not start:\n" << read_text(tmp_.file("host.log"));
  }

  process_result ctl(std::vector<std::string> args) {
    args.insert(args.begin(), {kSstpctl, "--socket", files_.socket});
    return run_process(args);
  }
  // Runs with --json, expects exit 0, returns the parsed stdout.
  json ctl_json(std::vector<std::string> args) {
    args.insert(args.begin(), "--json");
    process_result r = ctl(args);
    EXPECT_EQ(r.status, 0) << r.err;
    json j = json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out;
    return j;
  }
  std::string ctl_ok(std::vector<std::string> args) {
    process_result r = ctl(args);
    EXPECT_EQ(r.status, 0) << args[0] << ": " << r.err;
    EXPECT_EQ(r.err, "");
    return r.out;
  }
  std::string write(const std::string& name, const std::string& bytes) {
    write_file(tmp_.file(name), bytes);
    return tmp_.file(name);
  }
  std::string write_der(const std::string& name, const issued_cert& c) {
    auto der = c.cert_der();
    return write(name, std::string(der.begin(), der.end()));
  }
  json add_session(const std::string& identity, const std::string& root, const std::string& leaf) {
    json r = ctl::call(files_.socket, "test.add_session",
                       {{"identity", identity}, {"root", root}, {"leaf", leaf}});
    EXPECT_EQ(r["ok"], true) << r.dump();
    return r["data"];
  }

  temp_dir tmp_;
  test_pki pki_ = make_test_pki();
  gateway_files_options options_;
  gateway_files files_;
  std::unique_ptr<host_process> host_;
};

// --- every command, human and JSON ---

TEST_F(Sstpctl, Status) {
  std::string human = ctl_ok({"status"});
  EXPECT_EQ(human.rfind("sstpgw ", 0), 0u) << human;
  EXPECT_NE(human.find("server:        vpn.example.test:8443\n"), std::string::npos) << human;
  EXPECT_NE(human.find("trusted roots: 0 of 20\n"), std::string::npos) << human;
  EXPECT_NE(human.find("pool:          0 of 6 addresses in use\n"), std::string::npos) << human;
  EXPECT_NE(human.find("sessions:      0\n"), std::string::npos) << human;
  json s = ctl_json({"status"});
  EXPECT_EQ(s["name"], "contoso-vnet");
  EXPECT_EQ(s["listen_port"], 8443);
  EXPECT_EQ(s["workers"], 2);
  EXPECT_EQ(s["roots"]["count"], 0);
  EXPECT_EQ(s["revoked"]["count"], 0);
  EXPECT_EQ(s["pool"]["capacity"], 6);
  EXPECT_EQ(s["sessions"]["count"], 0);
  EXPECT_EQ(s["sessions"]["registry"], "attached");  // the host's fake registry
  EXPECT_EQ(s["server_certificate"]["sha1"], pki_.server.sha1_thumbprint());
  EXPECT_TRUE(s["version"].is_string());
}

TEST_F(Sstpctl, CertAddAcceptsPemDerAndBase64CerFiles) {
  auto der_root = make_root({.common_name = "DER root"});
  auto b64_root = make_root({.common_name = "Base64 root"});
  auto der = b64_root.cert_der();
  const std::string pem_file = write("corp.crt", pki_.root.cert_pem());
  const std::string der_file = write_der("lab.cer", der_root);
  // Windows' "Base-64 encoded X.509" without armour, as Azure's portal takes it, in CRLF lines.
  std::string b64 = base64_encode(std::span<const uint8_t>(der));
  for (size_t at = 64; at < b64.size(); at += 66) b64.insert(at, "\r\n");
  const std::string b64_file = write("partner.cer", b64 + "\r\n");

  std::string out = ctl_ok({"cert", "add", pem_file});
  EXPECT_NE(out.find("added 1 trusted root(s); 1 of 20 in use"), std::string::npos) << out;
  EXPECT_NE(out.find(pki_.root.sha1_thumbprint()), std::string::npos) << out;
  json j = ctl_json({"cert", "add", der_file});
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["certificates"][0]["sha1"], der_root.sha1_thumbprint());
  j = ctl_json({"cert", "add", b64_file, "--name", "partner-ca"});
  EXPECT_EQ(j["certificates"][0]["sha1"], b64_root.sha1_thumbprint());

  std::string list = ctl_ok({"cert", "list"});
  EXPECT_NE(list.find("NAME"), std::string::npos);
  EXPECT_NE(list.find("corp "), std::string::npos) << list;  // named after the file
  EXPECT_NE(list.find("lab "), std::string::npos) << list;
  EXPECT_NE(list.find("partner-ca"), std::string::npos) << list;
  EXPECT_NE(list.find("3 of 20 trusted roots"), std::string::npos) << list;
  json l = ctl_json({"cert", "list"});
  ASSERT_EQ(l["count"], 3);
  EXPECT_EQ(l["roots"][1]["name"], "lab");
  EXPECT_NE(l["roots"][1]["subject"].get<std::string>().find("CN=DER root"), std::string::npos) << l.dump();

  out = ctl_ok({"cert", "remove", "lab"});
  EXPECT_NE(out.find("removed trusted root"), std::string::npos) << out;
  EXPECT_NE(out.find("sessions disconnected: 0"), std::string::npos) << out;
  j = ctl_json({"cert", "remove", windows_style(b64_root.sha1_thumbprint())});
  EXPECT_EQ(j["sessions_disconnected"], 0);
  EXPECT_EQ(ctl_json({"cert", "list"})["count"], 1);
}

TEST_F(Sstpctl, CertRemoveDisconnectsTheSessionsOfThatRoot) {
  ctl_ok({"cert", "add", write("corp.crt", pki_.root.cert_pem())});
  add_session("alice", pki_.root.sha1_thumbprint(), pki_.client.sha1_thumbprint());
  add_session("bob", pki_.root.sha1_thumbprint(), std::string(40, 'B'));
  json l = ctl_json({"cert", "list"});
  EXPECT_EQ(l["roots"][0]["sessions"], 2);
  std::string out = ctl_ok({"cert", "remove", "corp"});
  EXPECT_NE(out.find("sessions disconnected: 2"), std::string::npos) << out;
  EXPECT_EQ(ctl_json({"session", "list"})["count"], 0);
}

TEST_F(Sstpctl, RevokeAddListRemoveWithAWindowsStyleThumbprint) {
  const std::string t = pki_.client.sha1_thumbprint();
  add_session("alice", pki_.root.sha1_thumbprint(), t);
  // "‎4e 3b ..." as copied from the certificate dialog, with its invisible left-to-right mark.
  std::string out =
      ctl_ok({"revoke", "add", "\u200e" + windows_style(t), "--comment", "alice laptop stolen"});
  EXPECT_NE(out.find("revoked " + t), std::string::npos) << out;
  EXPECT_NE(out.find("sessions disconnected: 1"), std::string::npos) << out;
  std::string list = ctl_ok({"revoke", "list"});
  EXPECT_NE(list.find("THUMBPRINT"), std::string::npos) << list;
  EXPECT_NE(list.find(t), std::string::npos) << list;
  EXPECT_NE(list.find("alice laptop stolen"), std::string::npos) << list;
  json l = ctl_json({"revoke", "list"});
  ASSERT_EQ(l["count"], 1);
  EXPECT_EQ(l["revoked"][0]["thumbprint"], t);
  json j = ctl_json({"revoke", "add", std::string(40, 'a')});
  EXPECT_EQ(j["sessions_disconnected"], 0);
  // Pasted without quotes: the shell splits it into 20 words.
  std::vector<std::string> words = {"revoke", "remove"};
  for (size_t i = 0; i < t.size(); i += 2) words.push_back(t.substr(i, 2));
  out = ctl_ok(words);
  EXPECT_NE(out.find(t), std::string::npos) << out;
  j = ctl_json({"revoke", "remove", std::string(40, 'A')});
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(ctl_json({"revoke", "list"})["count"], 0);
}

TEST_F(Sstpctl, SessionListShowKill) {
  EXPECT_EQ(ctl_ok({"session", "list"}), "(none)\n");
  EXPECT_EQ(ctl_json({"session", "list"})["count"], 0);
  json added = add_session("alice", pki_.root.sha1_thumbprint(), pki_.client.sha1_thumbprint());
  const std::string id = added["id"];

  std::string list = ctl_ok({"session", "list"});
  EXPECT_NE(list.find("IDENTITY"), std::string::npos) << list;
  const std::string row = list.substr(list.find('\n') + 1);
  EXPECT_EQ(row.rfind(id + "  alice     " + added["address"].get<std::string>(), 0), 0u) << list;
  json l = ctl_json({"session", "list"});
  ASSERT_EQ(l["count"], 1);
  EXPECT_EQ(l["sessions"][0]["identity"], "alice");

  std::string show = ctl_ok({"session", "show", id});
  EXPECT_NE(show.find("details.tls:"), std::string::npos) << show;
  json s = ctl_json({"session", "show", id});
  EXPECT_EQ(s["leaf"], pki_.client.sha1_thumbprint());
  EXPECT_EQ(s["address"], added["address"]);

  EXPECT_EQ(ctl_ok({"session", "kill", id}), "disconnecting session " + id + "\n");
  EXPECT_EQ(ctl_json({"session", "list"})["count"], 0);
  json again = add_session("bob", pki_.root.sha1_thumbprint(), std::string(40, 'B'));
  json k = ctl_json({"session", "kill", again["id"], "--reason", "maintenance"});
  EXPECT_EQ(k["killed"], again["id"]);
  EXPECT_EQ(k["reason"], "maintenance");
}

TEST_F(Sstpctl, PoolShow) {
  json added = add_session("alice", pki_.root.sha1_thumbprint(), pki_.client.sha1_thumbprint());
  std::string human = ctl_ok({"pool", "show"});
  EXPECT_NE(human.find("in use:   1 of 6 (5 free)\n"), std::string::npos) << human;
  EXPECT_NE(human.find("ranges:   172.16.201.0/29 (excluded: none)"), std::string::npos) << human;
  EXPECT_NE(human.find("ADDRESS"), std::string::npos) << human;
  EXPECT_NE(human.find("alice"), std::string::npos) << human;
  EXPECT_NE(human.find(added["address"].get<std::string>()), std::string::npos) << human;
  json p = ctl_json({"pool", "show"});
  EXPECT_EQ(p["ranges"][0], "172.16.201.0/29");
  EXPECT_EQ(p["capacity"], 6);
  EXPECT_EQ(p["in_use"], 1);
  ASSERT_EQ(p["workers"].size(), 2u);
  EXPECT_EQ(p["leases"][0]["session"], added["id"]);
  EXPECT_EQ(p["leases"][0]["identity"], "alice");
}

TEST_F(Sstpctl, StatsAndCommands) {
  ctl_ok({"status"});
  std::string stats = ctl_ok({"stats"});
  EXPECT_NE(stats.find("ctl.requests"), std::string::npos) << stats;
  EXPECT_NE(stats.find("control.roots_added"), std::string::npos) << stats;
  json s = ctl_json({"stats"});
  std::map<std::string, uint64_t> v;
  for (const auto& c : s["counters"]) v[c["name"].get<std::string>()] = c["value"].get<uint64_t>();
  EXPECT_GE(v["ctl.requests"], 2u);  // the host's readiness probe and `status`
  EXPECT_TRUE(v.count("loop.iterations"));

  std::string cmds = ctl_ok({"commands"});
  EXPECT_NE(cmds.find("cert.add"), std::string::npos) << cmds;
  EXPECT_NE(cmds.find("USAGE"), std::string::npos) << cmds;
  json c = ctl_json({"commands"});
  std::set<std::string> names;
  for (const auto& e : c["commands"]) names.insert(e["name"].get<std::string>());
  for (const char* n :
       {"status", "cert.add", "cert.list", "cert.remove", "revoke.add", "revoke.list", "revoke.remove",
        "pool.show", "session.list", "session.show", "session.kill", "client_package", "stats", "help"})
    EXPECT_TRUE(names.count(n)) << n;
}

TEST_F(Sstpctl, ClientPackageWritesTheFiles) {
  const std::string out_dir = tmp_.file("package");
  std::string out = ctl_ok({"client-package", "--server", "vpn.example.test", "--out", out_dir});
  EXPECT_NE(out.find("wrote client package to " + out_dir), std::string::npos) << out;
  EXPECT_EQ(read_text(out_dir + "/ca.crt"), pki_.root.cert_pem());
  auto der = pki_.root.cert_der();
  EXPECT_EQ(read_text(out_dir + "/ca.cer"), std::string(der.begin(), der.end()));
  EXPECT_EQ(read_text(out_dir + "/routes.txt"), "10.1.0.0/16\n192.168.50.0/24\n");
  const std::string ps = read_text(out_dir + "/windows/Install-VpnProfile.ps1");
  EXPECT_NE(ps.find("'vpn.example.test:8443'"), std::string::npos);
  EXPECT_NE(ps.find("-TunnelType Sstp -AuthenticationMethod Eap"), std::string::npos);
  struct stat st {};
  ASSERT_EQ(0, ::stat((out_dir + "/linux/ppp/ip-up.d/contoso-vnet-routes").c_str(), &st));
  EXPECT_EQ(st.st_mode & 0777, 0755u);
  const std::string peer = out_dir + "/linux/ppp/peers/contoso-vnet";
  EXPECT_NE(read_text(peer).find("vpn.example.test"), std::string::npos);
  if (pppd_installed()) {
    auto v = pppd_dryrun(peer);
    EXPECT_TRUE(v.accepted) << v.output;
  }

  json j = ctl_json(
      {"client-package", "--server", "vpn2.example.test", "--name", "lab", "--out", tmp_.file("package2")});
  EXPECT_EQ(j["out"], tmp_.file("package2"));
  bool has_peer = false;
  for (const auto& f : j["files"]) has_peer |= f == tmp_.file("package2") + "/linux/ppp/peers/lab";
  EXPECT_TRUE(has_peer) << j.dump();
  EXPECT_NE(read_text(tmp_.file("package2") + "/windows/Install-VpnProfile.ps1").find("vpn2.example.test"),
            std::string::npos);
}

// --- every error exit ---

TEST_F(Sstpctl, UnreachableSocketIsExit3) {
  process_result r = run_process({kSstpctl, "--socket", tmp_.file("nobody-here.sock"), "status"});
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("is sstpgw running?"), std::string::npos) << r.err;
}

TEST_F(Sstpctl, TwentyFirstRootIsRefusedWithExit1) {
  for (int i = 0; i < 20; ++i) {
    auto root = make_root({.common_name = "root " + std::to_string(i)});
    ASSERT_EQ(ctl({"cert", "add", write("r" + std::to_string(i) + ".crt", root.cert_pem())}).status, 0);
  }
  process_result r =
      ctl({"cert", "add", write("r20.crt", make_root({.common_name = "one too many"}).cert_pem())});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("at most 20 trusted roots"), std::string::npos) << r.err;
  EXPECT_EQ(ctl_json({"status"})["roots"]["count"], 20);
}

TEST_F(Sstpctl, UnknownRootOnRemoveIsExit1) {
  process_result r = ctl({"cert", "remove", "nobody"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("no trusted root has the name or thumbprint 'nobody'"), std::string::npos) << r.err;
}

TEST_F(Sstpctl, MalformedThumbprintIsExit1) {
  process_result r = ctl({"revoke", "add", "12 34 zz"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err, "");
  EXPECT_EQ(ctl_json({"revoke", "list"})["count"], 0);
}

TEST_F(Sstpctl, DuplicateRootIsExit1) {
  ctl_ok({"cert", "add", write("corp.crt", pki_.root.cert_pem())});
  process_result r = ctl({"cert", "add", write_der("same.cer", pki_.root)});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("already a trusted root, named 'corp'"), std::string::npos) << r.err;
}

TEST_F(Sstpctl, UsageErrorsAreExit2) {
  EXPECT_EQ(ctl({}).status, 2);
  EXPECT_EQ(ctl({"cert"}).status, 2);
  EXPECT_EQ(ctl({"cert", "add"}).status, 2);
  EXPECT_EQ(ctl({"frobnicate"}).status, 2);
  EXPECT_EQ(ctl({"status", "--no-such-flag"}).status, 2);
  EXPECT_EQ(ctl({"client-package", "--out", tmp_.file("p")}).status, 2);  // --server is required
}

TEST_F(Sstpctl, MissingLocalFileIsExit4) {
  process_result r = ctl({"cert", "add", tmp_.file("no-such.cer")});
  EXPECT_EQ(r.status, 4);
  EXPECT_NE(r.err.find("cannot read"), std::string::npos) << r.err;
  // A package into a directory that already has files, without --force.
  fs::create_directories(tmp_.file("full"));
  write("full/keep.txt", "mine");
  r = ctl({"client-package", "--server", "vpn.example.test", "--out", tmp_.file("full")});
  EXPECT_EQ(r.status, 4);
  EXPECT_NE(r.err.find("--force"), std::string::npos) << r.err;
}

// --- state across restarts and crashes ---

TEST_F(Sstpctl, StateSurvivesARestart) {
  ctl_ok({"cert", "add", write("corp.crt", pki_.root.cert_pem())});
  ctl_ok({"cert", "add", write_der("lab.cer", make_root({.common_name = "lab"}))});
  ctl_ok({"revoke", "add", pki_.client.sha1_thumbprint(), "--comment", "gone"});
  const json roots = ctl_json({"cert", "list"});
  const json revoked = ctl_json({"revoke", "list"});

  int status = host_->stop(SIGTERM);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << read_text(tmp_.file("host.log"));
  EXPECT_FALSE(fs::exists(files_.socket)) << "the socket file outlived a clean stop";
  EXPECT_EQ(ctl({"status"}).status, 3);

  start_host();
  EXPECT_EQ(ctl_json({"cert", "list"}), roots);
  EXPECT_EQ(ctl_json({"revoke", "list"}), revoked);
  EXPECT_EQ(ctl_json({"pool", "show"})["settings_at_start"], "unchanged");
}

TEST_F(Sstpctl, SigintStopsTheHostCleanly) {
  int status = host_->stop(SIGINT);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_NE(read_text(tmp_.file("host.log")).find("INT received: shutting down"), std::string::npos);
}

TEST_F(Sstpctl, KilledBetweenWriteAndRenameShowsOldOrNewStateNeverBroken) {
  ctl_ok({"cert", "add", write("corp.crt", pki_.root.cert_pem())});
  host_->stop();
  const std::string next_root = write("next.crt", make_root({.common_name = "next"}).cert_pem());
  int landed = 0;
  for (const char* stage : {"temp_partial", "temp_written", "temp_synced", "renamed", "dir_synced"}) {
    SCOPED_TRACE(stage);
    const json before = [&] {
      start_host();
      json b = ctl_json({"cert", "list"});
      host_->stop();
      return b;
    }();
    start_host({std::string(state::kCrashEnvVar) + "=" + stage});
    // The host dies inside the write: sstpctl sees the connection close unanswered.
    const bool adding = before["count"] == 1;
    process_result r = adding ? ctl({"cert", "add", next_root}) : ctl({"cert", "remove", "next"});
    EXPECT_EQ(r.status, 3) << r.err;
    EXPECT_NE(r.err.find("closed the control connection"), std::string::npos) << r.err;
    const int status = host_->reap();
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;

    start_host();  // a crash must never leave state that stops the gateway
    const json after = ctl_json({"cert", "list"});
    const bool is_new = std::string(stage) == "renamed" || std::string(stage) == "dir_synced";
    EXPECT_EQ(after["count"], is_new ? (adding ? 2 : 1) : before["count"].get<int>());
    if (!is_new) {
      EXPECT_EQ(after, before);
    }
    landed += is_new;
    host_->stop();
  }
  EXPECT_EQ(landed, 2);
  start_host();
}

// --- the socket's permissions ---

class SstpctlSocketGroup : public Sstpctl {
 protected:
  void SetUp() override {
    group* g = ::getgrnam("adm");
    passwd* pw = ::getpwnam("daemon");
    if (!g || !pw) GTEST_SKIP() << "no 'adm' group or 'daemon' user on this system";
    if (::geteuid() != 0) GTEST_SKIP() << "changing a socket's owner needs root";
    gid_ = g->gr_gid;
    uid_ = pw->pw_uid;
    options_.extra_control = "socket_mode = \"0640\"\nsocket_owner = \"daemon\"\nsocket_group = \"adm\"";
    Sstpctl::SetUp();
  }
  gid_t gid_ = 0;
  uid_t uid_ = 0;
};

TEST_F(SstpctlSocketGroup, SocketHasTheConfiguredModeOwnerAndGroup) {
  struct stat st {};
  ASSERT_EQ(0, ::stat(files_.socket.c_str(), &st));
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  EXPECT_EQ(st.st_gid, gid_);
  EXPECT_EQ(st.st_uid, uid_);
  EXPECT_EQ(ctl({"status"}).status, 0) << "root still reaches it";
  // Someone outside the group cannot connect (needs a user to run as).
  if (::getuid() == 0 && ::access("/usr/sbin/runuser", X_OK) == 0 && ::getgrnam("nogroup")) {
    ::chmod(tmp_.path().c_str(), 0755);  // let the other user reach the socket's directory
    ::chmod(fs::path(files_.socket).parent_path().c_str(), 0755);
    process_result r = run_process(
        {"/usr/sbin/runuser", "-u", "nobody", "--", kSstpctl, "--socket", files_.socket, "status"});
    EXPECT_EQ(r.status, 3) << r.out << r.err;
    EXPECT_NE(r.err.find("Permission denied"), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace sstpgw::testing

namespace sstpgw::testing {
namespace {

// What a new operator does, with the project's own certificate tool: make a
// root, a server and a client certificate; start the gateway with the server
// chain; trust the root as Windows exports it (.cer, DER and Base64); build the
// client package; revoke the client by the thumbprint the tool prints.
TEST(SstpctlNewUser, CertificatesFromTheToolThenRootThenPackage) {
  const std::string tool = std::string(SSTPGW_SOURCE_ROOT) + "/scripts/sstpgw-certs";
  temp_dir tmp;
  const std::string pki = tmp.file("pki");
  auto certs = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {tool, "--dir", pki});
    process_result r = run_process(args);
    EXPECT_EQ(r.status, 0) << r.err;
    return r.out;
  };
  certs({"root", "P2SRoot"});
  certs({"server", "vpn", "--dns", "vpn.example.test", "--ca", "P2SRoot"});
  certs({"client", "alice", "--ca", "P2SRoot"});
  certs({"export-cer", "P2SRoot"});
  const std::string b64_cer = tmp.file("P2SRoot-base64.cer");
  write_file(b64_cer, certs({"export-cer", "P2SRoot", "--base64"}));
  std::string alice = certs({"thumbprint", "alice"});
  while (!alice.empty() && (alice.back() == '\n' || alice.back() == ' ')) alice.pop_back();
  ASSERT_EQ(alice.size(), 40u) << alice;

  const std::string socket = tmp.file("run/sstpgw.sock");
  const std::string config = tmp.file("sstpgw.toml");
  write_file(config, gateway_toml(tmp.file("state"), pki + "/vpn.chain.pem", pki + "/vpn.key", socket));
  host_process host(config, socket, tmp.file("host.log"), /*fake_sessions=*/false);
  ASSERT_TRUE(host.start()) << read_text(tmp.file("host.log"));
  auto ctl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {kSstpctl, "--socket", socket});
    process_result r = run_process(args);
    std::printf(
        "$ sstpctl%s\n%s%s",
        [&] {
          std::string s;
          for (size_t i = 3; i < args.size(); ++i) s += " " + args[i];
          return s;
        }()
            .c_str(),
        r.out.c_str(), r.err.c_str());
    return r;
  };

  process_result r = ctl({"cert", "add", pki + "/P2SRoot.cer"});
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("added 1 trusted root(s)"), std::string::npos);
  r = ctl({"cert", "add", b64_cer, "--name", "again"});
  EXPECT_EQ(r.status, 1) << "the same root as Base64 is a duplicate";
  r = ctl({"cert", "list"});
  EXPECT_NE(r.out.find("P2SRoot"), std::string::npos);
  r = ctl({"revoke", "add", alice, "--comment", "alice left"});
  EXPECT_EQ(r.status, 0);
  r = ctl({"client-package", "--server", "vpn.example.test", "--out", tmp.file("alice-package")});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(read_text(tmp.file("alice-package/ca.crt")), read_text(pki + "/P2SRoot.crt"));
  r = ctl({"status"});
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("sessions:      0 (no data plane attached)\n"), std::string::npos);
}

}  // namespace
}  // namespace sstpgw::testing
