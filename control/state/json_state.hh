// State files in JSON: one object per file with a "format" tag and a "version",
// so a file put in the wrong place, truncated by a copy, or written by a newer
// gateway is refused with a message that names the file and the problem,
// instead of the gateway starting with empty state.
//
//   {"format": "sstpgw-roots", "version": 1, ...payload...}
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "control/state/state_dir.hh"

namespace sstpgw::state {

// Parses `bytes` (named `label` in errors, normally the file path) and checks the
// envelope: an object whose "format" equals `format` and whose "version" is an
// integer in 1..max_version. Throws state_error "state file <label>: <problem>".
nlohmann::json parse_state_json(std::string_view label, std::string_view bytes, std::string_view format,
                                int max_version);

// A new object with the envelope filled in; the caller adds the payload.
nlohmann::json make_state_json(std::string_view format, int version);

// read() + parse_state_json(); nullopt if the file does not exist.
std::optional<nlohmann::json> load_state_json(const state_dir& dir, std::string_view name,
                                              std::string_view format, int max_version);
// Pretty-printed (an operator may read it) and written with write_atomic().
void save_state_json(state_dir& dir, std::string_view name, const nlohmann::json& doc);

// Field access that throws state_error naming the file and the field.
const nlohmann::json& require_field(std::string_view label, const nlohmann::json& obj, std::string_view key,
                                    nlohmann::json::value_t type);

}  // namespace sstpgw::state
