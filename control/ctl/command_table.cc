#include "control/ctl/command_table.hh"

#include <exception>

namespace sstpgw::ctl {

void command_table::add(command c) {
  const std::string name = c.name;
  if (!commands_.emplace(name, std::move(c)).second)
    throw std::logic_error("control command registered twice: " + name);
}

const command* command_table::find(const std::string& name) const {
  auto it = commands_.find(name);
  return it == commands_.end() ? nullptr : &it->second;
}

std::vector<const command*> command_table::list() const {
  std::vector<const command*> out;
  out.reserve(commands_.size());
  for (const auto& [name, c] : commands_) out.push_back(&c);
  return out;
}

json command_table::dispatch(const json& request) const {
  auto fail = [](const std::string& message) { return json{{"ok", false}, {"error", message}}; };
  if (!request.is_object()) return fail("request must be a JSON object");
  auto cmd = request.find("cmd");
  if (cmd == request.end() || !cmd->is_string()) return fail("request has no \"cmd\" string");
  const command* c = find(cmd->get<std::string>());
  if (!c) return fail("unknown command \"" + cmd->get<std::string>() + "\" (try \"help\")");
  json args = json::object();
  if (auto a = request.find("args"); a != request.end()) {
    if (!a->is_object()) return fail("\"args\" must be an object");
    args = *a;
  }
  try {
    return json{{"ok", true}, {"data", c->handler(args)}};
  } catch (const command_error& e) {
    return fail(e.what());
  } catch (const json::exception& e) {
    return fail(std::string("bad arguments: ") + e.what());
  } catch (const std::exception& e) {
    // An unexpected failure inside a handler costs this request, not the gateway.
    return fail(std::string("internal error: ") + e.what());
  }
}

std::string arg_string(const json& args, const char* name) {
  auto it = args.find(name);
  if (it == args.end()) throw command_error(std::string("missing argument \"") + name + "\"");
  if (!it->is_string()) throw command_error(std::string("argument \"") + name + "\" must be a string");
  return it->get<std::string>();
}

std::string arg_string_or(const json& args, const char* name, const std::string& fallback) {
  return args.contains(name) ? arg_string(args, name) : fallback;
}

int64_t arg_int_or(const json& args, const char* name, int64_t fallback) {
  auto it = args.find(name);
  if (it == args.end()) return fallback;
  if (!it->is_number_integer()) throw command_error(std::string("argument \"") + name + "\" must be an integer");
  return it->get<int64_t>();
}

bool arg_bool_or(const json& args, const char* name, bool fallback) {
  auto it = args.find(name);
  if (it == args.end()) return fallback;
  if (!it->is_boolean()) throw command_error(std::string("argument \"") + name + "\" must be true or false");
  return it->get<bool>();
}

}  // namespace sstpgw::ctl
