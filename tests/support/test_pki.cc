#include "tests/support/test_pki.hh"
#include "dataplane/common/hex.hh"

#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include <fstream>
#include <stdexcept>

namespace sstpgw::testing {
namespace {

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test_pki: ") + what + ": " + ossl::error_string());
}

ossl::evp_pkey_ptr make_key(key_kind kind) {
  EVP_PKEY* k = kind == key_kind::ec_p256 ? EVP_EC_gen("P-256") : EVP_RSA_gen(2048);
  check(k != nullptr, "key generation");
  return ossl::evp_pkey_ptr(k);
}

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  check(ext != nullptr, "extension");
  check(X509_add_ext(cert, ext, -1) == 1, "add extension");
  X509_EXTENSION_free(ext);
}

issued_cert build(const cert_spec& spec, const issued_cert* issuer) {
  issued_cert out;
  out.key = make_key(spec.key);
  out.cert.reset(X509_new());
  X509* c = out.cert.get();
  check(X509_set_version(c, 2) == 1, "version");
  uint8_t serial[16];
  check(RAND_bytes(serial, sizeof serial) == 1, "serial");
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(c));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(c), spec.not_before);
  X509_gmtime_adj(X509_getm_notAfter(c), spec.not_after);
  X509_NAME* name = X509_get_subject_name(c);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("sstpgw tests"),
                             -1, -1, 0);
  X509* issuer_cert = issuer ? issuer->cert.get() : c;
  EVP_PKEY* signing_key = issuer ? issuer->key.get() : out.key.get();
  check(X509_set_issuer_name(c, X509_get_subject_name(issuer_cert)) == 1, "issuer");
  check(X509_set_pubkey(c, out.key.get()) == 1, "pubkey");

  add_ext(c, issuer_cert, NID_basic_constraints, spec.is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  add_ext(c, issuer_cert, NID_key_usage,
          spec.is_ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature,keyEncipherment");
  add_ext(c, issuer_cert, NID_subject_key_identifier, "hash");
  if (issuer) add_ext(c, issuer_cert, NID_authority_key_identifier, "keyid:always");
  if (!spec.eku.empty()) {
    std::string v;
    for (const auto& e : spec.eku) v += (v.empty() ? "" : ",") + e;
    add_ext(c, issuer_cert, NID_ext_key_usage, v);
  }
  if (!spec.dns_names.empty()) {
    std::string v;
    for (const auto& d : spec.dns_names) v += (v.empty() ? "DNS:" : ",DNS:") + d;
    add_ext(c, issuer_cert, NID_subject_alt_name, v);
  }
  check(X509_sign(c, signing_key, EVP_sha256()) > 0, "sign");
  return out;
}

std::string bio_string(BIO* b) {
  char* data = nullptr;
  long n = BIO_get_mem_data(b, &data);
  return std::string(data, static_cast<size_t>(n));
}

}  // namespace

std::string issued_cert::cert_pem() const {
  ossl::bio_ptr b(BIO_new(BIO_s_mem()));
  check(PEM_write_bio_X509(b.get(), cert.get()) == 1, "PEM cert");
  return bio_string(b.get());
}

std::string issued_cert::key_pem() const {
  ossl::bio_ptr b(BIO_new(BIO_s_mem()));
  check(PEM_write_bio_PrivateKey(b.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1, "PEM key");
  return bio_string(b.get());
}

std::vector<uint8_t> issued_cert::cert_der() const {
  int n = i2d_X509(cert.get(), nullptr);
  check(n > 0, "DER size");
  std::vector<uint8_t> der(static_cast<size_t>(n));
  uint8_t* p = der.data();
  i2d_X509(cert.get(), &p);
  return der;
}

std::string issued_cert::sha1_thumbprint() const {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  check(X509_digest(cert.get(), EVP_sha1(), md, &len) == 1, "digest");
  return to_hex(md, len, hex_case::upper);
}

issued_cert make_root(const cert_spec& spec) {
  cert_spec s = spec;
  s.is_ca = true;
  return build(s, nullptr);
}

issued_cert issue_cert(const issued_cert& issuer, const cert_spec& spec) { return build(spec, &issuer); }

test_pki make_test_pki(key_kind kind) {
  test_pki p;
  p.root = make_root({.common_name = "sstpgw test root", .key = kind});
  p.server = issue_cert(p.root, {.common_name = "vpn.example.test",
                                 .key = kind,
                                 .eku = {"serverAuth"},
                                 .dns_names = {"vpn.example.test"}});
  p.client = issue_cert(p.root, {.common_name = "client1", .key = kind, .eku = {"clientAuth"}});
  return p;
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
  if (!f) throw std::runtime_error("test_pki: cannot write " + path);
}

}  // namespace sstpgw::testing
