// The certificate store killed mid-change: a child process opens the real state
// directory and store and adds or removes a root, or revokes a thumbprint, with
// SSTPGW_TEST_STATE_CRASH_AT set so it SIGKILLs itself at a stage of the write.
// The parent then loads the store as a restarted gateway would: it must load (no
// corrupt file), and show exactly the state before the change (killed before the
// rename) or after it (killed from the rename on).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <set>

#include "control/certs/cert_store.hh"
#include "tests/support/test_pki.hh"
#include "tests/support/temp_dir.hh"

namespace sstpgw::certs {
namespace {

const int64_t kNow = static_cast<int64_t>(std::time(nullptr));

std::set<std::string> root_names(const cert_store& s) {
  std::set<std::string> out;
  for (const auto& r : s.roots()) out.insert(r.name);
  return out;
}

std::set<std::string> revoked_set(const cert_store& s) {
  std::set<std::string> out;
  for (const auto& r : s.revoked()) out.insert(r.sha1.hex());
  return out;
}

TEST(StoreCrash, KilledDuringChangesLeavesOldOrNewState) {
  sstpgw::testing::temp_dir tmp;
  const std::string dir = tmp.file("state");
  std::vector<std::string> pems;
  for (int i = 0; i < 6; ++i)
    pems.push_back(sstpgw::testing::make_root({.common_name = "r" + std::to_string(i)}).cert_pem());
  const char* stages[] = {"temp_partial", "temp_written", "temp_synced", "renamed", "dir_synced"};

  int kills = 0, applied = 0;
  for (int i = 0; i < 45; ++i) {
    std::set<std::string> roots_before, revoked_before;
    {
      state::state_dir d(dir);
      cert_store s(d);
      roots_before = root_names(s);
      revoked_before = revoked_set(s);
    }
    const char* stage = stages[i % 5];
    const int action = (i / 5) % 3;  // add a root, remove a root, revoke
    const std::string name = "root" + std::to_string(i % 6);
    const std::string thumb = std::string(39, 'A') + "0123456789"[i % 10];
    pid_t pid = ::fork();
    if (pid == 0) {
      ::setenv(state::kCrashEnvVar, stage, 1);
      state::state_dir d(dir);
      cert_store s(d);
      if (action == 0) (void)s.add_roots(name, pems[static_cast<size_t>(i % 6)], kNow);
      if (action == 1 && !s.roots().empty()) (void)s.remove_root(s.roots().front().name);
      if (action == 2) (void)s.revoke(thumb, "", kNow);
      ::_exit(0);  // nothing changed (refused or nothing to do): no write, no kill
    }
    int status = 0;
    ASSERT_EQ(pid, ::waitpid(pid, &status, 0));

    state::state_dir d(dir);
    std::unique_ptr<cert_store> s;
    ASSERT_NO_THROW(s = std::make_unique<cert_store>(d)) << "iteration " << i << " stage " << stage;
    const bool killed = WIFSIGNALED(status);
    kills += killed;
    const bool new_state = killed && (std::string(stage) == "renamed" || std::string(stage) == "dir_synced");
    if (!killed || !new_state) {
      EXPECT_EQ(root_names(*s), roots_before) << "iteration " << i << " stage " << stage;
      EXPECT_EQ(revoked_set(*s), revoked_before) << "iteration " << i << " stage " << stage;
    } else {
      EXPECT_TRUE(root_names(*s) != roots_before || revoked_set(*s) != revoked_before)
          << "iteration " << i << ": killed after the rename but the change is missing";
      ++applied;
    }
    EXPECT_TRUE(d.cleaned_temp_files().size() <= 1);
  }
  // The sequence is deterministic: most changes are real writes that get killed.
  std::printf("store crash: %d of 45 children killed mid-write, %d changes had landed\n", kills, applied);
  EXPECT_GE(kills, 30);
  EXPECT_GE(applied, 10);
}

}  // namespace
}  // namespace sstpgw::certs
