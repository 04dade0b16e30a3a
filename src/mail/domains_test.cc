#include "mail/domains.h"

#include <gtest/gtest.h>

namespace lapis::mail {

TEST(Domains, RegistrableDomainFollowsPublicSuffixList) {
  EXPECT_EQ(RegistrableDomain("www.example.co.uk"), "example.co.uk");
  EXPECT_EQ(RegistrableDomain("a.b.example.com"), "example.com");
  EXPECT_EQ(RegistrableDomain("foo.blogspot.com"), "foo.blogspot.com");
  EXPECT_EQ(RegistrableDomain("co.uk"), "");
  EXPECT_EQ(RegistrableDomain("192.0.2.1"), "");
}

TEST(Domains, NormalizeHostLowersAndPunycodes) {
  EXPECT_EQ(NormalizeHost("WWW.Example.COM."), "www.example.com");
  EXPECT_EQ(NormalizeHost("b\xC3\xBC" "cher.example"), "xn--bcher-kva.example");
  EXPECT_EQ(NormalizeHost("[192.0.2.1]"), "192.0.2.1");
  EXPECT_EQ(NormalizeHost("bad host"), "");
}

TEST(Domains, KnownSuffix) {
  EXPECT_TRUE(HasKnownSuffix("example.com"));
  EXPECT_TRUE(HasKnownSuffix("example.fr"));
  EXPECT_FALSE(HasKnownSuffix("invoice.exe"));
  EXPECT_FALSE(HasKnownSuffix("localhost"));
}

}  // namespace lapis::mail
