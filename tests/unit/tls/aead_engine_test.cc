// The ipsec-mb AEAD engine on its own: GCM known answers, the RFC 8448 key
// schedule, mixed contiguous/SGL bursts (ipsec-mb 1.3 accepts IMB_SGL_ALL jobs
// in the burst API), and the fact that GCM decrypt does not check the tag.
#include "dataplane/tls/aead_ipsecmb.hh"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <vector>

#include "dataplane/tls/key_schedule.hh"
#include "tests/support/hex.hh"
#include "tests/unit/tls/rfc8448_vectors.hh"

namespace sstpgw::tls {
namespace {

using sstpgw::testing::from_hex;

// The GCM specification's test cases 4 (AES-128) and 16 (AES-256): 60 bytes of
// plaintext, 20 bytes of AAD, 96-bit IV (McGrew & Viega, "The Galois/Counter
// Mode of Operation", Appendix B).
constexpr const char* kGcmP =
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525"
    "b16aedf5aa0de657ba637b39";
constexpr const char* kGcmA = "feedfacedeadbeeffeedfacedeadbeefabaddad2";
constexpr const char* kGcmIv = "cafebabefacedbaddecaf888";
constexpr const char* kGcm128K = "feffe9928665731c6d6a8f9467308308";
constexpr const char* kGcm128C =
    "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa05"
    "1ba30b396a0aac973d58e091";
constexpr const char* kGcm128T = "5bc94fbc3221a5db94fae95ae7121a47";
constexpr const char* kGcm256K = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308";
constexpr const char* kGcm256C =
    "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838"
    "c5f61e6393ba7a0abcc9f662";
constexpr const char* kGcm256T = "76fc6ece0f4e1768cddf8853bb2d551b";

class AeadEngine : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(engine.init()); }
  aead_engine engine;
};

TEST_F(AeadEngine, PicksACodePath) {
  EXPECT_TRUE(engine.ready());
  EXPECT_STRNE(engine.arch_name(), "none");
}

TEST_F(AeadEngine, GcmKnownAnswersInOneBurstWithTwoKeySizes) {
  aead_key k128, k256;
  engine.expand_key(aead_algorithm::aes_128_gcm, from_hex(kGcm128K).data(), k128);
  engine.expand_key(aead_algorithm::aes_256_gcm, from_hex(kGcm256K).data(), k256);
  auto a = from_hex(kGcmP), b = from_hex(kGcmP);
  const auto iv = from_hex(kGcmIv), aad = from_hex(kGcmA);
  uint8_t ta[16], tb[16];
  IMB_JOB* jobs[2];
  ASSERT_EQ(engine.get_jobs(2, jobs), 2u);
  fill_gcm_job(jobs[0], k128, IMB_DIR_ENCRYPT, a.data(), a.data(), a.size(), iv.data(), aad.data(), aad.size(),
               ta, nullptr);
  fill_gcm_job(jobs[1], k256, IMB_DIR_ENCRYPT, b.data(), b.data(), b.size(), iv.data(), aad.data(), aad.size(),
               tb, nullptr);
  ASSERT_TRUE(engine.run(2, jobs));
  EXPECT_TRUE(job_completed(jobs[0]));
  EXPECT_TRUE(job_completed(jobs[1]));
  EXPECT_EQ(to_hex(a), kGcm128C);
  EXPECT_EQ(to_hex(ta, 16), kGcm128T);
  EXPECT_EQ(to_hex(b), kGcm256C);
  EXPECT_EQ(to_hex(tb, 16), kGcm256T);

  // Decrypt back in place: the computed tag equals the sent one.
  ASSERT_EQ(engine.get_jobs(2, jobs), 2u);
  fill_gcm_job(jobs[0], k128, IMB_DIR_DECRYPT, a.data(), a.data(), a.size(), iv.data(), aad.data(), aad.size(),
               ta, nullptr);
  fill_gcm_job(jobs[1], k256, IMB_DIR_DECRYPT, b.data(), b.data(), b.size(), iv.data(), aad.data(), aad.size(),
               tb, nullptr);
  ASSERT_TRUE(engine.run(2, jobs));
  EXPECT_EQ(to_hex(a), kGcmP);
  EXPECT_EQ(to_hex(b), kGcmP);
  EXPECT_EQ(to_hex(ta, 16), kGcm128T);
  EXPECT_EQ(to_hex(tb, 16), kGcm256T);
}

// Why the record layer compares tags itself: a tampered ciphertext still
// "completes" and yields garbage plus a different computed tag.
TEST_F(AeadEngine, DecryptDoesNotVerifyTheTag) {
  aead_key k;
  engine.expand_key(aead_algorithm::aes_128_gcm, from_hex(kGcm128K).data(), k);
  auto c = from_hex(kGcm128C);
  c[3] ^= 1;
  const auto iv = from_hex(kGcmIv), aad = from_hex(kGcmA);
  uint8_t t[16];
  IMB_JOB* j;
  ASSERT_EQ(engine.get_jobs(1, &j), 1u);
  fill_gcm_job(j, k, IMB_DIR_DECRYPT, c.data(), c.data(), c.size(), iv.data(), aad.data(), aad.size(), t,
               nullptr);
  ASSERT_TRUE(engine.run(1, &j));
  EXPECT_TRUE(job_completed(j));
  EXPECT_NE(to_hex(t, 16), kGcm128T);
}

// SGL (IMB_SGL_ALL) and contiguous jobs share one burst; pieces of 1 byte and
// pieces not a multiple of the block size included.
TEST_F(AeadEngine, SglJobsRideInTheBurstApi) {
  aead_key k128, k256;
  engine.expand_key(aead_algorithm::aes_128_gcm, from_hex(kGcm128K).data(), k128);
  engine.expand_key(aead_algorithm::aes_256_gcm, from_hex(kGcm256K).data(), k256);
  const auto p = from_hex(kGcmP), iv = from_hex(kGcmIv), aad = from_hex(kGcmA);
  std::vector<uint8_t> x(p), y(p.begin(), p.begin() + 1), z(p.begin() + 1, p.begin() + 18),
      w(p.begin() + 18, p.end());
  IMB_SGL_IOV iov[3] = {{y.data(), y.data(), y.size()}, {z.data(), z.data(), z.size()},
                        {w.data(), w.data(), w.size()}};
  gcm_context_data ctx;
  uint8_t tx[16], ts[16];
  IMB_JOB* jobs[2];
  ASSERT_EQ(engine.get_jobs(2, jobs), 2u);
  fill_gcm_job(jobs[0], k128, IMB_DIR_ENCRYPT, x.data(), x.data(), x.size(), iv.data(), aad.data(), aad.size(),
               tx, nullptr);
  fill_gcm_sgl_job(jobs[1], k256, IMB_DIR_ENCRYPT, iov, 3, p.size(), &ctx, iv.data(), aad.data(), aad.size(), ts,
                   nullptr);
  ASSERT_TRUE(engine.run(2, jobs));
  ASSERT_TRUE(job_completed(jobs[0]));
  ASSERT_TRUE(job_completed(jobs[1]));
  EXPECT_EQ(to_hex(x), kGcm128C);
  EXPECT_EQ(to_hex(tx, 16), kGcm128T);
  std::vector<uint8_t> joined(y);
  joined.insert(joined.end(), z.begin(), z.end());
  joined.insert(joined.end(), w.begin(), w.end());
  EXPECT_EQ(to_hex(joined), kGcm256C);
  EXPECT_EQ(to_hex(ts, 16), kGcm256T);
}

TEST_F(AeadEngine, RunsInCallerMemory) {
  const size_t n = aead_engine::manager_size();
  void* mem = std::aligned_alloc(64, (n + 63) / 64 * 64);
  ASSERT_NE(mem, nullptr);
  {
    aead_engine e;
    ASSERT_TRUE(e.init(mem));
    aead_key k;
    e.expand_key(aead_algorithm::aes_128_gcm, from_hex(kGcm128K).data(), k);
    auto a = from_hex(kGcmP);
    const auto iv = from_hex(kGcmIv), aad = from_hex(kGcmA);
    uint8_t t[16];
    IMB_JOB* j;
    ASSERT_EQ(e.get_jobs(1, &j), 1u);
    fill_gcm_job(j, k, IMB_DIR_ENCRYPT, a.data(), a.data(), a.size(), iv.data(), aad.data(), aad.size(), t,
                 nullptr);
    ASSERT_TRUE(e.run(1, &j));
    EXPECT_EQ(to_hex(t, 16), kGcm128T);
  }
  std::free(mem);
}

// RFC 8448 §3: each traffic secret gives the trace's write key and IV.
TEST(Rfc8448KeySchedule, TrafficKeysFromSecrets) {
  struct row {
    const char* secret;
    const char* key;
    const char* iv;
  } rows[] = {
      {rfc8448::kServerHsSecret, rfc8448::kServerHsKey, rfc8448::kServerHsIv},
      {rfc8448::kClientHsSecret, rfc8448::kClientHsKey, rfc8448::kClientHsIv},
      {rfc8448::kServerApSecret, rfc8448::kServerApKey, rfc8448::kServerApIv},
      {rfc8448::kClientApSecret, rfc8448::kClientApKey, rfc8448::kClientApIv},
  };
  for (const auto& r : rows) {
    traffic_keys k;
    k.aead = aead_algorithm::aes_128_gcm;
    k.sequence = 99;
    ASSERT_TRUE(install_tls13_secret(k, from_hex(r.secret)));
    EXPECT_EQ(to_hex(k.key, 16), to_hex(from_hex(r.key)));
    EXPECT_EQ(to_hex(k.iv, kIvLen), to_hex(from_hex(r.iv)));
    EXPECT_EQ(k.sequence, 0u);
  }
}

// RFC 8448 §3: the server's encrypted flight, protected by one engine job
// (nonce = iv XOR 0, AAD = the record header, inner type 22 after the payload).
TEST_F(AeadEngine, Rfc8448ServerFlightByteForByte) {
  traffic_keys keys;
  ASSERT_TRUE(install_tls13_secret(keys, from_hex(rfc8448::kServerHsSecret)));
  aead_key k;
  engine.expand_key(keys.aead, keys.key, k);
  const auto record = from_hex(rfc8448::kServerFlightRecord);
  std::vector<uint8_t> buf(record.begin(), record.begin() + 5);
  const auto payload = from_hex(rfc8448::kServerFlightPayload);
  buf.insert(buf.end(), payload.begin(), payload.end());
  buf.push_back(22);
  buf.resize(record.size());
  IMB_JOB* j;
  ASSERT_EQ(engine.get_jobs(1, &j), 1u);
  fill_gcm_job(j, k, IMB_DIR_ENCRYPT, buf.data() + 5, buf.data() + 5, payload.size() + 1, keys.iv, buf.data(), 5,
               buf.data() + 5 + payload.size() + 1, nullptr);
  ASSERT_TRUE(engine.run(1, &j));
  EXPECT_EQ(to_hex(buf), to_hex(record));
}

}  // namespace
}  // namespace sstpgw::tls
