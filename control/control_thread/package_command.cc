#include <stdexcept>

#include "control/common/base64.hh"
#include "control/control_thread/commands.hh"

namespace sstpgw::control_thread {

void add_package_command(ctl::command_table& table, gateway_state& gw) {
  using ctl::json;
  table.add({"client_package", "[server=DNS-NAME] [name=PROFILE]",
             "the files a Windows or Linux client installs to connect (CA, profiles, routes)",
             [&gw](const json& a) {
               const std::string server = ctl::arg_string_or(a, "server", "");
               const std::string name = ctl::arg_string_or(a, "name", "");
               std::vector<package::package_file> files;
               try {
                 files = gw.client_package(server, name);
               } catch (const std::invalid_argument& e) {
                 throw ctl::command_error(std::string("cannot build the client package: ") + e.what());
               }
               json list = json::array();
               for (const auto& f : files)
                 list.push_back({{"path", f.path},
                                 {"data", base64_encode(f.content)},
                                 {"executable", f.executable},
                                 {"size", f.content.size()}});
               return json{{"server", server.empty() ? gw.config().server_name : server},
                           {"name", name.empty() ? gw.config().name : name},
                           {"files", std::move(list)}};
             }});
}

}  // namespace sstpgw::control_thread
