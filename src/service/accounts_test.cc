#include "service/accounts.h"

#include <gtest/gtest.h>

namespace lapis::service {
namespace {

TEST(Accounts, PasswordHashIsArgon2idAndVerifies) {
  auto h = HashPassword("correct horse battery staple");
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->rfind("$argon2id$", 0), 0u) << *h;
  EXPECT_TRUE(VerifyPassword(*h, "correct horse battery staple"));
  EXPECT_FALSE(VerifyPassword(*h, "correct horse battery stapler"));
}

TEST(Accounts, SamePasswordHashesDifferently) {
  auto a = HashPassword("same password twice");
  auto b = HashPassword("same password twice");
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);  // salted
}

TEST(Accounts, MalformedHashNeverVerifies) {
  EXPECT_FALSE(VerifyPassword("", "x"));
  EXPECT_FALSE(VerifyPassword("$argon2id$garbage", "x"));
  EXPECT_FALSE(VerifyPassword(std::string(500, 'a'), "x"));
}

TEST(Accounts, NewPasswordsFollowTheRules) {
  EXPECT_FALSE(CheckNewPassword("short").ok());
  EXPECT_FALSE(CheckNewPassword(std::string(kMaxPasswordLength + 1, 'x')).ok());
  EXPECT_TRUE(CheckNewPassword("twelve chars").ok());
  std::string p = NewPassword();
  EXPECT_EQ(p.size(), 20u);
  EXPECT_TRUE(CheckNewPassword(p).ok());
  EXPECT_NE(p, NewPassword());
}

TEST(Accounts, SecretsAreRandomAndPrefixed) {
  std::string a = NewSecret("lapis_"), b = NewSecret("lapis_");
  EXPECT_EQ(a.size(), 6u + 64u);
  EXPECT_EQ(a.rfind("lapis_", 0), 0u);
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace lapis::service
