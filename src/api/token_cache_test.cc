#include "api/token_cache.h"

#include <gtest/gtest.h>

namespace lapis::api {
namespace {

store::TokenInfo Token(int64_t id) {
  store::TokenInfo t;
  t.org = "agency";
  t.role = "reporter";
  t.id = id;
  return t;
}

TEST(TokenCache, ATokenIsRememberedUntilItsTimeIsUp) {
  TokenCache c(2000);
  EXPECT_FALSE(c.Get("h1", 0));
  c.Put("h1", Token(7), 1000);
  auto t = c.Get("h1", 2999);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->id, 7);
  EXPECT_EQ(t->org, "agency");
  EXPECT_EQ(t->role, "reporter");
  EXPECT_FALSE(c.Get("h1", 3000));  // looked up in the store again
  EXPECT_EQ(c.size(), 0u);
}

TEST(TokenCache, ClearingForgetsEveryToken) {
  TokenCache c(60000);
  c.Put("h1", Token(1), 0);
  c.Put("h2", Token(2), 0);
  c.Clear();
  EXPECT_FALSE(c.Get("h1", 1));
  EXPECT_FALSE(c.Get("h2", 1));
}

TEST(TokenCache, ItNeverHoldsMoreThanItsCapacity) {
  TokenCache c(1000, 3);
  c.Put("old", Token(0), 0);
  c.Put("a", Token(1), 500);
  c.Put("b", Token(2), 500);
  c.Put("c", Token(3), 1200);  // full: the expired entry goes
  EXPECT_EQ(c.size(), 3u);
  EXPECT_FALSE(c.Get("old", 1200));
  EXPECT_TRUE(c.Get("a", 1200));
  c.Put("d", Token(4), 1300);  // full of live entries: it starts again
  EXPECT_LE(c.size(), 3u);
  EXPECT_TRUE(c.Get("d", 1300));
}

}  // namespace
}  // namespace lapis::api
