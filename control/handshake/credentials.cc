#include "control/handshake/credentials.hh"

#include <openssl/pem.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace sstpgw::handshake {
namespace {

// No passphrase prompt, ever: a refusal makes OpenSSL fail the load.
int no_passphrase(char*, int, int, void*) { return 0; }

ossl::bio_ptr pem_bio(const std::string& text) {
  ossl::bio_ptr b(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  if (!b) throw config_error("out of memory reading PEM");
  return b;
}

}  // namespace

std::string describe(const pem_source& src) {
  if (!src.file.empty()) return "file " + src.file;
  return "inline PEM";
}

std::string read_pem(const pem_source& src, std::string_view what) {
  if (src.file.empty()) {
    if (src.pem.empty()) throw config_error(std::string(what) + ": not configured");
    return src.pem;
  }
  std::ifstream f(src.file, std::ios::binary);
  if (!f) {
    throw config_error(std::string(what) + ": cannot read " + src.file + ": " + std::strerror(errno));
  }
  std::ostringstream s;
  s << f.rdbuf();
  if (f.bad()) throw config_error(std::string(what) + ": error reading " + src.file);
  return s.str();
}

std::vector<ossl::x509_ptr> load_certificates(const pem_source& src, std::string_view what) {
  const std::string text = read_pem(src, what);
  auto bio = pem_bio(text);
  std::vector<ossl::x509_ptr> out;
  ERR_clear_error();
  while (X509* c = PEM_read_bio_X509(bio.get(), nullptr, no_passphrase, nullptr)) out.emplace_back(c);
  // The loop ends with "no start line" once the input is exhausted; anything
  // else is a broken certificate.
  const unsigned long e = ERR_peek_last_error();
  if (e != 0 && !(ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE)) {
    throw config_error(std::string(what) + " (" + describe(src) + "): certificate " +
                       std::to_string(out.size() + 1) + " does not parse: " + ossl::error_string());
  }
  ERR_clear_error();
  if (out.empty())
    throw config_error(std::string(what) + " (" + describe(src) + "): no PEM certificate found");
  return out;
}

ossl::evp_pkey_ptr load_private_key(const pem_source& src, std::string_view what) {
  const std::string text = read_pem(src, what);
  if (text.find("ENCRYPTED") != std::string::npos) {
    throw config_error(std::string(what) + " (" + describe(src) +
                       "): encrypted private keys are not supported; store it unencrypted with mode 0600");
  }
  auto bio = pem_bio(text);
  ERR_clear_error();
  ossl::evp_pkey_ptr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  if (!key) {
    throw config_error(std::string(what) + " (" + describe(src) +
                       "): no usable PEM private key: " + ossl::error_string());
  }
  return key;
}

suite_auth key_kind_of(EVP_PKEY* key, std::string_view what) {
  if (EVP_PKEY_is_a(key, "EC")) return suite_auth::ecdsa;
  if (EVP_PKEY_is_a(key, "RSA")) return suite_auth::rsa;
  throw config_error(std::string(what) + ": key type " + EVP_PKEY_get0_type_name(key) +
                     " is not supported (use an EC or RSA key)");
}

void check_key_matches(X509* cert, EVP_PKEY* key, const pem_source& cert_src, const pem_source& key_src) {
  ERR_clear_error();
  if (X509_check_private_key(cert, key) != 1) {
    ERR_clear_error();
    throw config_error("private key (" + describe(key_src) + ") does not match certificate '" +
                       subject_of(cert) + "' (" + describe(cert_src) + ")");
  }
}

std::string subject_of(X509* cert) {
  ossl::bio_ptr b(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(b.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  const long n = BIO_get_mem_data(b.get(), &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

}  // namespace sstpgw::handshake
