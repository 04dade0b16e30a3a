#include "coop/sharing.h"

#include <gtest/gtest.h>

namespace lapis::coop {
namespace {

Audience Named(std::vector<std::string> orgs) {
  Audience a;
  a.kind = "organisations";
  a.orgs = std::move(orgs);
  return a;
}

TEST(Sharing, ParsesTlpWithAndWithoutPrefix) {
  EXPECT_EQ(ParseTlp("RED"), Tlp::kRed);
  EXPECT_EQ(ParseTlp("TLP:AMBER+STRICT"), Tlp::kAmberStrict);
  EXPECT_EQ(ParseTlp("CLEAR"), Tlp::kClear);
  EXPECT_FALSE(ParseTlp("WHITE"));  // TLP 1.0's name is not accepted
  EXPECT_FALSE(ParseTlp("red"));
  EXPECT_STREQ(TlpName(Tlp::kAmberStrict), "AMBER+STRICT");
}

TEST(Sharing, RedAndAmberStrictGoToNamedOrganisationsOnly) {
  Audience net;
  net.kind = "network";
  Audience groups;
  groups.kind = "groups";
  groups.groups = {7};
  EXPECT_TRUE(CheckMarking(Tlp::kRed, Named({"b"})).ok());
  EXPECT_FALSE(CheckMarking(Tlp::kRed, net).ok());
  EXPECT_FALSE(CheckMarking(Tlp::kRed, groups).ok());
  EXPECT_FALSE(CheckMarking(Tlp::kAmberStrict, groups).ok());
  EXPECT_TRUE(CheckMarking(Tlp::kAmber, groups).ok());
  EXPECT_FALSE(CheckMarking(Tlp::kAmber, net).ok());
  EXPECT_TRUE(CheckMarking(Tlp::kGreen, net).ok());
  EXPECT_TRUE(CheckMarking(Tlp::kRed, Audience{}).ok());  // the organisation alone
}

TEST(Sharing, RejectsMalformedAudiences) {
  EXPECT_FALSE(CheckMarking(Tlp::kGreen, Named({})).ok());
  Audience g;
  g.kind = "groups";
  EXPECT_FALSE(CheckMarking(Tlp::kGreen, g).ok());
  Audience x;
  x.kind = "everyone";
  EXPECT_FALSE(CheckMarking(Tlp::kClear, x).ok());
  Audience own;
  own.orgs = {"b"};
  EXPECT_FALSE(CheckMarking(Tlp::kClear, own).ok());
}

TEST(Sharing, NonMembersHoldOnlyTheirOwnObjects) {
  Viewer v;
  v.org = "a";
  v.member = false;
  v.agency = true;
  v.groups = {3};
  EXPECT_EQ(ViewerPrincipals(v), std::vector<std::string>{"owner:a"});
  v.member = true;
  auto p = ViewerPrincipals(v);
  EXPECT_NE(std::find(p.begin(), p.end(), "agencies"), p.end());
  EXPECT_NE(std::find(p.begin(), p.end(), "group:3"), p.end());
  v.agency = false;
  p = ViewerPrincipals(v);
  EXPECT_EQ(std::find(p.begin(), p.end(), "agencies"), p.end());
}

TEST(Sharing, ExclusionNeverLeavesOutTheOwner) {
  Audience a;
  a.kind = "network";
  a.exclude = {"a", "p"};
  auto p = AccessPrincipals("a", a);
  EXPECT_EQ(p, (std::vector<std::string>{"!org:p", "network", "owner:a"}));
}

TEST(Sharing, AudienceJsonRoundTrips) {
  Audience a = Named({"b", "c"});
  a.groups = {4};
  a.exclude = {"d"};
  auto back = ParseAudienceJson(AudienceJson(a));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->kind, "organisations");
  EXPECT_EQ(back->orgs, a.orgs);
  EXPECT_EQ(back->groups, a.groups);
  EXPECT_EQ(back->exclude, a.exclude);
  EXPECT_FALSE(ParseAudienceJson("{\"kind\": 3}"));
  EXPECT_FALSE(ParseAudienceJson("[]"));
  EXPECT_FALSE(ParseAudienceJson("{\"groups\": [\"x\"]}"));
}

}  // namespace
}  // namespace lapis::coop
