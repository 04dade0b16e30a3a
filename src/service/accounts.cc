#include "service/accounts.h"

#include <sodium.h>

#include <mutex>

#include "common/strings.h"

namespace lapis::service {
namespace {

bool Init() {
  static const bool ok = sodium_init() >= 0;
  return ok;
}

}  // namespace

Result<std::string> HashPassword(std::string_view password) {
  if (!Init()) return Fail(Status::Internal("libsodium cannot start"));
  char out[crypto_pwhash_argon2id_STRBYTES];
  if (crypto_pwhash_argon2id_str(out, password.data(), password.size(), crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE,
                                 crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE) != 0)
    return Fail(Status::Unavailable("not enough memory to hash a password"));
  return std::string(out);
}

bool VerifyPassword(const std::string& hash, std::string_view password) {
  if (!Init() || hash.size() >= crypto_pwhash_argon2id_STRBYTES ||
      hash.rfind(crypto_pwhash_argon2id_STRPREFIX, 0) != 0) {
    VerifyDummyPassword(password);
    return false;
  }
  return crypto_pwhash_argon2id_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

void VerifyDummyPassword(std::string_view password) {
  static std::once_flag once;
  static std::string dummy;
  std::call_once(once, [] {
    if (auto h = HashPassword("lapis-dummy-password")) dummy = *h;
  });
  if (dummy.empty()) return;
  // The result does not matter: only the time spent does.
  [[maybe_unused]] int ignored = crypto_pwhash_argon2id_str_verify(dummy.c_str(), password.data(), password.size());
}

Status CheckNewPassword(std::string_view password) {
  if (password.size() < kMinPasswordLength)
    return Status::InvalidArgument("a password has at least " + std::to_string(kMinPasswordLength) + " characters");
  if (password.size() > kMaxPasswordLength)
    return Status::InvalidArgument("a password has at most " + std::to_string(kMaxPasswordLength) + " characters");
  return Status::Ok();
}

std::string NewSecret(std::string_view prefix) {
  if (!Init()) return "";
  unsigned char buf[32];
  randombytes_buf(buf, sizeof buf);
  return std::string(prefix) + HexEncode(buf, sizeof buf);
}

std::string NewPassword() {
  if (!Init()) return "";
  static constexpr char kAlphabet[] = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  std::string out;
  for (int i = 0; i < 20; ++i) out.push_back(kAlphabet[randombytes_uniform(sizeof kAlphabet - 1)]);
  return out;
}

}  // namespace lapis::service
