#include "control/state/state_dir.hh"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/support/temp_dir.hh"

namespace sstpgw::state {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

unsigned mode_of(const std::string& p) {
  struct stat st {};
  EXPECT_EQ(0, ::stat(p.c_str(), &st)) << p;
  return st.st_mode & 07777;
}

void put(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

class StateDir : public ::testing::Test {
 protected:
  sstpgw::testing::temp_dir tmp;
  std::string dir = tmp.file("state");
};

TEST_F(StateDir, WriteThenReadRoundTrips) {
  state_dir d(dir);
  d.write_atomic("roots.json", "first");
  EXPECT_EQ(d.read("roots.json"), "first");
  d.write_atomic("roots.json", std::string(100000, 'x'));
  EXPECT_EQ(d.read("roots.json"), std::string(100000, 'x'));
  d.write_atomic("empty", "");
  EXPECT_EQ(d.read("empty"), "");
}

TEST_F(StateDir, MissingFileReadsAsNothing) {
  state_dir d(dir);
  EXPECT_EQ(d.read("nothing.json"), std::nullopt);
}

TEST_F(StateDir, ContentSurvivesReopen) {
  {
    state_dir d(dir);
    d.write_atomic("pool.json", "{\"a\":1}");
  }
  state_dir d(dir);
  EXPECT_EQ(d.read("pool.json"), "{\"a\":1}");
}

TEST_F(StateDir, PrivateModesWhateverTheUmask) {
  mode_t old = ::umask(0);
  {
    state_dir d(dir);
    d.write_atomic("f", "x");
  }
  ::umask(old);
  EXPECT_EQ(mode_of(dir), 0700u);
  EXPECT_EQ(mode_of(dir + "/f"), 0600u);
}

TEST_F(StateDir, GroupReadableModesWhenAsked) {
  mode_t old = ::umask(077);
  {
    state_dir d(dir, {.group_readable = true});
    d.write_atomic("f", "x");
  }
  ::umask(old);
  EXPECT_EQ(mode_of(dir), 0750u);
  EXPECT_EQ(mode_of(dir + "/f"), 0640u);
}

TEST_F(StateDir, MissingDirectoryRefusedWhenNotCreating) {
  try {
    state_dir d(dir, {.create = false});
    FAIL() << "opened a missing directory";
  } catch (const state_error& e) {
    EXPECT_THAT(e.what(), HasSubstr(dir));
  }
}

TEST_F(StateDir, DirectoryWritableByOthersRefused) {
  ASSERT_EQ(0, ::mkdir(dir.c_str(), 0700));
  ASSERT_EQ(0, ::chmod(dir.c_str(), 0777));
  try {
    state_dir d(dir);
    FAIL() << "opened a world-writable state directory";
  } catch (const state_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("0777"));
    EXPECT_THAT(e.what(), HasSubstr("chmod 0700"));
  }
}

TEST_F(StateDir, FileWritableByOthersRefused) {
  state_dir d(dir);
  d.write_atomic("roots.json", "x");
  ASSERT_EQ(0, ::chmod((dir + "/roots.json").c_str(), 0666));
  try {
    (void)d.read("roots.json");
    FAIL() << "read a world-writable state file";
  } catch (const state_error& e) {
    EXPECT_THAT(e.what(), HasSubstr(dir + "/roots.json"));
    EXPECT_THAT(e.what(), HasSubstr("0666"));
  }
}

TEST_F(StateDir, SymlinkRefused) {
  state_dir d(dir);
  put(tmp.file("elsewhere"), "x");
  ASSERT_EQ(0, ::symlink(tmp.file("elsewhere").c_str(), (dir + "/roots.json").c_str()));
  EXPECT_THROW((void)d.read("roots.json"), state_error);
}

TEST_F(StateDir, NonRegularFileRefused) {
  state_dir d(dir);
  ASSERT_EQ(0, ::mkdir((dir + "/roots.json").c_str(), 0700));
  try {
    (void)d.read("roots.json");
    FAIL();
  } catch (const state_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("not a regular file"));
  }
}

TEST_F(StateDir, OversizedFileRefused) {
  state_dir d(dir);
  EXPECT_THROW(d.write_atomic("big", std::string(kMaxStateFileBytes + 1, 'x')), state_error);
  put(dir + "/big", std::string(kMaxStateFileBytes + 1, 'x'));
  ::chmod((dir + "/big").c_str(), 0600);
  EXPECT_THROW((void)d.read("big"), state_error);
}

TEST_F(StateDir, InvalidNamesRefused) {
  state_dir d(dir);
  for (const char* bad : {"", ".hidden", "a/b", "../x", "UPPER", "sp ace", ".lock"})
    EXPECT_THROW(d.write_atomic(bad, "x"), state_error) << bad;
  EXPECT_THROW((void)d.read("../etc/passwd"), state_error);
  EXPECT_TRUE(state_dir::valid_name("roots.json"));
  EXPECT_TRUE(state_dir::valid_name("revoked-v1_2.json"));
}

TEST_F(StateDir, StaleTempFilesRemovedAtOpen) {
  {
    state_dir d(dir);
    d.write_atomic("roots.json", "good");
  }
  put(dir + "/.roots.json.tmp-abc123", "half a fi");
  put(dir + "/.pool.json.tmp-zzz", "");
  put(dir + "/notes.txt", "operator's file");
  state_dir d(dir);
  EXPECT_THAT(d.cleaned_temp_files(),
              ::testing::UnorderedElementsAre(".roots.json.tmp-abc123", ".pool.json.tmp-zzz"));
  EXPECT_FALSE(fs::exists(dir + "/.roots.json.tmp-abc123"));
  EXPECT_FALSE(fs::exists(dir + "/.pool.json.tmp-zzz"));
  EXPECT_TRUE(fs::exists(dir + "/notes.txt"));
  EXPECT_EQ(d.read("roots.json"), "good");
}

TEST_F(StateDir, WriteLeavesNoTempFileBehind) {
  state_dir d(dir);
  for (int i = 0; i < 5; ++i) d.write_atomic("f", std::to_string(i));
  for (const auto& e : fs::directory_iterator(dir))
    EXPECT_FALSE(state_dir::is_temp_name(e.path().filename().string())) << e.path();
}

TEST_F(StateDir, SecondOwnerRefusedWhileLocked) {
  state_dir first(dir);
  try {
    state_dir second(dir);
    FAIL() << "two owners of one state directory";
  } catch (const state_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("in use"));
  }
}

TEST_F(StateDir, LockReleasedOnClose) {
  { state_dir first(dir); }
  EXPECT_NO_THROW(state_dir second(dir));
}

TEST_F(StateDir, MovedFromKeepsLockWithTheNewOwner) {
  state_dir a(dir);
  state_dir b(std::move(a));
  b.write_atomic("f", "x");
  EXPECT_THROW(state_dir c(dir), state_error);
}

TEST_F(StateDir, RemoveIsDurableAndReportsAbsence) {
  state_dir d(dir);
  d.write_atomic("f", "x");
  EXPECT_TRUE(d.remove("f"));
  EXPECT_FALSE(d.remove("f"));
  EXPECT_EQ(d.read("f"), std::nullopt);
}

TEST_F(StateDir, TestHookSeesEveryStageInOrder) {
  std::vector<write_stage> seen;
  state_dir d(dir, {.test_hook = [&](write_stage s, std::string_view name) {
                EXPECT_EQ(name, "f");
                seen.push_back(s);
              }});
  d.write_atomic("f", "abc");
  EXPECT_THAT(
      seen, ::testing::ElementsAre(write_stage::temp_partial, write_stage::temp_written,
                                   write_stage::temp_synced, write_stage::renamed, write_stage::dir_synced));
}

TEST(WriteStage, NamesRoundTrip) {
  for (auto s : {write_stage::temp_partial, write_stage::temp_written, write_stage::temp_synced,
                 write_stage::renamed, write_stage::dir_synced})
    EXPECT_EQ(parse_write_stage(to_string(s)), s);
  EXPECT_EQ(parse_write_stage("nope"), std::nullopt);
}

}  // namespace
}  // namespace sstpgw::state
