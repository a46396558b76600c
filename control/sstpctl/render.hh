// Human output for sstpctl: tables for lists, aligned "key: value" lines for
// objects. --json bypasses this and prints the gateway's reply data as is.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace sstpgw::sstpctl {

// Renders a reply's data. For an array of objects, `columns` fixes the column
// order (other keys follow alphabetically); empty means all keys alphabetically.
std::string render(const nlohmann::json& data, const std::vector<std::string>& columns = {});

// An array of objects as a table with exactly `columns` (keys a row lacks show
// as "-"); "(none)" for an empty array.
std::string render_rows(const nlohmann::json& rows, const std::vector<std::string>& columns);

// One cell: strings bare, numbers and booleans as JSON, arrays comma-joined,
// null as "-".
std::string cell_text(const nlohmann::json& v);

}  // namespace sstpgw::sstpctl
