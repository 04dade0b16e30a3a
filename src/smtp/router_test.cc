#include "smtp/router.h"

#include <gtest/gtest.h>

namespace lapis::smtp {
namespace {

TEST(Router, ExactAddressesWinOverTheDomainCatchAll) {
  auto r = Router::Parse({"spam@agency.example=agency-a", "*@agency.example=agency-b",
                          "abuse@other.example = agency-c"});
  ASSERT_TRUE(r) << r.error().ToString();
  struct Case {
    const char* address;
    const char* org;  // nullptr: unknown
  } cases[] = {
      {"spam@agency.example", "agency-a"},
      {"SPAM@Agency.Example", "agency-a"},
      {"anything@agency.example", "agency-b"},
      {"x@AGENCY.EXAMPLE", "agency-b"},
      {"abuse@other.example", "agency-c"},
      {"spam@other.example", nullptr},
      {"spam@sub.agency.example", nullptr},
      {"postmaster", nullptr},
      {"", nullptr},
  };
  for (const auto& c : cases) {
    auto org = r->Find(c.address);
    if (c.org)
      EXPECT_EQ(org.value_or("<none>"), c.org) << c.address;
    else
      EXPECT_FALSE(org) << c.address;
  }
}

TEST(Router, RejectsMalformedRules) {
  for (const char* rule :
       {"spam@agency.example", "spam@agency.example=", "=org", "agency.example=org",
        "@agency.example=org", "spam@=org", "sp am@agency.example=org"}) {
    EXPECT_FALSE(Router::Parse({rule})) << rule;
  }
  EXPECT_FALSE(Router::Parse({"a@b.example=x", "A@B.example=y"}));
  EXPECT_TRUE(Router::Parse({"a@b.example=x", "A@B.example=x"}));
  EXPECT_TRUE(Router::Parse({})->empty());
}

}  // namespace
}  // namespace lapis::smtp
