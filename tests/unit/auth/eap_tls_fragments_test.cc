// EAP-TLS framing: fragment sizes from the MRU, L/M flags, and reassembly that
// refuses lying lengths, overruns and endless fragments.
#include "control/auth/eap_tls_fragments.hh"

#include <gtest/gtest.h>

#include <numeric>
#include <vector>

namespace sstpgw::auth {
namespace {

using bytes = std::vector<uint8_t>;

bytes message(size_t n) {
  bytes m(n);
  std::iota(m.begin(), m.end(), uint8_t{0});
  return m;
}

eap_tls_header parsed(const bytes& type_data) {
  eap_tls_header h;
  EXPECT_TRUE(parse_eap_tls(type_data, h));
  return h;
}

TEST(EapTlsFragments, FragmentSizeFromMru) {
  EXPECT_EQ(eap_tls_fragment_size(1400), 1390u);
  EXPECT_EQ(eap_tls_fragment_size(200), 190u);
  EXPECT_EQ(eap_tls_fragment_size(10), 54u);  // clamped to a minimum packet
}

TEST(EapTlsFragments, SingleFragmentHasNoFlags) {
  tls_fragmenter f;
  f.set_message({1, 2, 3});
  EXPECT_EQ(f.next(100), (bytes{0x00, 1, 2, 3}));
  EXPECT_FALSE(f.pending());
}

TEST(EapTlsFragments, FirstOfSeveralCarriesLengthThenMore) {
  tls_fragmenter f;
  f.set_message(message(10));
  EXPECT_EQ(f.next(4), (bytes{0xC0, 0, 0, 0, 10, 0, 1, 2, 3}));
  EXPECT_EQ(f.next(4), (bytes{0x40, 4, 5, 6, 7}));
  EXPECT_EQ(f.next(4), (bytes{0x00, 8, 9}));
  EXPECT_FALSE(f.pending());
}

TEST(EapTlsFragments, RoundTripAtManySizes) {
  for (size_t mru : {64u, 128u, 200u, 576u, 1400u, 4087u}) {
    const bytes m = message(5000);
    tls_fragmenter f;
    f.set_message(m);
    tls_reassembler r;
    tls_reassembler::result res = tls_reassembler::result::need_more;
    int n = 0;
    while (f.pending()) {
      const bytes td = f.next(eap_tls_fragment_size(mru));
      EXPECT_LE(td.size() + 5, mru < kEapTlsMinPacket ? kEapTlsMinPacket : mru);
      res = r.add(parsed(td));
      ++n;
    }
    ASSERT_EQ(res, tls_reassembler::result::complete) << mru;
    EXPECT_EQ(r.take_message(), m);
    EXPECT_EQ(n, static_cast<int>((5000 + eap_tls_fragment_size(mru) - 1) / eap_tls_fragment_size(mru)));
  }
}

TEST(EapTlsFragments, AckAndStartParsing) {
  EXPECT_TRUE(parsed({}).is_ack());
  EXPECT_TRUE(parsed({0x00}).is_ack());
  EXPECT_TRUE(parsed({0x20}).start());
  EXPECT_FALSE(parsed({0x20}).is_ack());
  eap_tls_header h;
  EXPECT_FALSE(parse_eap_tls(bytes{0x80, 0x00, 0x01}, h));  // L cut off
}

TEST(EapTlsReassembly, LyingLengthShort) {
  tls_reassembler r;
  EXPECT_EQ(r.add(parsed({0xC0, 0, 0, 0, 100, 1, 2, 3})), tls_reassembler::result::need_more);
  EXPECT_EQ(r.add(parsed({0x00, 4, 5})), tls_reassembler::result::error);
  EXPECT_NE(r.error().find("shorter than its Length"), std::string::npos);
}

TEST(EapTlsReassembly, Overrun) {
  tls_reassembler r;
  EXPECT_EQ(r.add(parsed({0xC0, 0, 0, 0, 4, 1, 2, 3})), tls_reassembler::result::need_more);
  EXPECT_EQ(r.add(parsed({0x40, 4, 5})), tls_reassembler::result::error);
  EXPECT_NE(r.error().find("overrun"), std::string::npos);
}

TEST(EapTlsReassembly, UnfragmentedLengthMismatch) {
  tls_reassembler r;
  EXPECT_EQ(r.add(parsed({0x80, 0, 0, 0, 2, 1, 2, 3})), tls_reassembler::result::error);
}

TEST(EapTlsReassembly, LengthAboveLimit) {
  tls_reassembler r;
  EXPECT_EQ(r.add(parsed({0xC0, 0x00, 0x01, 0x00, 0x01, 1})), tls_reassembler::result::error);  // 65537
  EXPECT_NE(r.error().find("exceeds the limit"), std::string::npos);
  tls_reassembler big({.max_message = 1 << 20});
  EXPECT_EQ(big.add(parsed({0xC0, 0x00, 0x01, 0x00, 0x01, 1})), tls_reassembler::result::need_more);
}

TEST(EapTlsReassembly, LengthChangesMidway) {
  tls_reassembler r;
  EXPECT_EQ(r.add(parsed({0xC0, 0, 0, 0, 10, 1})), tls_reassembler::result::need_more);
  EXPECT_EQ(r.add(parsed({0xC0, 0, 0, 0, 11, 2})), tls_reassembler::result::error);
}

TEST(EapTlsReassembly, TooManyFragments) {
  tls_reassembler r({.max_message = 64 * 1024, .max_fragments = 16});
  EXPECT_EQ(r.add(parsed({0xC0, 0, 0, 0xFF, 0, 1})), tls_reassembler::result::need_more);
  tls_reassembler::result res = tls_reassembler::result::need_more;
  int n = 1;
  while (res == tls_reassembler::result::need_more && n < 100) {
    res = r.add(parsed({0x40, 1}));
    ++n;
  }
  EXPECT_EQ(res, tls_reassembler::result::error);
  EXPECT_EQ(n, 17);
  EXPECT_NE(r.error().find("fragments"), std::string::npos);
}

TEST(EapTlsReassembly, UnboundedWithoutLengthStillCapped) {
  tls_reassembler r({.max_message = 100, .max_fragments = 1000});
  tls_reassembler::result res = tls_reassembler::result::need_more;
  for (int i = 0; i < 20 && res == tls_reassembler::result::need_more; ++i)
    res = r.add(parsed({0x40, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
  EXPECT_EQ(res, tls_reassembler::result::error);
}

TEST(EapTlsReassembly, ZeroLengthAndEmptyMoreFragment) {
  tls_reassembler r;
  EXPECT_EQ(r.add(parsed({0x80, 0, 0, 0, 0})), tls_reassembler::result::error);
  tls_reassembler r2;
  EXPECT_EQ(r2.add(parsed({0x40})), tls_reassembler::result::error);
}

TEST(EapTlsReassembly, ErrorResetsForNextMessage) {
  tls_reassembler r;
  EXPECT_EQ(r.add(parsed({0x80, 0, 0, 0, 9, 1})), tls_reassembler::result::error);
  EXPECT_FALSE(r.in_progress());
  EXPECT_EQ(r.add(parsed({0x00, 1, 2})), tls_reassembler::result::complete);
  EXPECT_EQ(r.take_message(), (bytes{1, 2}));
}

}  // namespace
}  // namespace sstpgw::auth
