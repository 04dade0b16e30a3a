// SHA-256 through OpenSSL's EVP interface. Sha256 objects are not thread-safe; use one per thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace lapis {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(std::string_view data);
  std::string HexDigest();  // finalises; the object may be reused after Reset()
  void Reset();

 private:
  void* ctx_;
};

std::string Sha256Hex(std::string_view data);
// Raw 32-byte digest.
std::string Sha256Raw(std::string_view data);

}  // namespace lapis
