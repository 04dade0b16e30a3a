#include "common/ip.h"

#include <gtest/gtest.h>

namespace lapis {

TEST(IpAddress, ParsesV4AndV6AndMapped) {
  EXPECT_EQ(IpAddress::Parse("192.0.2.1")->ToString(), "192.0.2.1");
  EXPECT_EQ(IpAddress::Parse("IPv6:2001:db8::1")->ToString(), "2001:db8::1");
  auto mapped = IpAddress::Parse("::ffff:1.2.3.4");
  ASSERT_TRUE(mapped);
  EXPECT_FALSE(mapped->v6);
  EXPECT_FALSE(IpAddress::Parse("1.2.3"));
  EXPECT_FALSE(IpAddress::Parse("mail.example.com"));
  EXPECT_FALSE(IpAddress::Parse("01.2.3.4"));
}

TEST(IpAddress, SpecialRangesAreNeverPublic) {
  struct Case {
    const char* ip;
    const char* range;
  } cases[] = {
      {"10.1.2.3", "private"},        {"172.16.0.1", "private"},   {"192.168.1.1", "private"},
      {"100.64.0.1", "cgnat"},        {"127.0.0.1", "loopback"},   {"169.254.1.1", "link-local"},
      {"192.0.2.5", "documentation"}, {"198.51.100.7", "documentation"},
      {"203.0.113.9", "documentation"}, {"224.0.0.1", "multicast"}, {"0.1.2.3", "this-network"},
      {"::1", "loopback"},            {"fe80::1", "link-local"},   {"fd00::1", "unique-local"},
      {"2001:db8::5", "documentation"}, {"8.8.8.8", ""},           {"2a00:1450::1", ""},
      {"172.32.0.1", ""},             {"100.128.0.1", ""},
  };
  for (const auto& c : cases) {
    auto ip = IpAddress::Parse(c.ip);
    ASSERT_TRUE(ip) << c.ip;
    EXPECT_EQ(SpecialRange(*ip), c.range) << c.ip;
  }
}

TEST(Cidr, ContainsRespectsPrefix) {
  auto c = Cidr::Parse("192.168.0.0/16");
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->Contains(*IpAddress::Parse("192.168.200.1")));
  EXPECT_FALSE(c->Contains(*IpAddress::Parse("192.169.0.1")));
  auto c6 = Cidr::Parse("2001:db8::/33");
  EXPECT_TRUE(c6->Contains(*IpAddress::Parse("2001:db8:7fff::1")));
  EXPECT_FALSE(c6->Contains(*IpAddress::Parse("2001:db8:8000::1")));
  EXPECT_FALSE(Cidr::Parse("10.0.0.0/33"));
}

}  // namespace lapis
