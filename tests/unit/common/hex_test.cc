#include "dataplane/common/hex.hh"

#include <gtest/gtest.h>

#include <array>

namespace sstpgw {
namespace {

TEST(Hex, EncodesInEitherCase) {
  const std::array<uint8_t, 4> b{0x00, 0x9f, 0xa0, 0xff};
  EXPECT_EQ(to_hex(b), "009fa0ff");
  EXPECT_EQ(to_hex(b, hex_case::upper), "009FA0FF");
  EXPECT_EQ(to_hex(b.data(), 2), "009f");
  EXPECT_EQ(to_hex(std::span<const uint8_t>{}), "");
}

TEST(Hex, DigitValues) {
  EXPECT_EQ(hex_digit_value('0'), 0);
  EXPECT_EQ(hex_digit_value('9'), 9);
  EXPECT_EQ(hex_digit_value('a'), 10);
  EXPECT_EQ(hex_digit_value('F'), 15);
  EXPECT_EQ(hex_digit_value('g'), -1);
  EXPECT_EQ(hex_digit_value(' '), -1);
  EXPECT_EQ(hex_digit_value('\0'), -1);
}

TEST(Hex, ParsesVectorsWrittenInLines) {
  auto v = parse_hex("00 9F\n\ta0ff\r\n");
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, (std::vector<uint8_t>{0x00, 0x9f, 0xa0, 0xff}));
  EXPECT_EQ(to_hex(*parse_hex(to_hex(*v, hex_case::upper))), "009fa0ff");
  ASSERT_TRUE(parse_hex(""));
  EXPECT_TRUE(parse_hex("")->empty());
}

TEST(Hex, RefusesWhatIsNotHex) {
  EXPECT_FALSE(parse_hex("abc"));     // odd number of digits
  EXPECT_FALSE(parse_hex("0x12"));    // prefix
  EXPECT_FALSE(parse_hex("12:34"));   // separators other than whitespace
  EXPECT_FALSE(parse_hex("1 2 3"));   // odd across whitespace
  EXPECT_FALSE(parse_hex("\xc3\xa9")); // non-ASCII
}

}  // namespace
}  // namespace sstpgw
