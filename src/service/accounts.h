// Secrets of user accounts and machines: argon2id password hashes (libsodium) and random tokens.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace lapis::service {

inline constexpr size_t kMinPasswordLength = 12;
inline constexpr size_t kMaxPasswordLength = 1024;

// argon2id hash in libsodium's self-describing string form (salt and costs included).
Result<std::string> HashPassword(std::string_view password);
// True when `password` matches `hash`. Costs as much for a malformed hash as for a real one.
bool VerifyPassword(const std::string& hash, std::string_view password);
// Burns the time of one verification, for sign-ins of unknown users (no timing oracle).
void VerifyDummyPassword(std::string_view password);
// InvalidArgument naming the rule a new password breaks.
Status CheckNewPassword(std::string_view password);

// `prefix` followed by 32 random bytes in hex (tokens and session ids); "" if no randomness.
std::string NewSecret(std::string_view prefix);
// A random password of 20 letters and digits, for first administrators.
std::string NewPassword();

}  // namespace lapis::service
