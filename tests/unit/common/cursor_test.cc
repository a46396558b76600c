#include "dataplane/common/cursor.hh"

#include <gtest/gtest.h>

namespace sstpgw {
namespace {

TEST(ByteReader, ReadsBigEndianFieldsInOrder) {
  const uint8_t buf[] = {0x10, 0x01, 0x00, 0x0e, 0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03};
  byte_reader r(buf, sizeof buf);
  EXPECT_EQ(r.u8(), 0x10);
  EXPECT_EQ(r.u8(), 0x01);
  EXPECT_EQ(r.be16(), 0x000e);
  EXPECT_EQ(r.be32(), 0xdeadbeefu);
  EXPECT_EQ(r.be24(), 0x010203u);
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(r.empty());
}

TEST(ByteReader, ShortReadIsStickyAndYieldsZero) {
  const uint8_t buf[] = {0xff, 0xff, 0xff};
  byte_reader r(buf, sizeof buf);
  EXPECT_EQ(r.be32(), 0u);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.u8(), 0u);  // still bad, even though a byte remains
  EXPECT_EQ(r.remaining(), 3u);
}

TEST(ByteReader, SubReaderIsBoundedByItsLength) {
  const uint8_t buf[] = {0x00, 0x02, 0xaa, 0xbb, 0xcc};
  byte_reader r(buf, sizeof buf);
  byte_reader field = r.sub(r.be16());
  EXPECT_EQ(field.be16(), 0xaabb);
  EXPECT_EQ(field.u8(), 0);
  EXPECT_FALSE(field.ok());
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.u8(), 0xcc);
}

TEST(ByteWriter, WritesAndRefusesOverflow) {
  uint8_t buf[6] = {};
  byte_writer w(buf, sizeof buf);
  w.be16(0x1001);
  w.be32(0x0102'0304);
  EXPECT_TRUE(w.ok());
  w.u8(0x99);
  EXPECT_FALSE(w.ok());
  EXPECT_EQ(w.size(), 6u);
  const uint8_t expect[] = {0x10, 0x01, 0x01, 0x02, 0x03, 0x04};
  EXPECT_EQ(0, std::memcmp(buf, expect, sizeof expect));
}

TEST(ByteOrder, RoundTrips64) {
  uint8_t b[8];
  store_be64(b, 0x0123'4567'89ab'cdefULL);
  EXPECT_EQ(b[0], 0x01);
  EXPECT_EQ(b[7], 0xef);
  EXPECT_EQ(load_be64(b), 0x0123'4567'89ab'cdefULL);
  store_le16(b, 0x0014);
  EXPECT_EQ(b[0], 0x14);
  EXPECT_EQ(load_le16(b), 0x0014);
}

}  // namespace
}  // namespace sstpgw
