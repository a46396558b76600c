#include "control/sstp/crypto_binding.hh"

#include <gtest/gtest.h>
#include <openssl/x509.h>

#include <string>
#include <vector>

#include "tests/support/test_pki.hh"
#include "tests/support/hex.hh"

namespace sstpgw::sstp {
namespace {

using testing::from_hex;
using testing::to_hex;

// sstp-cmac-vectors.txt [sha256]: MS-SSTP 4.7.
const char* kMsg256 =
    "10010070 00040001 00030068 00000002"
    "412B489AEBD7ECC7D08966F26BE7CD72B231A0E9210D7C91B308862B0344C435"
    "7993EF314C493DACE9F02D60E7E61C84B6690AAFE9D7AEEA92CBBE8AD599422D"
    "0000000000000000000000000000000000000000000000000000000000000000";
const char* kSend256 = "2A1BB40D55AB0F5EF32F06F2B3CC73C4";
const char* kRecv256 = "8FD3FAC41D7A1315A19228D9024CA164";
const char* kCmk256 = "ecf59ac9fe155cf0a9e7d66adc1b363c1ad7ba91a9217f0cec2a534298828df6";
const char* kMac256 = "52a68efd8cffbf52770b8f0fe8ec73716583af6d611eb6d179b3b20840985449";

// sstp-cmac-vectors.txt [sha1]: sstp-client's CMAC unit test.
const char* kMsg1 =
    "10010070 00040001 00030068 00000001"
    "0F1A2D58D4A3E3000FAD3CE4906E07B707AA9E441CCEAC5CBD7B2CC1C9D86CDF"
    "5826B629BDA59B8E6FD8DCD2622FD34C534805A5 000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000";
const char* kSend1 = "4B3128F43925D9006EEFB1C4E86515A1";
const char* kRecv1 = "D88E56BAB3CA2BDF0373B7F5A8A13B19";
const char* kMac1 = "69915dd583d8062fef16f61db2f03290ec27cb6c";

template <size_t N>
std::array<uint8_t, N> arr(const std::vector<uint8_t>& v) {
  std::array<uint8_t, N> a{};
  std::copy_n(v.begin(), std::min(N, v.size()), a.begin());
  return a;
}

hlak_bytes client_hlak(const char* send, const char* recv) {
  auto s = arr<16>(from_hex(send));
  auto r = arr<16>(from_hex(recv));
  return client_hlak_mschapv2(s, r);
}

// The message with its MAC filled in, as a client would send it.
std::vector<uint8_t> with_mac(const char* msg_hex, const hash_field& mac) {
  auto msg = from_hex(msg_hex);
  std::copy(mac.begin(), mac.end(), msg.begin() + kCallConnectedMacOffset);
  return msg;
}

cert_hashes hashes_from(const std::vector<uint8_t>& msg, hash_protocol h) {
  cert_hashes c;
  auto field = arr<32>(std::vector<uint8_t>(msg.begin() + kCallConnectedCertHashOffset,
                                            msg.begin() + kCallConnectedCertHashOffset + 32));
  (h == hash_protocol::sha1 ? c.sha1 : c.sha256) = field;
  return c;
}

nonce_bytes nonce_from(const std::vector<uint8_t>& msg) {
  return arr<32>(std::vector<uint8_t>(msg.begin() + kCallConnectedNonceOffset,
                                      msg.begin() + kCallConnectedNonceOffset + 32));
}

TEST(CryptoBinding, Sha256CmkVector) {
  auto cmk = derive_cmk(hash_protocol::sha256, client_hlak(kSend256, kRecv256));
  EXPECT_EQ(to_hex(cmk), kCmk256);
}

TEST(CryptoBinding, Sha256CompoundMacVector) {
  auto mac = compute_compound_mac(hash_protocol::sha256, client_hlak(kSend256, kRecv256), from_hex(kMsg256));
  EXPECT_EQ(to_hex(mac), kMac256);
}

TEST(CryptoBinding, MacFieldContentIsIgnoredWhenComputing) {
  auto msg = from_hex(kMsg256);
  std::fill(msg.begin() + kCallConnectedMacOffset, msg.end(), 0xEE);
  auto mac = compute_compound_mac(hash_protocol::sha256, client_hlak(kSend256, kRecv256), msg);
  EXPECT_EQ(to_hex(mac), kMac256);
}

TEST(CryptoBinding, Sha1CompoundMacVector) {
  auto mac = compute_compound_mac(hash_protocol::sha1, client_hlak(kSend1, kRecv1), from_hex(kMsg1));
  EXPECT_EQ(to_hex(std::span<const uint8_t>(mac).first(20)), kMac1);
  // Zero-padded to 32.
  for (size_t i = 20; i < 32; ++i) EXPECT_EQ(mac[i], 0) << i;
}

TEST(CryptoBinding, BuildReproducesSpecMessage) {
  const auto ref = from_hex(kMsg256);
  std::vector<uint8_t> out(200);
  size_t n = build_bound_call_connected(out, hash_protocol::sha256, nonce_from(ref),
                                        hashes_from(ref, hash_protocol::sha256).sha256,
                                        client_hlak(kSend256, kRecv256));
  ASSERT_EQ(n, 112u);
  out.resize(n);
  EXPECT_EQ(to_hex(out), to_hex(with_mac(kMsg256, arr<32>(from_hex(kMac256)))));
}

TEST(CryptoBinding, BuildReproducesSha1Message) {
  const auto ref = from_hex(kMsg1);
  std::vector<uint8_t> out(112);
  ASSERT_EQ(build_bound_call_connected(out, hash_protocol::sha1, nonce_from(ref),
                                       hashes_from(ref, hash_protocol::sha1).sha1, client_hlak(kSend1, kRecv1)),
            112u);
  EXPECT_EQ(to_hex(out), to_hex(with_mac(kMsg1, arr<32>(from_hex(kMac1)))));
}

struct vector_case {
  const char* msg;
  const char* send;
  const char* recv;
  const char* mac;
  hash_protocol hash;
};
const vector_case kCases[] = {
    {kMsg256, kSend256, kRecv256, kMac256, hash_protocol::sha256},
    {kMsg1, kSend1, kRecv1, kMac1, hash_protocol::sha1},
};

// The server's view: its own MPPE keys are the client's swapped.
hlak_candidates server_mschap(const vector_case& c) {
  return hlak_candidates::mschapv2_server(arr<16>(from_hex(c.recv)), arr<16>(from_hex(c.send)));
}

TEST(CryptoBinding, ServerVerifiesBothVectors) {
  for (const auto& c : kCases) {
    const auto msg = with_mac(c.msg, arr<32>(from_hex(c.mac)));
    auto v = verify_call_connected(msg, kHashSha1 | kHashSha256, nonce_from(msg), hashes_from(msg, c.hash),
                                   server_mschap(c));
    EXPECT_EQ(v.result, binding_result::ok) << binding_result_name(v.result);
    EXPECT_EQ(v.hash, c.hash);
    EXPECT_EQ(v.form, hlak_form::mppe_keys);
  }
}

TEST(CryptoBinding, WrongNonce) {
  for (const auto& c : kCases) {
    const auto msg = with_mac(c.msg, arr<32>(from_hex(c.mac)));
    auto nonce = nonce_from(msg);
    nonce[31] ^= 1;
    auto v = verify_call_connected(msg, 3, nonce, hashes_from(msg, c.hash), server_mschap(c));
    EXPECT_EQ(v.result, binding_result::nonce_mismatch);
  }
}

TEST(CryptoBinding, WrongCertHash) {
  for (const auto& c : kCases) {
    const auto msg = with_mac(c.msg, arr<32>(from_hex(c.mac)));
    auto hashes = hashes_from(msg, c.hash);
    (c.hash == hash_protocol::sha1 ? hashes.sha1 : hashes.sha256)[0] ^= 0x80;
    auto v = verify_call_connected(msg, 3, nonce_from(msg), hashes, server_mschap(c));
    EXPECT_EQ(v.result, binding_result::cert_hash_mismatch);
  }
}

TEST(CryptoBinding, CertHashOfTheOtherAlgorithmDoesNotCount) {
  // The server compares with the hash of the algorithm the client chose.
  const auto msg = with_mac(kMsg256, arr<32>(from_hex(kMac256)));
  cert_hashes h;
  h.sha1 = hashes_from(msg, hash_protocol::sha256).sha256;  // right bytes, wrong slot
  auto v = verify_call_connected(msg, 3, nonce_from(msg), h, server_mschap(kCases[0]));
  EXPECT_EQ(v.result, binding_result::cert_hash_mismatch);
}

TEST(CryptoBinding, WrongMac) {
  for (const auto& c : kCases) {
    auto msg = with_mac(c.msg, arr<32>(from_hex(c.mac)));
    msg[kCallConnectedMacOffset + 5] ^= 0x01;
    auto v = verify_call_connected(msg, 3, nonce_from(msg), hashes_from(msg, c.hash), server_mschap(c));
    EXPECT_EQ(v.result, binding_result::mac_mismatch);
  }
}

TEST(CryptoBinding, WrongHlak) {
  const auto msg = with_mac(kMsg256, arr<32>(from_hex(kMac256)));
  auto v = verify_call_connected(msg, 3, nonce_from(msg), hashes_from(msg, hash_protocol::sha256),
                                 hlak_candidates::zero());
  EXPECT_EQ(v.result, binding_result::mac_mismatch);
}

TEST(CryptoBinding, HashNotOffered) {
  const auto msg = with_mac(kMsg256, arr<32>(from_hex(kMac256)));
  auto v = verify_call_connected(msg, kHashSha1, nonce_from(msg), hashes_from(msg, hash_protocol::sha256),
                                 server_mschap(kCases[0]));
  EXPECT_EQ(v.result, binding_result::hash_not_offered);
  auto both_bits = msg;
  both_bits[kCallConnectedHashProtocolOffset] = 0x03;
  v = verify_call_connected(both_bits, 3, nonce_from(msg), hashes_from(msg, hash_protocol::sha256),
                            server_mschap(kCases[0]));
  EXPECT_EQ(v.result, binding_result::hash_not_offered);
}

TEST(CryptoBinding, Malformed) {
  auto msg = with_mac(kMsg256, arr<32>(from_hex(kMac256)));
  nonce_bytes n{};
  cert_hashes h;
  EXPECT_EQ(verify_call_connected(std::span<const uint8_t>(msg).first(111), 3, n, h, hlak_candidates::zero()).result,
            binding_result::malformed);
  msg[5] = 0x05;  // type CALL_ABORT
  EXPECT_EQ(verify_call_connected(msg, 3, n, h, hlak_candidates::zero()).result, binding_result::malformed);
}

TEST(CryptoBinding, EapTlsAcceptsEitherHlakForm) {
  std::vector<uint8_t> msk(64);
  for (size_t i = 0; i < msk.size(); ++i) msk[i] = static_cast<uint8_t>(0xA0 + i);
  const auto server = hlak_candidates::eap_tls(msk);
  ASSERT_EQ(server.view().size(), 2u);
  const auto ref = from_hex(kMsg256);
  const auto nonce = nonce_from(ref);
  const auto hashes = hashes_from(ref, hash_protocol::sha256);
  for (hlak_form form : {hlak_form::eap_tls_msk, hlak_form::eap_tls_legacy}) {
    std::vector<uint8_t> out(112);
    ASSERT_EQ(build_bound_call_connected(out, hash_protocol::sha256, nonce, hashes.sha256,
                                         client_hlak_eap_tls(msk, form)),
              112u);
    auto v = verify_call_connected(out, 3, nonce, hashes, server);
    EXPECT_EQ(v.result, binding_result::ok);
    EXPECT_EQ(v.form, form) << hlak_form_name(form);
  }
}

TEST(CryptoBinding, EapTlsHlakForms) {
  std::vector<uint8_t> msk(64);
  for (size_t i = 0; i < msk.size(); ++i) msk[i] = static_cast<uint8_t>(i);
  auto a = client_hlak_eap_tls(msk, hlak_form::eap_tls_msk);
  auto b = client_hlak_eap_tls(msk, hlak_form::eap_tls_legacy);
  EXPECT_EQ(a[0], 0);
  EXPECT_EQ(a[31], 31);
  EXPECT_EQ(b[15], 15);
  EXPECT_EQ(b[16], 32);
  EXPECT_EQ(b[31], 47);
  EXPECT_TRUE(hlak_candidates::eap_tls(std::span<const uint8_t>(msk).first(40)).empty());
}

TEST(CryptoBinding, ZeroHlakRoundTrip) {
  const auto ref = from_hex(kMsg1);
  std::vector<uint8_t> out(112);
  build_bound_call_connected(out, hash_protocol::sha1, nonce_from(ref), hashes_from(ref, hash_protocol::sha1).sha1,
                             hlak_bytes{});
  auto v = verify_call_connected(out, 3, nonce_from(ref), hashes_from(ref, hash_protocol::sha1),
                                 hlak_candidates::zero());
  EXPECT_EQ(v.result, binding_result::ok);
  EXPECT_EQ(v.form, hlak_form::zero);
}

TEST(CryptoBinding, CertHashesOfDerMatchOpenSsl) {
  auto pki = sstpgw::testing::make_test_pki();
  const auto der = pki.server.cert_der();
  const auto h = cert_hashes::of_der(der);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  ASSERT_TRUE(X509_digest(pki.server.cert.get(), EVP_sha256(), md, &len));
  EXPECT_EQ(to_hex(h.sha256), to_hex(std::span<const uint8_t>(md, len)));
  std::string thumb = pki.server.sha1_thumbprint();
  std::string hex = to_hex(std::span<const uint8_t>(h.sha1).first(20));
  for (auto& ch : hex) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  EXPECT_EQ(hex, thumb);
  for (size_t i = 20; i < 32; ++i) EXPECT_EQ(h.sha1[i], 0);
}

TEST(CryptoBinding, ChooseStrongerHash) {
  hash_protocol h;
  ASSERT_TRUE(choose_hash_protocol(3, 3, h));
  EXPECT_EQ(h, hash_protocol::sha256);
  ASSERT_TRUE(choose_hash_protocol(1, 3, h));
  EXPECT_EQ(h, hash_protocol::sha1);
  ASSERT_TRUE(choose_hash_protocol(3, 1, h));
  EXPECT_EQ(h, hash_protocol::sha1);
  EXPECT_FALSE(choose_hash_protocol(2, 1, h));
  EXPECT_FALSE(choose_hash_protocol(0, 3, h));
}

}  // namespace
}  // namespace sstpgw::sstp
