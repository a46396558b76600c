#include "control/certs/cert_input.hh"

#include "control/common/base64.hh"

#include <openssl/pem.h>
#include <openssl/pkcs7.h>

#include <cstring>
#include <memory>

#include "control/certs/thumbprint.hh"

namespace sstpgw::certs {
namespace {

void free_ossl(void* p) { OPENSSL_free(p); }
using ossl_chars = std::unique_ptr<void, decltype(&free_ossl)>;

parsed_certs failure(cert_encoding enc, std::string error) {
  parsed_certs r;
  r.encoding = enc;
  r.error = std::move(error);
  return r;
}

// Exactly one DER certificate filling [data, data+size).
ossl::x509_ptr der_certificate(const uint8_t* data, size_t size, std::string& error) {
  const unsigned char* p = data;
  ossl::x509_ptr cert(d2i_X509(nullptr, &p, static_cast<long>(size)));
  if (!cert) {
    const unsigned char* q = data;
    PKCS7* p7 = d2i_PKCS7(nullptr, &q, static_cast<long>(size));
    if (p7) {
      PKCS7_free(p7);
      error = "a PKCS#7 (.p7b) bundle is not accepted; export the certificate alone as .cer";
    } else {
      std::string detail = ossl::error_string();
      error = "not a DER X.509 certificate" + (detail.empty() ? std::string() : " (" + detail + ")");
    }
    ERR_clear_error();
    return nullptr;
  }
  if (p != data + size) {
    error = "DER certificate followed by " + std::to_string(data + size - p) + " unexpected bytes";
    return nullptr;
  }
  return cert;
}

bool contains(std::span<const uint8_t> in, std::string_view needle) {
  std::string_view s(reinterpret_cast<const char*>(in.data()), in.size());
  return s.find(needle) != std::string_view::npos;
}

parsed_certs parse_pem(std::span<const uint8_t> input) {
  parsed_certs out;
  out.encoding = cert_encoding::pem;
  ossl::bio_ptr bio(BIO_new_mem_buf(input.data(), static_cast<int>(input.size())));
  if (!bio) return failure(cert_encoding::pem, "out of memory");
  ERR_clear_error();
  for (int block = 1;; ++block) {
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* data = nullptr;
    long len = 0;
    if (PEM_read_bio(bio.get(), &name, &header, &data, &len) != 1) {
      unsigned long e = ERR_peek_last_error();
      bool at_end = ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE;
      std::string detail = ossl::error_string();
      if (at_end && !out.certs.empty()) break;
      return failure(cert_encoding::pem,
                     at_end ? "no PEM CERTIFICATE block found"
                            : "PEM block " + std::to_string(block) + " is malformed (" + detail + ")");
    }
    ossl_chars owned_name(name, free_ossl), owned_header(header, free_ossl), owned_data(data, free_ossl);
    const std::string block_name = name;
    const bool has_header = header != nullptr && header[0] != '\0';
    std::string where = "PEM block " + std::to_string(block) + " (" + block_name + ")";
    if (block_name.find("PRIVATE KEY") != std::string::npos)
      return failure(cert_encoding::pem,
                     where + ": input holds a private key; give only the public certificate");
    if (block_name == "PKCS7")
      return failure(cert_encoding::pem,
                     where + ": a PKCS#7 (.p7b) bundle is not accepted; export each certificate as .cer");
    if (block_name != "CERTIFICATE" && block_name != "X509 CERTIFICATE" &&
        block_name != "TRUSTED CERTIFICATE")
      return failure(cert_encoding::pem, where + ": unexpected block type, expected CERTIFICATE");
    if (has_header)
      return failure(cert_encoding::pem, where + ": PEM headers (encrypted PEM) are not accepted");
    if (out.certs.size() == kMaxCertsPerInput)
      return failure(cert_encoding::pem, "more than " + std::to_string(kMaxCertsPerInput) + " certificates");
    ossl::x509_ptr cert;
    std::string error;
    if (block_name == "TRUSTED CERTIFICATE") {
      // OpenSSL's "trusted" form: DER certificate followed by trust settings, which we ignore.
      const unsigned char* p = data;
      cert.reset(d2i_X509_AUX(nullptr, &p, len));
      if (!cert || p != data + len) {
        cert.reset();
        error = "not a valid trusted certificate";
        ERR_clear_error();
      }
    } else {
      cert = der_certificate(data, static_cast<size_t>(len), error);
    }
    if (!cert) return failure(cert_encoding::pem, where + ": " + error);
    out.certs.push_back(std::move(cert));
  }
  ERR_clear_error();
  return out;
}

}  // namespace

std::string_view to_string(cert_encoding e) {
  switch (e) {
    case cert_encoding::pem:
      return "PEM";
    case cert_encoding::der:
      return "DER";
    case cert_encoding::base64:
      return "Base64";
  }
  return "?";
}


parsed_certs parse_certificates(std::span<const uint8_t> input) {
  if (input.size() >= 3 && input[0] == 0xEF && input[1] == 0xBB && input[2] == 0xBF) input = input.subspan(3);
  if (input.empty()) return failure(cert_encoding::der, "no certificate data");
  if (input.size() > kMaxCertInputBytes)
    return failure(cert_encoding::der, "certificate input of " + std::to_string(input.size()) +
                                           " bytes is over the limit of " +
                                           std::to_string(kMaxCertInputBytes));
  if (contains(input, "-----BEGIN")) return parse_pem(input);

  parsed_certs out;
  std::string error;
  // Binary DER starts with a SEQUENCE tag (0x30). That byte is also the Base64 digit
  // '0', but the Base64 of a certificate starts "MI", so there is no ambiguity.
  if (input[0] == 0x30) {
    out.encoding = cert_encoding::der;
    auto cert = der_certificate(input.data(), input.size(), error);
    if (!cert) return failure(cert_encoding::der, error);
    out.certs.push_back(std::move(cert));
    return out;
  }
  out.encoding = cert_encoding::base64;
  std::vector<uint8_t> der;
  std::string_view text(reinterpret_cast<const char*>(input.data()), input.size());
  auto bytes = base64_decode(text, base64_padding::optional, &error);
  if (!bytes) return failure(cert_encoding::base64, error);
  der.assign(bytes->begin(), bytes->end());
  if (der.empty()) return failure(cert_encoding::base64, "no certificate data");
  auto cert = der_certificate(der.data(), der.size(), error);
  if (!cert) return failure(cert_encoding::base64, "Base64 input: " + error);
  out.certs.push_back(std::move(cert));
  return out;
}

parsed_certs parse_certificates(std::string_view input) {
  return parse_certificates(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(input.data()), input.size()));
}

std::vector<uint8_t> to_der(X509* cert) {
  int n = i2d_X509(cert, nullptr);
  if (n <= 0) return {};
  std::vector<uint8_t> der(static_cast<size_t>(n));
  uint8_t* p = der.data();
  i2d_X509(cert, &p);
  return der;
}

std::string to_pem(X509* cert) {
  ossl::bio_ptr b(BIO_new(BIO_s_mem()));
  if (!b || PEM_write_bio_X509(b.get(), cert) != 1) return {};
  char* data = nullptr;
  long n = BIO_get_mem_data(b.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

}  // namespace sstpgw::certs
