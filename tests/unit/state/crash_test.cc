// Crash tests: a child process writes state and is killed with SIGKILL at every
// stage of write_atomic() (through the test hook, and through the environment
// variable a real binary would use), and at random moments of a write loop. After
// each kill, reopening the directory must show exactly the old or the new file,
// complete, and no temp file.
//
// SIGKILL models a process crash. A power cut is what the fsyncs are for; it
// cannot be simulated here, so that part rests on the write order (see state_dir.hh).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>

#include "control/state/state_dir.hh"
#include "tests/support/temp_dir.hh"

namespace sstpgw::state {
namespace {

constexpr const char* kFile = "roots.json";

uint64_t fnv1a(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

// A self-checking file body: version, payload, hash of both. A torn file fails parse.
std::string make_version(uint64_t v, size_t len) {
  std::string body = "v=" + std::to_string(v) + "\n";
  for (size_t i = 0; i < len; ++i) body += static_cast<char>('a' + (v + i) % 26);
  return body + "\nhash=" + std::to_string(fnv1a(body)) + "\n";
}

// The version number of a complete file, or -1 if torn.
int64_t parse_version(const std::string& text) {
  auto h = text.rfind("\nhash=");
  if (h == std::string::npos || text.back() != '\n') return -1;
  std::string body = text.substr(0, h);
  if (std::to_string(fnv1a(body)) != text.substr(h + 6, text.size() - h - 7)) return -1;
  return std::strtoll(body.c_str() + 2, nullptr, 10);
}

void expect_no_temp_files(const std::string& dir) {
  for (const auto& e : std::filesystem::directory_iterator(dir))
    EXPECT_FALSE(state_dir::is_temp_name(e.path().filename().string())) << e.path();
}

// Runs fn in a child process and returns its wait status.
template <typename Fn>
int in_child(Fn fn) {
  pid_t pid = ::fork();
  if (pid == 0) {
    fn();
    ::_exit(0);
  }
  int status = 0;
  EXPECT_EQ(pid, ::waitpid(pid, &status, 0));
  return status;
}

TEST(StateCrash, KilledAtEveryStageLeavesOldOrNew) {
  sstpgw::testing::temp_dir tmp;
  const std::string dir = tmp.file("state");
  std::mt19937 rng(20240601);
  constexpr int kIterations = 150;
  for (int i = 0; i < kIterations; ++i) {
    const auto old_text = make_version(2 * i, rng() % 5000);
    const auto new_text = make_version(2 * i + 1, rng() % 70000);
    { state_dir(dir).write_atomic(kFile, old_text); }
    const auto stage = static_cast<write_stage>(i % 5);
    int status = in_child([&] {
      state_dir d(dir, {.test_hook = [stage](write_stage s, std::string_view) {
                    if (s == stage) ::raise(SIGKILL);
                  }});
      d.write_atomic(kFile, new_text);
    });
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "iteration " << i;
    state_dir d(dir);
    auto got = d.read(kFile);
    ASSERT_TRUE(got.has_value());
    // Before the rename the old file stands; from the rename on, the new one.
    const bool expect_new = stage >= write_stage::renamed;
    EXPECT_EQ(*got, expect_new ? new_text : old_text) << "iteration " << i << " stage " << to_string(stage);
    expect_no_temp_files(dir);
  }
}

TEST(StateCrash, FirstWriteKilledLeavesNoFile) {
  sstpgw::testing::temp_dir tmp;
  const std::string dir = tmp.file("state");
  int status = in_child([&] {
    state_dir d(dir, {.test_hook = [](write_stage s, std::string_view) {
                  if (s == write_stage::temp_synced) ::raise(SIGKILL);
                }});
    d.write_atomic(kFile, make_version(1, 100));
  });
  ASSERT_TRUE(WIFSIGNALED(status));
  state_dir d(dir);
  EXPECT_EQ(d.read(kFile), std::nullopt);
  EXPECT_EQ(d.cleaned_temp_files().size(), 1u);
}

TEST(StateCrash, EnvironmentHookKillsARealWriter) {
  sstpgw::testing::temp_dir tmp;
  const std::string dir = tmp.file("state");
  const auto old_text = make_version(1, 10);
  { state_dir(dir).write_atomic(kFile, old_text); }
  for (const char* stage : {"temp_partial", "temp_synced", "renamed"}) {
    int status = in_child([&] {
      ::setenv(kCrashEnvVar, stage, 1);
      state_dir(dir).write_atomic(kFile, make_version(2, 10));
    });
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << stage;
    auto got = state_dir(dir).read(kFile);
    ASSERT_TRUE(got);
    EXPECT_EQ(parse_version(*got), std::string(stage) == "renamed" ? 2 : 1) << stage;
    // Put the old version back for the next stage.
    state_dir(dir).write_atomic(kFile, old_text);
  }
}

TEST(StateCrash, KilledAtRandomMomentsLeavesACompleteVersion) {
  sstpgw::testing::temp_dir tmp;
  const std::string dir = tmp.file("state");
  std::mt19937 rng(7);
  constexpr int kIterations = 60;
  int64_t last_seen = -1;
  int killed_mid_run = 0;  // iterations where the child's writes of that run were seen
  for (int i = 0; i < kIterations; ++i) {
    int ready[2];
    ASSERT_EQ(0, ::pipe(ready));
    const uint64_t first = static_cast<uint64_t>(i) * 1000000;
    pid_t pid = ::fork();
    if (pid == 0) {
      ::close(ready[0]);
      state_dir d(dir);
      [[maybe_unused]] ssize_t n = ::write(ready[1], "r", 1);
      std::mt19937 crng(static_cast<unsigned>(i));
      for (uint64_t v = first;; ++v) d.write_atomic(kFile, make_version(v, crng() % 40000));
    }
    ::close(ready[1]);
    char c;
    ASSERT_EQ(1, ::read(ready[0], &c, 1));  // the child holds the lock and is writing
    ::close(ready[0]);
    ::usleep(static_cast<useconds_t>(rng() % 20000));
    ::kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(pid, ::waitpid(pid, &status, 0));
    state_dir d(dir);
    auto got = d.read(kFile);
    if (!got) {
      EXPECT_EQ(i, 0) << "the file vanished after it existed";
      continue;
    }
    const int64_t v = parse_version(*got);
    ASSERT_GE(v, 0) << "torn file after kill in iteration " << i;
    EXPECT_GE(v, last_seen) << "went back to an older version";
    if (v >= static_cast<int64_t>(first)) ++killed_mid_run;
    last_seen = v;
    expect_no_temp_files(dir);
  }
  // Informational, not asserted (timing-dependent): how often the kill landed after
  // the child had completed at least one write of its run.
  std::printf("random kills: %d of %d landed after a completed write\n", killed_mid_run, kIterations);
}

}  // namespace
}  // namespace sstpgw::state
