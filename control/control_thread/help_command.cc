#include "control/control_thread/commands.hh"

namespace sstpgw::control_thread {

void add_help_command(ctl::command_table& table) {
  using ctl::json;
  const ctl::command_table* t = &table;
  table.add({"help", "[command=NAME]", "the control commands, their arguments and what they do",
             [t](const json& a) {
               auto entry = [](const ctl::command& c) {
                 return json{{"name", c.name}, {"usage", c.usage}, {"summary", c.summary}};
               };
               if (a.contains("command")) {
                 const std::string name = ctl::arg_string(a, "command");
                 const ctl::command* c = t->find(name);
                 if (!c) throw ctl::command_error("unknown command \"" + name + "\"");
                 return json{{"commands", json::array({entry(*c)})}};
               }
               json list = json::array();
               for (const auto* c : t->list()) list.push_back(entry(*c));
               return json{{"commands", std::move(list)}};
             }});
}

}  // namespace sstpgw::control_thread
