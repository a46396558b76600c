#include "control/state/json_state.hh"

#include <string>

namespace sstpgw::state {
namespace {

[[noreturn]] void refuse(std::string_view label, const std::string& problem) {
  throw state_error("state file " + std::string(label) + ": " + problem);
}

// 1-based line and column of byte offset `pos` (nlohmann reports bytes read).
std::string where(std::string_view bytes, size_t pos) {
  if (pos > 0) --pos;  // nlohmann counts the offending byte as read
  size_t line = 1, col = 1;
  for (size_t i = 0; i < pos && i < bytes.size(); ++i) {
    if (bytes[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return "line " + std::to_string(line) + " column " + std::to_string(col);
}

bool has_type(const nlohmann::json& v, nlohmann::json::value_t type) {
  using vt = nlohmann::json::value_t;
  switch (type) {
    case vt::number_integer:
      return v.is_number_integer();  // signed or unsigned
    case vt::number_unsigned:
      return v.is_number_unsigned();
    default:
      return v.type() == type;
  }
}

const char* type_name(nlohmann::json::value_t type) {
  using vt = nlohmann::json::value_t;
  switch (type) {
    case vt::object:
      return "an object";
    case vt::array:
      return "an array";
    case vt::string:
      return "a string";
    case vt::boolean:
      return "a boolean";
    case vt::number_integer:
      return "an integer";
    case vt::number_unsigned:
      return "a non-negative integer";
    case vt::number_float:
      return "a number";
    default:
      return "a value";
  }
}

}  // namespace

nlohmann::json parse_state_json(std::string_view label, std::string_view bytes, std::string_view format,
                                int max_version) {
  if (bytes.empty())
    refuse(label, "file is empty (expected a JSON object with \"format\": \"" + std::string(format) + "\")");
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(bytes.begin(), bytes.end());
  } catch (const nlohmann::json::parse_error& e) {
    std::string msg = e.what();
    // nlohmann prefixes "[json.exception.parse_error.101] parse error at line 1, column 2: ";
    // keep only the part after the last ": " that explains the problem.
    auto colon = msg.find("syntax error");
    if (colon != std::string::npos) msg = msg.substr(colon);
    refuse(label, "not valid JSON at " + where(bytes, e.byte) + ": " + msg);
  }
  if (!doc.is_object()) refuse(label, "expected a JSON object at the top level");
  auto f = doc.find("format");
  if (f == doc.end() || !f->is_string())
    refuse(label, "missing \"format\" (expected \"" + std::string(format) + "\")");
  if (f->get<std::string>() != format)
    refuse(label, "format is \"" + f->get<std::string>() + "\", expected \"" + std::string(format) + "\"");
  auto v = doc.find("version");
  if (v == doc.end() || !v->is_number_integer()) refuse(label, "missing integer \"version\"");
  const auto version = v->get<int64_t>();
  if (version < 1 || version > max_version)
    refuse(label, "version " + std::to_string(version) + " is not supported (this gateway reads 1.." +
                      std::to_string(max_version) + "; written by a newer gateway?)");
  return doc;
}

nlohmann::json make_state_json(std::string_view format, int version) {
  nlohmann::json doc = nlohmann::json::object();
  doc["format"] = std::string(format);
  doc["version"] = version;
  return doc;
}

std::optional<nlohmann::json> load_state_json(const state_dir& dir, std::string_view name,
                                              std::string_view format, int max_version) {
  auto bytes = dir.read(name);
  if (!bytes) return std::nullopt;
  return parse_state_json(dir.file_path(name), *bytes, format, max_version);
}

void save_state_json(state_dir& dir, std::string_view name, const nlohmann::json& doc) {
  // Invalid UTF-8 in a string becomes U+FFFD rather than an exception mid-save.
  std::string text = doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  text += '\n';
  dir.write_atomic(name, text);
}

const nlohmann::json& require_field(std::string_view label, const nlohmann::json& obj, std::string_view key,
                                    nlohmann::json::value_t type) {
  if (!obj.is_object()) refuse(label, "expected an object holding \"" + std::string(key) + "\"");
  auto it = obj.find(key);
  if (it == obj.end()) refuse(label, "missing field \"" + std::string(key) + "\"");
  if (!has_type(*it, type)) refuse(label, "field \"" + std::string(key) + "\" must be " + type_name(type));
  return *it;
}

}  // namespace sstpgw::state
