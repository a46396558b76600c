// sstpctl: the operator's CLI for a running sstpgw. Every subcommand is one
// request on the control socket (control/ctl); the gateway does the work, this
// program only parses arguments, reads/writes local files and renders replies.
//
// Exit status: 0 done; 1 the gateway refused (the message says why); 2 usage;
// 3 the gateway could not be reached; 4 a local file problem.
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>

#include "control/common/base64.hh"
#include "control/ctl/socket_client.hh"
#include "control/sstpctl/render.hh"

namespace sstpgw::sstpctl {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

enum exit_code { kOk = 0, kRefused = 1, kUsage = 2, kUnreachable = 3, kLocalFile = 4 };

struct local_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct options {
  std::string socket = "/run/sstpgw/sstpgw.sock";
  bool json_output = false;
  int timeout_ms = 10000;
};

std::string read_file(const std::string& path) {
  std::error_code ec;
  if (fs::exists(path, ec) && !fs::is_regular_file(path, ec)) throw local_error(path + " is not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw local_error("cannot read " + path + ": " + std::strerror(errno));
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (data.size() > (512u << 10))
    throw local_error(path + " is larger than 512 KiB; is it really a certificate?");
  return data;
}

// Writes the client package's files under dir (created; an existing non-empty
// dir is refused unless force).
void write_package(const json& files, const std::string& dir, bool force) {
  fs::path root(dir);
  std::error_code ec;
  if (fs::exists(root) && !fs::is_empty(root, ec) && !force)
    throw local_error(dir + " exists and is not empty (use --force to overwrite)");
  for (const auto& f : files) {
    const std::string rel = f.at("path").get<std::string>();
    fs::path p = fs::path(rel).lexically_normal();
    if (p.is_absolute() || rel.find("..") != std::string::npos)
      throw local_error("the gateway sent an unsafe package path: " + rel);
    auto bytes = base64_decode(f.at("data").get<std::string>());
    if (!bytes) throw local_error("the gateway sent a malformed package file: " + rel);
    fs::create_directories((root / p).parent_path(), ec);
    if (ec) throw local_error("cannot create " + (root / p).parent_path().string() + ": " + ec.message());
    std::ofstream out(root / p, std::ios::binary | std::ios::trunc);
    out << *bytes;
    if (!out) throw local_error("cannot write " + (root / p).string());
    out.close();
    fs::permissions(root / p, f.value("executable", false) ? fs::perms(0755) : fs::perms(0644), ec);
  }
}

struct request {
  std::string cmd;
  json args = json::object();
  std::vector<std::string> columns;                    // table column order for human output
  std::function<std::string(const json& data)> human;  // human output instead of the generic render
  std::function<void(const json& data)> on_success;    // replaces all output (e.g. writes files)
};

// Human output of a list reply: data[key] as a table of exactly `columns`, then a footer.
std::function<std::string(const json&)> table_of(std::string key, std::vector<std::string> columns,
                                                 std::function<std::string(const json&)> footer = {}) {
  return [key = std::move(key), columns = std::move(columns), footer = std::move(footer)](const json& data) {
    std::string out = render_rows(data.contains(key) ? data[key] : json::array(), columns);
    if (footer) out += footer(data);
    return out;
  };
}

// Human output of cert add|remove and revoke add|remove: what happened, on
// which certificates, warnings, and the sessions it cost.
std::string change_text(const json& data) {
  std::string out = data.value("message", std::string("done")) + "\n";
  if (data.contains("certificates") && !data["certificates"].empty())
    out += render_rows(data["certificates"], {"subject", "sha1", "not_after"});
  for (const auto& w : data.value("warnings", json::array()))
    out += "warning: " + w.get<std::string>() + "\n";
  if (data.contains("sessions_disconnected"))
    out += "sessions disconnected: " + std::to_string(data["sessions_disconnected"].get<uint64_t>()) + "\n";
  return out;
}

// `status` for a person: the reply's fields in the order one reads them.
std::string status_text(const json& d) {
  auto str = [&](const json& o, const char* k) { return o.contains(k) ? cell_text(o[k]) : std::string("-"); };
  const json& cert = d.value("server_certificate", json::object());
  const json& roots = d.value("roots", json::object());
  const json& pool = d.value("pool", json::object());
  const json& sessions = d.value("sessions", json::object());
  std::string out;
  out += "sstpgw " + str(d, "version") + " '" + str(d, "name") + "', up " + str(d, "uptime") + " (since " +
         str(d, "started_at") + ")\n";
  out += "server:        " + str(d, "server_name") + ":" + str(d, "listen_port") + "\n";
  out += "certificate:   " + str(cert, "subject") + ", SHA-1 " + str(cert, "sha1") + ", expires " +
         str(cert, "not_after") + "\n";
  out += "workers:       " + str(d, "workers") + "\n";
  out += "trusted roots: " + str(roots, "count") + " of " + str(roots, "limit") + "\n";
  out += "revoked:       " + str(d.value("revoked", json::object()), "count") + "\n";
  out += "pool:          " + str(pool, "in_use") + " of " + str(pool, "capacity") + " addresses in use\n";
  out += "sessions:      " + str(sessions, "count");
  if (sessions.value("registry", std::string()) == "none") out += " (no data plane attached)";
  out += "\nstate:         " + str(d, "state_dir") + "\n";
  return out;
}

// `pool show` for a person: use first, then where addresses sit, who holds
// them, and the counters that explain refusals.
std::string pool_text(const json& d) {
  auto str = [&](const json& o, const char* k) { return o.contains(k) ? cell_text(o[k]) : std::string("-"); };
  auto list = [&](const char* k) {
    std::string s;
    for (const auto& v : d.value(k, json::array())) s += (s.empty() ? "" : ", ") + v.get<std::string>();
    return s.empty() ? std::string("none") : s;
  };
  static const std::map<std::string, std::string> kAtStart = {
      {"first_record", "first start with this state directory"},
      {"unchanged", "as at the last start"},
      {"changed", "changed in the configuration since the last start"},
      {"replaced_unreadable", "the recorded pool settings were unreadable and were rewritten"}};
  const std::string at_start = d.value("settings_at_start", std::string());
  const json& c = d.value("counters", json::object());
  std::string out;
  out += "ranges:   " + list("ranges") + " (excluded: " + list("exclude") + ")";
  if (auto it = kAtStart.find(at_start); it != kAtStart.end()) out += ", " + it->second;
  out += "\nin use:   " + str(d, "in_use") + " of " + str(d, "capacity") + " (" + str(d, "free") + " free)\n";
  out += "refused:  " + str(c, "exhausted") + " (pool empty); handed out " + str(c, "allocations") + ", " +
         str(c, "fallbacks") + " of them not on the session's own worker; freed " + str(c, "releases") + "\n";
  out += "\n" + render_rows(d.value("workers", json::array()), {"worker", "capacity", "free"});
  const json& leases = d.value("leases", json::array());
  out += "\n";
  out += leases.empty() ? std::string("no leases\n") : render_rows(leases, {"address", "session", "identity", "worker"});
  return out;
}

int run(const options& opt, const request& req) {
  json reply;
  try {
    reply = ctl::call(opt.socket, req.cmd, req.args, opt.timeout_ms);
  } catch (const std::exception& e) {
    std::cerr << "sstpctl: " << e.what() << "\n";
    return kUnreachable;
  }
  if (!reply.value("ok", false)) {
    std::cerr << "sstpctl: " << reply.value("error", std::string("the gateway refused without a reason"))
              << "\n";
    return kRefused;
  }
  const json& data = reply.contains("data") ? reply["data"] : json();
  try {
    if (req.on_success) {
      req.on_success(data);
    } else if (opt.json_output) {
      std::cout << data.dump(2) << "\n";
    } else if (req.human) {
      std::cout << req.human(data);
    } else {
      std::cout << render(data, req.columns);
    }
  } catch (const local_error& e) {
    std::cerr << "sstpctl: " << e.what() << "\n";
    return kLocalFile;
  } catch (const std::exception& e) {
    // A reply without the fields this command needs: a gateway of another version.
    std::cerr << "sstpctl: the gateway's reply to " << req.cmd << " is not what this sstpctl understands ("
              << e.what() << ")\n";
    return kUnreachable;
  }
  return kOk;
}

}  // namespace

int run_cli(int argc, char** argv) {
  options opt;
  request req;
  CLI::App app{"sstpctl: manage a running sstpgw SSTP VPN gateway"};
  app.set_version_flag("--version", "sstpctl " SSTPGW_VERSION);
  app.add_option("--socket", opt.socket, "control socket of the gateway")
      ->envname("SSTPGW_SOCKET")
      ->capture_default_str();
  app.add_flag("--json", opt.json_output, "print the gateway's reply as JSON");
  app.add_option("--timeout-ms", opt.timeout_ms, "how long to wait for the gateway")->capture_default_str();
  app.require_subcommand(1);

  app.add_subcommand("status", "gateway status: version, uptime, sessions, pool, roots")->callback([&] {
    req.cmd = "status";
    req.human = status_text;
  });

  // cert: trusted roots
  auto* cert =
      app.add_subcommand("cert", "trusted root certificates that client certificates chain to (at most 20)");
  cert->require_subcommand(1);
  std::string cert_file, cert_name, cert_id;
  auto* cert_add =
      cert->add_subcommand("add", "trust a root: PEM, DER or Base64 .cer file (as exported on Windows)");
  cert_add->add_option("file", cert_file, "certificate file")->required();
  cert_add->add_option("--name", cert_name, "display name (default: the file's name without extension)");
  cert_add->callback([&] {
    if (cert_name.empty()) cert_name = fs::path(cert_file).stem().string();
    req.cmd = "cert.add";
    req.args = {{"name", cert_name}, {"data", base64_encode(read_file(cert_file))}};
    req.human = change_text;
  });
  cert->add_subcommand("list", "list trusted roots")->callback([&] {
    req.cmd = "cert.list";
    req.human = table_of("roots", {"name", "subject", "sha1", "not_after", "sessions"}, [](const json& d) {
      return std::to_string(d.value("count", 0)) + " of " + std::to_string(d.value("limit", 20)) +
             " trusted roots\n";
    });
  });
  auto* cert_rm = cert->add_subcommand("remove", "stop trusting a root; its live sessions are disconnected");
  cert_rm->add_option("id", cert_id, "root name or SHA-1 thumbprint")->required();
  cert_rm->callback([&] {
    req.cmd = "cert.remove";
    req.args = {{"id", cert_id}};
    req.human = change_text;
  });

  // revoke: client certificate thumbprints
  auto* revoke = app.add_subcommand("revoke", "revoked client certificates, by SHA-1 thumbprint");
  revoke->require_subcommand(1);
  // A thumbprint pasted from Windows without quotes arrives as several words
  // ("4e 3b 9a ..."): they are joined; the gateway ignores the spaces.
  std::vector<std::string> thumbprint_words;
  std::string comment;
  auto thumbprint = [&] {
    std::string t;
    for (const auto& w : thumbprint_words) t += (t.empty() ? "" : " ") + w;
    return t;
  };
  auto* rv_add =
      revoke->add_subcommand("add", "revoke a client certificate; its live sessions are disconnected");
  rv_add
      ->add_option("thumbprint", thumbprint_words,
                   "SHA-1 thumbprint (hex, any case; spaces and colons ignored, quotes not needed)")
      ->required();
  rv_add->add_option("--comment", comment, "why (kept with the entry)");
  rv_add->callback([&] {
    req.cmd = "revoke.add";
    req.args = {{"thumbprint", thumbprint()}, {"comment", comment}};
    req.human = change_text;
  });
  revoke->add_subcommand("list", "list revoked thumbprints")->callback([&] {
    req.cmd = "revoke.list";
    req.human = [](const json& d) {
      json rows = json::array();
      for (const auto& r : d.value("revoked", json::array()))
        rows.push_back({{"thumbprint", r.value("thumbprint", "")},
                        {"comment", r.value("comment", "")},
                        {"added", r.value("added_at", "")}});
      return render_rows(rows, {"thumbprint", "comment", "added"});
    };
  });
  auto* rv_rm = revoke->add_subcommand("remove", "un-revoke a thumbprint");
  rv_rm->add_option("thumbprint", thumbprint_words, "SHA-1 thumbprint")->required();
  rv_rm->callback([&] {
    req.cmd = "revoke.remove";
    req.args = {{"thumbprint", thumbprint()}};
    req.human = change_text;
  });

  // session
  auto* session = app.add_subcommand("session", "client sessions");
  session->require_subcommand(1);
  std::string session_id, kill_reason;
  session->add_subcommand("list", "list sessions")->callback([&] {
    req.cmd = "session.list";
    req.human = table_of("sessions", {"id", "identity", "address", "remote", "state", "since", "worker",
                                      "rx_bytes", "tx_bytes"});
  });
  auto* s_show = session->add_subcommand("show", "one session in detail");
  s_show->add_option("id", session_id, "session id")->required();
  s_show->callback([&] {
    req.cmd = "session.show";
    req.args = {{"id", session_id}};
  });
  auto* s_kill = session->add_subcommand("kill", "disconnect a session");
  s_kill->add_option("id", session_id, "session id")->required();
  s_kill->add_option("--reason", kill_reason, "why (logged)");
  s_kill->callback([&] {
    req.cmd = "session.kill";
    req.args = {{"id", session_id}};
    if (!kill_reason.empty()) req.args["reason"] = kill_reason;
    req.human = [](const json& d) {
      return "disconnecting session " + d.value("killed", std::string()) + "\n";
    };
  });

  auto* pool = app.add_subcommand("pool", "client address pool");
  pool->require_subcommand(1);
  pool->add_subcommand("show", "pool ranges, use and leases")->callback([&] {
    req.cmd = "pool.show";
    req.human = pool_text;
  });

  app.add_subcommand("stats", "data-plane and control counters")->callback([&] {
    req.cmd = "stats";
    req.human = table_of("counters", {"name", "value", "description"});
  });

  app.add_subcommand("commands", "list the gateway's control commands")->callback([&] {
    req.cmd = "help";
    req.human = table_of("commands", {"name", "usage", "summary"});
  });

  std::string pkg_server, pkg_out, pkg_name;
  bool pkg_force = false;
  auto* pkg = app.add_subcommand("client-package", "write the files a client needs to connect");
  pkg->add_option("--server", pkg_server, "DNS name clients dial (must match the server certificate)")
      ->required();
  pkg->add_option("--out", pkg_out, "output directory")->required();
  pkg->add_option("--name", pkg_name, "VPN profile name on the client (default: the gateway's)");
  pkg->add_flag("--force", pkg_force, "write into a non-empty directory");
  pkg->callback([&] {
    req.cmd = "client_package";
    req.args = {{"server", pkg_server}};
    if (!pkg_name.empty()) req.args["name"] = pkg_name;
    req.on_success = [&](const json& data) {
      write_package(data.at("files"), pkg_out, pkg_force);
      if (opt.json_output) {
        json listing = json::array();
        for (const auto& f : data["files"]) listing.push_back(pkg_out + "/" + f["path"].get<std::string>());
        std::cout << json{{"out", pkg_out}, {"files", listing}}.dump(2) << "\n";
      } else {
        std::cout << "wrote client package to " << pkg_out << ":\n";
        for (const auto& f : data["files"]) std::cout << "  " << f["path"].get<std::string>() << "\n";
      }
    };
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kUsage;
  } catch (const local_error& e) {
    std::cerr << "sstpctl: " << e.what() << "\n";
    return kLocalFile;
  }
  return run(opt, req);
}

}  // namespace sstpgw::sstpctl

int main(int argc, char** argv) {
  try {
    return sstpgw::sstpctl::run_cli(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "sstpctl: " << e.what() << "\n";
    return 1;
  }
}
