#include "common/sha256.h"

#include <openssl/evp.h>

#include "common/strings.h"

namespace lapis {

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) { Reset(); }
Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }
void Sha256::Reset() { EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr); }
void Sha256::Update(std::string_view d) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), d.data(), d.size());
}
std::string Sha256::HexDigest() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), md, &n);
  return HexEncode(md, n);
}

std::string Sha256Hex(std::string_view data) {
  unsigned char md[32];
  EVP_Digest(data.data(), data.size(), md, nullptr, EVP_sha256(), nullptr);
  return HexEncode(md, 32);
}

std::string Sha256Raw(std::string_view data) {
  unsigned char md[32];
  EVP_Digest(data.data(), data.size(), md, nullptr, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(md), 32);
}

}  // namespace lapis
