#include "control/control_thread/session_directory.hh"
#include "dataplane/session/session_id.hh"

namespace sstpgw::control_thread {

std::string format_session_id(uint64_t id) { return session::session_id{id}.to_string(); }

std::optional<uint64_t> parse_session_id(std::string_view text) {
  auto id = session::session_id::parse(text);
  return id ? std::optional(id->value) : std::nullopt;
}

}  // namespace sstpgw::control_thread
