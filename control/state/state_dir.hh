// The operator's persisted state: one directory of small files (trusted roots,
// revoked thumbprints, pool settings, ...), each replaced atomically.
//
// Every write goes temp file in the same directory -> write -> fsync(file) ->
// rename over the target -> fsync(directory), so a crash (or power loss) at any
// point leaves either the old or the new file, never a torn one. Temp files a
// crash left behind are removed when the directory is opened. One process owns
// the directory at a time (flock on ".lock"), so one gateway never cleans up
// another one's temp files.
//
// What is *not* here: file formats. Each owner (certs, pool, ...) validates its
// own files at load and refuses a corrupt one (see json_state.hh).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sstpgw::state {

inline constexpr const char* kDefaultStateDir = "/var/lib/sstpgw";
// A state file is small (20 roots, a revocation list); anything larger is not ours.
inline constexpr size_t kMaxStateFileBytes = 4u << 20;
// Test hook through the environment: set to a write_stage name and the process
// kills itself with SIGKILL at that stage of the next write (crash tests of real
// binaries). Never set in production; opening the directory logs a warning.
inline constexpr const char* kCrashEnvVar = "SSTPGW_TEST_STATE_CRASH_AT";

// Thrown for I/O failures and refused files; the message names the file.
class state_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The points of write_atomic() a crash test can stop at, in order.
enum class write_stage {
  temp_partial,  // half of the bytes are in the temp file
  temp_written,  // all bytes written, not yet fsynced
  temp_synced,   // temp file fsynced, not yet renamed
  renamed,       // renamed over the target, directory not yet fsynced
  dir_synced,    // done
};
std::string_view to_string(write_stage stage);
std::optional<write_stage> parse_write_stage(std::string_view text);

struct state_dir_options {
  // Files 0640 and directory 0750 (a monitoring group may read) instead of 0600/0700.
  bool group_readable = false;
  // Create the directory (not its parents) if it does not exist.
  bool create = true;
  // Called at every write_stage of write_atomic(); crash tests raise SIGKILL here.
  std::function<void(write_stage, std::string_view name)> test_hook;
};

class state_dir {
 public:
  // Opens the directory: creates it if asked, refuses it if group/others may write
  // it, takes the exclusive lock and removes stale temp files. Throws state_error.
  explicit state_dir(std::string path, state_dir_options options = {});
  ~state_dir();
  state_dir(const state_dir&) = delete;
  state_dir& operator=(const state_dir&) = delete;
  state_dir(state_dir&& other) noexcept;
  state_dir& operator=(state_dir&& other) noexcept;

  const std::string& path() const { return path_; }
  // "<dir>/<name>", for messages.
  std::string file_path(std::string_view name) const;

  // Replaces (or creates) file `name` with `bytes`, atomically and durably.
  // Throws state_error; on failure the old file is untouched.
  void write_atomic(std::string_view name, std::string_view bytes);
  // The file's bytes, or nullopt if it does not exist. Throws state_error if it
  // exists but cannot be read, is not a regular file, is too large, or is
  // writable by group/others.
  std::optional<std::string> read(std::string_view name) const;
  // Removes file `name` durably; false if it did not exist.
  bool remove(std::string_view name);

  // Temp files found and removed when the directory was opened (names only).
  const std::vector<std::string>& cleaned_temp_files() const { return cleaned_; }

  // A valid state file name: 1-64 of [a-z0-9._-], not starting with '.'.
  static bool valid_name(std::string_view name);
  // Whether a directory entry is one of our temp files (".<name>.tmp-<random>").
  static bool is_temp_name(std::string_view entry);

 private:
  void close_fds() noexcept;
  void stage(write_stage s, std::string_view name);
  void clean_temp_files();

  std::string path_;
  state_dir_options options_;
  int dir_fd_ = -1;
  int lock_fd_ = -1;
  unsigned file_mode_ = 0600;
  std::vector<std::string> cleaned_;
};

}  // namespace sstpgw::state
