// AES-GCM on Intel ipsec-mb 1.3: one manager per lcore, keys expanded once at
// key install, and the burst job API (IMB_GET_NEXT_BURST → fill every job, each
// with its own key → IMB_SUBMIT_BURST → IMB_FLUSH_BURST) for a whole burst of
// records from many connections.
//
// Facts of ipsec-mb 1.3 this relies on (checked in tests/unit/tls):
//  - GCM decrypt computes the tag into auth_tag_output and does NOT compare it;
//    the caller compares in constant time (tags_equal) before it releases
//    any plaintext.
//  - The burst API accepts IMB_CIPHER_GCM_SGL / IMB_AUTH_GCM_SGL jobs with
//    sgl_state = IMB_SGL_ALL (submit_burst validates and dispatches them
//    through the same path as IMB_SUBMIT_JOB), so records spanning segments ride
//    in the same burst as contiguous ones. IMB_SUBMIT_AEAD_BURST would not do:
//    it takes no GCM in 1.3.
//  - A manager may hold jobs back after submit: every burst is flushed before
//    its results are read, so the queue is empty between bursts.
#pragma once

#include <intel-ipsec-mb.h>

#include <cstddef>
#include <cstdint>

#include "dataplane/tls/keys.hh"

namespace sstpgw::tls {

inline constexpr uint32_t kBurst = 32;

// An expanded AES-GCM key (round keys + GHASH tables): computed once when a
// key is installed and kept in the connection's state, never per record.
struct alignas(64) aead_key {
  gcm_key_data data;
  uint32_t key_len = 0;  // 16 or 32 bytes; 0 until installed
};

class aead_engine {
 public:
  aead_engine() = default;
  ~aead_engine();
  aead_engine(const aead_engine&) = delete;
  aead_engine& operator=(const aead_engine&) = delete;

  // Allocates the manager (alloc_mb_mgr) and picks the best code path for this
  // CPU (init_mb_mgr_auto). Once per lcore, at start. False if ipsec-mb fails.
  bool init();
  // The same in caller memory (e.g. rte_zmalloc_socket on the lcore's socket):
  // memory must be 64-byte aligned, manager_size() bytes, and outlive the engine.
  bool init(void* memory);
  static size_t manager_size();

  bool ready() const { return mgr_ != nullptr; }
  IMB_MGR* manager() const { return mgr_; }
  // "SSE", "AVX", "AVX2", "AVX512" (what init_mb_mgr_auto chose).
  const char* arch_name() const;

  // Key install (control path): expands key_length(a) bytes of key.
  void expand_key(aead_algorithm a, const uint8_t* key, aead_key& out) const;

  // Burst. get_jobs hands out up to n (≤ kBurst) consecutive job slots; fill
  // them all, then run(): submit + flush. Afterwards every job handed out is
  // complete and its status readable until the next get_jobs. Returns false if
  // ipsec-mb rejected the burst (then no job ran; their status is not
  // IMB_STATUS_COMPLETED).
  uint32_t get_jobs(uint32_t n, IMB_JOB** jobs) { return IMB_GET_NEXT_BURST(mgr_, n > kBurst ? kBurst : n, jobs); }
  bool run(uint32_t n, IMB_JOB* const* jobs) {
    if (n == 0) return true;
    // submit/flush overwrite their array with the completed jobs; the caller
    // keeps its own pointers and reads the statuses from them afterwards.
    IMB_JOB* done[kBurst];
    for (uint32_t i = 0; i < n; ++i) done[i] = jobs[i];
    const uint32_t completed = IMB_SUBMIT_BURST(mgr_, n, done);
    if (completed == 0 && imb_get_errno(mgr_) != 0) return rejected(n, jobs);
    if (completed < n) IMB_FLUSH_BURST(mgr_, kBurst, done);
    return true;
  }

 private:
  // Nothing ran: leaves every job visibly incomplete for the caller.
  static bool rejected(uint32_t n, IMB_JOB* const* jobs);

  IMB_MGR* mgr_ = nullptr;
  IMB_ARCH arch_ = IMB_ARCH_NONE;
  bool owns_memory_ = false;
};

// Wipes key material (teardown, KeyUpdate).
void wipe(aead_key& k);

// What every GCM job of ours sets: key, lengths (the whole message is both
// ciphered and authenticated), nonce, AAD, tag, direction and order.
inline void fill_gcm_common(IMB_JOB* j, const aead_key& k, IMB_CIPHER_DIRECTION dir, uint64_t len,
                            const uint8_t* iv, const uint8_t* aad, uint64_t aad_len, uint8_t* tag_out,
                            void* user) {
  j->enc_keys = &k.data;
  j->dec_keys = &k.data;
  j->key_len_in_bytes = k.key_len;
  j->cipher_start_src_offset_in_bytes = 0;
  j->msg_len_to_cipher_in_bytes = len;
  j->hash_start_src_offset_in_bytes = 0;
  j->msg_len_to_hash_in_bytes = len;
  j->iv = iv;
  j->iv_len_in_bytes = kIvLen;
  j->auth_tag_output = tag_out;
  j->auth_tag_output_len_in_bytes = kTagLen;
  j->u.GCM.aad = aad;
  j->u.GCM.aad_len_in_bytes = aad_len;
  j->cipher_direction = dir;
  j->chain_order = dir == IMB_DIR_ENCRYPT ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
  j->user_data = user;
}

// Contiguous GCM job: len bytes from src to dst (in place when equal).
// Decrypt writes the computed tag to tag_out; the caller compares.
inline void fill_gcm_job(IMB_JOB* j, const aead_key& k, IMB_CIPHER_DIRECTION dir, const uint8_t* src,
                         uint8_t* dst, uint64_t len, const uint8_t* iv, const uint8_t* aad,
                         uint64_t aad_len, uint8_t* tag_out, void* user) {
  fill_gcm_common(j, k, dir, len, iv, aad, aad_len, tag_out, user);
  j->src = src;
  j->dst = dst;
  j->cipher_mode = IMB_CIPHER_GCM;
  j->hash_alg = IMB_AUTH_AES_GMAC;
}

// Scatter-gather GCM job over iov[0..n) (in → out per piece, in place when
// equal), total = sum of the pieces' lengths.
inline void fill_gcm_sgl_job(IMB_JOB* j, const aead_key& k, IMB_CIPHER_DIRECTION dir,
                             const IMB_SGL_IOV* iov, uint64_t n, uint64_t total, gcm_context_data* ctx,
                             const uint8_t* iv, const uint8_t* aad, uint64_t aad_len, uint8_t* tag_out,
                             void* user) {
  fill_gcm_common(j, k, dir, total, iv, aad, aad_len, tag_out, user);
  j->sgl_io_segs = iov;
  j->num_sgl_io_segs = n;
  j->u.GCM.ctx = ctx;
  j->cipher_mode = IMB_CIPHER_GCM_SGL;
  j->hash_alg = IMB_AUTH_GCM_SGL;
  j->sgl_state = IMB_SGL_ALL;
}

inline bool job_completed(const IMB_JOB* j) { return j->status == IMB_STATUS_COMPLETED; }

}  // namespace sstpgw::tls
