// Newline framing for the control protocol, shared by the server and sstpctl:
// bytes in, complete lines out, with a bound on a line's length so a client that
// never sends a newline cannot grow the gateway's memory.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sstpgw::ctl {

class line_buffer {
 public:
  explicit line_buffer(size_t max_line) : max_line_(max_line) {}

  // Appends bytes; false once the bytes not yet taken as lines exceed the bound
  // (the owner drains lines after every append, so only an overlong line trips it).
  bool append(std::string_view bytes) {
    if (overflowed_) return false;
    pending_.append(bytes);
    if (pending_.size() - consumed_ > max_line_) overflowed_ = true;
    return !overflowed_;
  }
  bool overflowed() const { return overflowed_; }

  // The next complete line without its '\n', if any.
  std::optional<std::string> next_line() {
    if (overflowed_) return std::nullopt;
    size_t nl = pending_.find('\n', consumed_);
    if (nl == std::string::npos) {
      compact();
      return std::nullopt;
    }
    std::string line = pending_.substr(consumed_, nl - consumed_);
    consumed_ = nl + 1;
    return line;
  }

 private:
  void compact() {
    pending_.erase(0, consumed_);
    consumed_ = 0;
  }
  std::string pending_;
  size_t consumed_ = 0;
  size_t max_line_;
  bool overflowed_ = false;
};

}  // namespace sstpgw::ctl
