// The control protocol's one command table: name, usage, summary, handler. The
// control socket server dispatches requests through it, `sstpctl` discovers its
// commands' help through it, and the configuration loader calls the same
// handlers, so there is exactly one implementation of every operator action.
//
// Wire format (one JSON object per line, both ways; see protocol.hh):
//   request {"cmd": "cert.add", "args": {...}}
//   reply   {"ok": true, "data": ...} | {"ok": false, "error": "one line"}
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace sstpgw::ctl {

using json = nlohmann::json;

// Thrown by handlers for an operator error (bad argument, limit reached, not
// found): its message is the one line the operator sees.
class command_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct command {
  std::string name;     // dotted: "cert.add"
  std::string usage;    // argument synopsis: "name=NAME data=PEM|DER-base64"
  std::string summary;  // one line for help
  std::function<json(const json& args)> handler;
};

class command_table {
 public:
  // Registering a name twice is a programming error (throws std::logic_error).
  void add(command c);
  const command* find(const std::string& name) const;
  std::vector<const command*> list() const;

  // Runs one request object and returns the reply object; never throws.
  json dispatch(const json& request) const;

 private:
  std::map<std::string, command> commands_;
};

// Argument accessors for handlers: a missing or mistyped argument is a
// command_error naming the argument.
std::string arg_string(const json& args, const char* name);
std::string arg_string_or(const json& args, const char* name, const std::string& fallback);
int64_t arg_int_or(const json& args, const char* name, int64_t fallback);
bool arg_bool_or(const json& args, const char* name, bool fallback);

}  // namespace sstpgw::ctl
