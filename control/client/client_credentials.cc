#include "control/client/client_credentials.hh"

#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "control/common/ossl.hh"
#include "control/handshake/credentials.hh"
#include "control/handshake/tls_config.hh"

namespace sstpgw::client {

using handshake::config_error;

namespace {

std::string to_pem(X509* cert) {
  ossl::bio_ptr b(BIO_new(BIO_s_mem()));
  if (!b || PEM_write_bio_X509(b.get(), cert) != 1) throw config_error("cannot encode a certificate as PEM");
  char* data = nullptr;
  const long n = BIO_get_mem_data(b.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

std::string to_pem(EVP_PKEY* key) {
  ossl::bio_ptr b(BIO_new(BIO_s_mem()));
  if (!b || PEM_write_bio_PrivateKey(b.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    throw config_error("cannot encode the private key as PEM");
  char* data = nullptr;
  const long n = BIO_get_mem_data(b.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

std::string common_name_of(X509* cert) {
  X509_NAME* name = X509_get_subject_name(cert);
  const int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (i < 0) return {};
  ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
  unsigned char* utf8 = nullptr;
  const int n = ASN1_STRING_to_UTF8(&utf8, s);
  if (n < 0) return {};
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(n));
  OPENSSL_free(utf8);
  return out;
}

std::string read_binary(const std::string& path, std::string_view what) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw config_error(std::string(what) + ": cannot read " + path + ": " + std::strerror(errno));
  std::ostringstream s;
  s << f.rdbuf();
  if (f.bad()) throw config_error(std::string(what) + ": error reading " + path);
  return s.str();
}

}  // namespace

client_credentials load_pem_credentials(const std::string& cert_file, const std::string& key_file) {
  const handshake::pem_source cert_src{.file = cert_file};
  const handshake::pem_source key_src{.file = key_file};
  const auto chain = handshake::load_certificates(cert_src, "client certificate");
  const ossl::evp_pkey_ptr key = handshake::load_private_key(key_src, "client key");
  handshake::check_key_matches(chain.front().get(), key.get(), cert_src, key_src);
  client_credentials c;
  for (const auto& x : chain) c.certificate_chain_pem += to_pem(x.get());
  c.private_key_pem = to_pem(key.get());
  c.common_name = common_name_of(chain.front().get());
  return c;
}

client_credentials load_pkcs12(const std::string& p12_file, const std::string& password) {
  const std::string der = read_binary(p12_file, "PKCS#12");
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<PKCS12, ossl::deleter<PKCS12_free>> p12(
      d2i_PKCS12(nullptr, &p, static_cast<long>(der.size())));
  if (!p12) throw config_error("PKCS#12 " + p12_file + ": not a PKCS#12 file: " + ossl::error_string());
  EVP_PKEY* key_raw = nullptr;
  X509* cert_raw = nullptr;
  STACK_OF(X509)* cas_raw = nullptr;
  ERR_clear_error();
  if (PKCS12_parse(p12.get(), password.c_str(), &key_raw, &cert_raw, &cas_raw) != 1) {
    throw config_error("PKCS#12 " + p12_file + ": cannot open it (wrong password?): " + ossl::error_string());
  }
  ossl::evp_pkey_ptr key(key_raw);
  ossl::x509_ptr cert(cert_raw);
  ossl::x509_stack_ptr cas(cas_raw);
  if (!cert) throw config_error("PKCS#12 " + p12_file + ": holds no certificate");
  if (!key) throw config_error("PKCS#12 " + p12_file + ": holds no private key");
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    throw config_error("PKCS#12 " + p12_file + ": the private key does not belong to the certificate");
  }
  client_credentials c;
  c.certificate_chain_pem = to_pem(cert.get());
  if (cas) {
    for (int i = 0; i < sk_X509_num(cas.get()); ++i)
      c.certificate_chain_pem += to_pem(sk_X509_value(cas.get(), i));
  }
  c.private_key_pem = to_pem(key.get());
  c.common_name = common_name_of(cert.get());
  return c;
}

std::string password_from_env(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  if (v == nullptr) throw config_error("--password-env: the environment variable " + name + " is not set");
  return v;
}

std::string load_trust_roots(const std::string& ca_file) {
  const handshake::pem_source src{.file = ca_file};
  handshake::load_certificates(src, "--ca");  // throws unless at least one certificate parses
  return handshake::read_pem(src, "--ca");
}

}  // namespace sstpgw::client
