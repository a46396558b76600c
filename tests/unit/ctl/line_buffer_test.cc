#include "control/ctl/line_buffer.hh"

#include <gtest/gtest.h>

namespace sstpgw::ctl {
namespace {

TEST(LineBuffer, SplitsLinesAcrossAppends) {
  line_buffer b(100);
  ASSERT_TRUE(b.append("{\"a\""));
  EXPECT_FALSE(b.next_line());
  ASSERT_TRUE(b.append(":1}\n{\"b\":2}\n{"));
  EXPECT_EQ(*b.next_line(), "{\"a\":1}");
  EXPECT_EQ(*b.next_line(), "{\"b\":2}");
  EXPECT_FALSE(b.next_line());
  ASSERT_TRUE(b.append("}\n"));
  EXPECT_EQ(*b.next_line(), "{}");
}

TEST(LineBuffer, OverlongLineOverflowsAndStaysOverflowed) {
  line_buffer b(8);
  EXPECT_TRUE(b.append("12345678"));
  EXPECT_FALSE(b.append("9"));
  EXPECT_TRUE(b.overflowed());
  EXPECT_FALSE(b.append("\n"));
  EXPECT_FALSE(b.next_line());
}

}  // namespace
}  // namespace sstpgw::ctl
