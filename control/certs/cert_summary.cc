#include "control/certs/cert_summary.hh"

#include <ctime>

namespace sstpgw::certs {

std::string name_line(const X509_NAME* name) {
  if (name == nullptr) return {};
  ossl::bio_ptr b(BIO_new(BIO_s_mem()));
  // RFC 2253 order (most specific first) with ", " separators, UTF-8 kept as is.
  const unsigned long flags =
      (XN_FLAG_RFC2253 & ~XN_FLAG_SEP_MASK & ~ASN1_STRFLGS_ESC_MSB) | XN_FLAG_SEP_CPLUS_SPC;
  if (!b || X509_NAME_print_ex(b.get(), name, 0, flags) < 0) return {};
  char* data = nullptr;
  long n = BIO_get_mem_data(b.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

std::string short_name(X509* cert) {
  X509_NAME* subject = X509_get_subject_name(cert);
  int idx = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (idx >= 0) {
    ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, idx));
    unsigned char* utf8 = nullptr;
    int n = ASN1_STRING_to_UTF8(&utf8, s);
    if (n >= 0) {
      std::string cn(reinterpret_cast<char*>(utf8), static_cast<size_t>(n));
      OPENSSL_free(utf8);
      if (!cn.empty()) return "CN=" + cn;
    }
  }
  return name_line(subject);
}

bool asn1_time_to_unix(const ASN1_TIME* t, int64_t& out) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return false;
  out = static_cast<int64_t>(timegm(&tm));
  return true;
}

std::string format_time(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  if (gmtime_r(&t, &tm) == nullptr) return "(time out of range)";
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

namespace {

std::string key_description(X509* cert) {
  EVP_PKEY* key = X509_get0_pubkey(cert);
  if (key == nullptr) return "unknown key";
  const int bits = EVP_PKEY_get_bits(key);
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
      return "RSA " + std::to_string(bits);
    case EVP_PKEY_EC: {
      char curve[64] = {0};
      size_t len = 0;
      if (EVP_PKEY_get_utf8_string_param(key, "group", curve, sizeof curve, &len) == 1) {
        std::string c(curve, len);
        if (c == "prime256v1") c = "P-256";
        if (c == "secp384r1") c = "P-384";
        if (c == "secp521r1") c = "P-521";
        return "EC " + c;
      }
      return "EC " + std::to_string(bits);
    }
    case EVP_PKEY_ED25519:
      return "Ed25519";
    default:
      return std::string(OBJ_nid2sn(EVP_PKEY_get_base_id(key))) + " " + std::to_string(bits);
  }
}

}  // namespace

cert_summary summarize(X509* cert) {
  cert_summary s;
  s.subject = name_line(X509_get_subject_name(cert));
  s.issuer = name_line(X509_get_issuer_name(cert));
  s.common_name = short_name(cert);
  s.sha1 = sha1_thumbprint(cert);
  s.sha256 = sha256_hex(cert);
  if (BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr)) {
    if (char* hex = BN_bn2hex(bn)) {
      s.serial = hex;
      OPENSSL_free(hex);
    }
    BN_free(bn);
  }
  s.key = key_description(cert);
  asn1_time_to_unix(X509_get0_notBefore(cert), s.not_before);
  asn1_time_to_unix(X509_get0_notAfter(cert), s.not_after);
  s.is_ca = X509_check_ca(cert) != 0;
  s.self_signed = X509_self_signed(cert, 1) == 1;
  ERR_clear_error();
  return s;
}

}  // namespace sstpgw::certs
