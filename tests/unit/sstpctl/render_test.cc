#include "control/sstpctl/render.hh"

#include <gtest/gtest.h>

namespace sstpgw::sstpctl {
namespace {

using json = nlohmann::json;

TEST(Render, ListOfObjectsIsATableInTheGivenColumnOrder) {
  json rows = json::array({{{"thumbprint", "AB12"}, {"name", "corp-root"}, {"sessions", 3}},
                           {{"thumbprint", "CD34"}, {"name", "lab"}, {"extra", true}}});
  EXPECT_EQ(render(rows, {"name", "thumbprint"}),
            "NAME       THUMBPRINT  EXTRA  SESSIONS\n"
            "corp-root  AB12        -      3\n"
            "lab        CD34        true   -\n");
}

TEST(Render, ObjectIsAlignedKeyValueLinesWithNestedKeysDotted) {
  json o = {{"version", "0.1.0"}, {"pool", {{"size", 253}, {"used", 2}}}};
  EXPECT_EQ(render(o), "pool.size: 253\npool.used: 2\nversion:   0.1.0\n");
}

TEST(Render, ObjectWithAListOfObjectsAppendsATable) {
  json o = {{"size", 2}, {"leases", json::array({{{"address", "172.16.201.2"}, {"session", 7}}})}};
  EXPECT_EQ(render(o, {"address"}), "size: 2\n\nleases:\nADDRESS       SESSION\n172.16.201.2  7\n");
}

TEST(Render, EmptyListSaysNone) { EXPECT_EQ(render(json::array()), "(none)\n"); }

TEST(Render, CellsOfEveryType) {
  EXPECT_EQ(cell_text(nullptr), "-");
  EXPECT_EQ(cell_text(json::array({"a", 1})), "a,1");
  EXPECT_EQ(cell_text(false), "false");
}

}  // namespace
}  // namespace sstpgw::sstpctl
