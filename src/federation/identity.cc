#include "federation/identity.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/sha256.h"
#include "common/strings.h"

namespace lapis::federation {
namespace {

using json = nlohmann::json;

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using Bio = std::unique_ptr<BIO, BioFree>;
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Cert = std::unique_ptr<X509, X509Free>;

std::string BioText(BIO* b) {
  char* p = nullptr;
  long n = BIO_get_mem_data(b, &p);
  return n > 0 ? std::string(p, static_cast<size_t>(n)) : std::string();
}

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream s;
  s << in.rdbuf();
  *out = s.str();
  return true;
}

// Writes a new file atomically (temporary file, fsync, rename), with `mode`.
Status WriteFileAtomic(const std::string& path, const std::string& bytes, mode_t mode) {
  const std::string tmp = path + ".tmp" + std::to_string(getpid());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Status::IoError("cannot write " + tmp + ": " + strerror(errno));
  bool ok = write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()) && fsync(fd) == 0;
  close(fd);
  if (!ok || rename(tmp.c_str(), path.c_str()) != 0) {
    unlink(tmp.c_str());
    return Status::IoError("cannot write " + path + ": " + strerror(errno));
  }
  return Status::Ok();
}

Result<std::string> SpkiHash(X509* cert) {
  unsigned char* der = nullptr;
  int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
  if (n <= 0) return Fail(Status::InvalidArgument("the certificate has no public key"));
  std::string h = Sha256Hex(std::string_view(reinterpret_cast<const char*>(der), static_cast<size_t>(n)));
  OPENSSL_free(der);
  return h;
}

Result<TlsIdentity> Make(const std::string& dir) {
  Pkey key(EVP_EC_gen("P-256"));
  if (!key) return Fail(Status::Internal("cannot make a P-256 key"));
  Cert cert(X509_new());
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 20L * 365 * 86400);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("lapis-node"), -1,
                             -1, 0);
  X509_set_issuer_name(cert.get(), name);
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0)
    return Fail(Status::Internal("cannot sign the node's TLS certificate"));
  Bio kb(BIO_new(BIO_s_mem())), cb(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(kb.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  PEM_write_bio_X509(cb.get(), cert.get());
  TlsIdentity id;
  id.key_pem = BioText(kb.get());
  id.cert_pem = BioText(cb.get());
  auto h = SpkiHash(cert.get());
  if (!h) return Fail(h.error());
  id.spki_sha256 = *h;
  // The key first: a certificate without its key would be unusable.
  if (Status s = WriteFileAtomic(dir + "/tls.key", id.key_pem, 0600); !s.ok()) return Fail(s);
  if (Status s = WriteFileAtomic(dir + "/tls.crt", id.cert_pem, 0644); !s.ok()) return Fail(s);
  return id;
}

}  // namespace

Result<std::string> SpkiSha256OfPem(const std::string& cert_pem) {
  Bio b(BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size())));
  Cert cert(PEM_read_bio_X509(b.get(), nullptr, nullptr, nullptr));
  if (!cert) return Fail(Status::InvalidArgument("not a PEM certificate"));
  return SpkiHash(cert.get());
}

std::string PinOfSpkiHex(const std::string& spki_hex) {
  std::string raw(spki_hex.size() / 2, '\0');
  size_t n = 0;
  sodium_hex2bin(reinterpret_cast<unsigned char*>(raw.data()), raw.size(), spki_hex.data(), spki_hex.size(),
                 nullptr, &n, nullptr);
  raw.resize(n);
  std::string b64(sodium_base64_ENCODED_LEN(raw.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(b64.data(), b64.size(), reinterpret_cast<const unsigned char*>(raw.data()), raw.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  b64.resize(std::strlen(b64.c_str()));
  return "sha256//" + b64;
}

Result<TlsIdentity> LoadOrCreateTlsIdentity(const std::string& dir) {
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return Fail(Status::IoError("cannot make " + dir + ": " + strerror(errno)));
  TlsIdentity id;
  const bool have_key = ReadFile(dir + "/tls.key", &id.key_pem);
  const bool have_cert = ReadFile(dir + "/tls.crt", &id.cert_pem);
  if (!have_key || !have_cert) return Make(dir);
  auto h = SpkiSha256OfPem(id.cert_pem);
  if (!h) return Fail(Status::Corruption(dir + "/tls.crt: " + h.error().message()));
  id.spki_sha256 = *h;
  Bio b(BIO_new_mem_buf(id.key_pem.data(), static_cast<int>(id.key_pem.size())));
  Pkey key(PEM_read_bio_PrivateKey(b.get(), nullptr, nullptr, nullptr));
  if (!key) return Fail(Status::Corruption(dir + "/tls.key does not hold a private key"));
  return id;
}

std::string SignHex(const std::string& text, const coop::NodeKey& key) {
  unsigned char sig[crypto_sign_BYTES];
  crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(text.data()), text.size(),
                       reinterpret_cast<const unsigned char*>(key.secret_key.data()));
  return HexEncode(sig, sizeof sig);
}

bool VerifyHex(const std::string& text, const std::string& signature_hex, const std::string& public_key_hex) {
  unsigned char sig[crypto_sign_BYTES], pk[crypto_sign_PUBLICKEYBYTES];
  size_t n = 0;
  if (signature_hex.size() != 2 * sizeof sig || public_key_hex.size() != 2 * sizeof pk) return false;
  if (sodium_hex2bin(sig, sizeof sig, signature_hex.data(), signature_hex.size(), nullptr, &n, nullptr) != 0 ||
      n != sizeof sig)
    return false;
  if (sodium_hex2bin(pk, sizeof pk, public_key_hex.data(), public_key_hex.size(), nullptr, &n, nullptr) != 0 ||
      n != sizeof pk)
    return false;
  return crypto_sign_verify_detached(sig, reinterpret_cast<const unsigned char*>(text.data()), text.size(), pk) ==
         0;
}

std::string SignDocument(const std::string& text, const coop::NodeKey& key) {
  return json{{"signed", text}, {"signature", SignHex(text, key)}}.dump();
}

Result<std::string> OpenDocument(const std::string& doc, const std::string& public_key_hex) {
  json j = json::parse(doc, nullptr, false);
  if (!j.is_object() || !j.contains("signed") || !j["signed"].is_string())
    return Fail(Status::InvalidArgument("not a signed document"));
  if (!j.contains("signature") || !j["signature"].is_string() || j["signature"].get<std::string>().empty())
    return Fail(Status::InvalidArgument("unsigned"));
  std::string text = j["signed"].get<std::string>();
  if (!VerifyHex(text, j["signature"].get<std::string>(), public_key_hex))
    return Fail(Status::PermissionDenied("bad signature"));
  return text;
}

}  // namespace lapis::federation
