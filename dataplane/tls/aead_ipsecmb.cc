#include "dataplane/tls/aead_ipsecmb.hh"

#include <openssl/crypto.h>

namespace sstpgw::tls {

aead_engine::~aead_engine() {
  if (mgr_ && owns_memory_) free_mb_mgr(mgr_);
}

bool aead_engine::init() {
  if (mgr_) return true;
  mgr_ = alloc_mb_mgr(0);
  if (!mgr_) return false;
  owns_memory_ = true;
  init_mb_mgr_auto(mgr_, &arch_);
  return arch_ != IMB_ARCH_NONE && imb_get_errno(mgr_) == 0;
}

bool aead_engine::init(void* memory) {
  if (mgr_) return true;
  mgr_ = imb_set_pointers_mb_mgr(memory, 0, 1);
  if (!mgr_) return false;
  owns_memory_ = false;
  init_mb_mgr_auto(mgr_, &arch_);
  return arch_ != IMB_ARCH_NONE && imb_get_errno(mgr_) == 0;
}

size_t aead_engine::manager_size() { return imb_get_mb_mgr_size(); }

const char* aead_engine::arch_name() const {
  switch (arch_) {
    case IMB_ARCH_NOAESNI: return "NOAESNI";
    case IMB_ARCH_SSE: return "SSE";
    case IMB_ARCH_AVX: return "AVX";
    case IMB_ARCH_AVX2: return "AVX2";
    case IMB_ARCH_AVX512: return "AVX512";
    default: return "none";
  }
}

void aead_engine::expand_key(aead_algorithm a, const uint8_t* key, aead_key& out) const {
  if (a == aead_algorithm::aes_128_gcm) {
    IMB_AES128_GCM_PRE(mgr_, key, &out.data);
    out.key_len = IMB_KEY_128_BYTES;
  } else {
    IMB_AES256_GCM_PRE(mgr_, key, &out.data);
    out.key_len = IMB_KEY_256_BYTES;
  }
}

bool aead_engine::rejected(uint32_t n, IMB_JOB* const* jobs) {
  // A job slot may still say COMPLETED from its previous use.
  for (uint32_t i = 0; i < n; ++i)
    if (jobs[i]->status == IMB_STATUS_COMPLETED) jobs[i]->status = IMB_STATUS_INVALID_ARGS;
  return false;
}

void wipe(aead_key& k) { OPENSSL_cleanse(&k, sizeof k); }

}  // namespace sstpgw::tls
