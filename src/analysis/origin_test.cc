#include "analysis/origin.h"

#include <gtest/gtest.h>

namespace lapis::analysis {
namespace {

Hop MakeHop(std::string helo, std::string rdns, std::string ip, std::string by) {
  Hop h;
  h.helo = std::move(helo);
  h.rdns = std::move(rdns);
  h.ip = std::move(ip);
  h.by = std::move(by);
  return h;
}

}  // namespace

TEST(Origin, FirstExternalClientOfTopRelay) {
  std::vector<Hop> hops = {MakeHop("bot", "", "203.0.114.7", "mx.recipient.example"),
                           MakeHop("forged", "", "8.8.8.8", "mail.forged.example")};
  std::string why;
  auto o = FindOrigin(hops, {}, {}, &why);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->ip, "203.0.114.7");
  EXPECT_EQ(o->hop, 0);
  EXPECT_EQ(o->kind, "relay-client");
  EXPECT_FALSE(hops[1].trusted);
}

TEST(Origin, SkipsPrivateAndLocalHops) {
  std::vector<Hop> hops = {MakeHop("int", "", "10.0.0.5", "mx2.recipient.example"),
                           MakeHop("spam", "dsl.isp.example", "198.18.0.1", "mx1.recipient.example"),
                           MakeHop("x", "", "84.1.2.3", "mail.isp.example")};
  hops.push_back(MakeHop("", "", "", "local"));
  hops[3].local = true;
  std::string why;
  auto o = FindOrigin(hops, {}, {}, &why);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->ip, "84.1.2.3");  // 198.18/15 (benchmarking) is never an origin
}

TEST(Origin, FollowsChainWhenNextStampIsByTheClientsReverseName) {
  std::vector<Hop> hops = {
      MakeHop("out.isp.example", "out.isp.example", "192.0.3.10", "mx.recipient.example"),
      MakeHop("home-pc", "", "81.2.69.160", "out.isp.example")};
  std::string why;
  auto o = FindOrigin(hops, {}, {}, &why);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->ip, "81.2.69.160");
  EXPECT_EQ(o->hop, 1);
}

TEST(Origin, HeloMatchExtendsTrustWithMediumConfidence) {
  // The client called itself relay.other.example and the next stamp is by relay.other.example: the
  // chain continues, but the link rests on the client's own claim.
  std::vector<Hop> hops = {MakeHop("relay.other.example", "", "192.0.3.10", "mx.recipient.example"),
                           MakeHop("victim", "", "81.2.69.160", "relay.other.example")};
  std::string why;
  auto o = FindOrigin(hops, {}, {}, &why);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->ip, "81.2.69.160");
  EXPECT_EQ(o->confidence, "medium");
}

TEST(Origin, UnrelatedNextStampIsNotTrusted) {
  std::vector<Hop> hops = {MakeHop("bot-pc", "", "192.0.3.10", "mx.recipient.example"),
                           MakeHop("innocent", "", "81.2.69.160", "relay.other.example")};
  std::string why;
  auto o = FindOrigin(hops, {}, {}, &why);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->ip, "192.0.3.10");
  EXPECT_EQ(o->confidence, "high");
}

TEST(Origin, ReverseNameInTheNextStampsOrganisationExtendsTrust) {
  std::vector<Hop> hops = {MakeHop("webnote.net", "mail.webnote.net", "193.120.211.219", "dogma.slashnull.example"),
                           MakeHop("x", "", "81.2.69.160", "webnote.net")};
  std::string why;
  auto o = FindOrigin(hops, {}, {}, &why);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->ip, "81.2.69.160");
}

TEST(Origin, MailboxRetrievalHopIsPassed) {
  std::vector<Hop> hops = {MakeHop("mail.isp.example", "", "193.120.211.219", "localhost"),
                           MakeHop("bot", "", "218.14.180.52", "mail.isp.example")};
  hops[0].protocol = "POP3";
  std::string why;
  auto o = FindOrigin(hops, {}, {}, &why);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->ip, "218.14.180.52");
}

TEST(Origin, SameNetworkAsTheReceiversOwnAddress) {
  std::vector<Hop> hops = {MakeHop("A.prod.mail.example", "", "2a01:111:1::5", "B.prod.mail.example"),
                           MakeHop("bot", "", "81.2.69.160", "A.other.example")};
  hops[0].by_ip = "2a01:111:2::7";
  std::string why;
  auto o = FindOrigin(hops, {}, {}, &why);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->ip, "81.2.69.160");
}

TEST(Origin, ConfiguredTrustedNetworkIsWalkedPast) {
  std::vector<Hop> hops = {MakeHop("gw", "", "192.0.3.10", "mx.recipient.example"),
                           MakeHop("bot", "", "81.2.69.160", "gw.recipient.example")};
  TrustConfig t;
  t.networks.push_back(*Cidr::Parse("192.0.3.0/24"));
  std::string why;
  auto o = FindOrigin(hops, {}, t, &why);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->ip, "81.2.69.160");
}

TEST(Origin, AuthenticatedSubmissionIsNamedAsSuch) {
  std::vector<Hop> hops = {MakeHop("smtp.provider.example", "smtp.provider.example", "192.0.3.10", "mx.recipient.example"),
                           MakeHop("laptop", "", "81.2.69.160", "smtp.provider.example")};
  hops[1].authenticated = true;
  std::string why;
  auto o = FindOrigin(hops, {}, {}, &why);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->ip, "81.2.69.160");
  EXPECT_EQ(o->kind, "authenticated-submission");
  EXPECT_NE(o->reason.find("account"), std::string::npos);
}

TEST(Origin, WebmailHeaderNamesTheClient) {
  std::vector<Hop> hops = {MakeHop("web.provider.example", "web.provider.example", "192.0.3.10", "mx.recipient.example")};
  std::string why;
  auto o = FindOrigin(hops, {{"X-Originating-IP", "81.2.69.160"}}, {}, &why);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->ip, "192.0.3.10");
  EXPECT_EQ(o->kind, "webmail-client");
  EXPECT_EQ(o->client_ip, "81.2.69.160");
}

TEST(Origin, OnlyPrivateHopsGiveNoOrigin) {
  std::vector<Hop> hops = {MakeHop("a", "", "192.168.1.2", "mx.example"),
                           MakeHop("b", "", "127.0.0.1", "a.example")};
  std::string why;
  EXPECT_FALSE(FindOrigin(hops, {}, {}, &why));
  EXPECT_FALSE(why.empty());
}

}  // namespace lapis::analysis

namespace lapis::analysis {

TEST(Origin, AuthenticatedSubmissionBehindAHeloLinkIsMediumConfidence) {
  std::vector<Hop> hops = {MakeHop("host4.webhost.example", "", "192.0.3.10", "mx.recipient.example"),
                           MakeHop("laptop", "", "81.2.69.160", "host4.webhost.example")};
  hops[1].authenticated = true;
  std::string why;
  auto o = FindOrigin(hops, {}, {}, &why);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->kind, "authenticated-submission");
  EXPECT_EQ(o->confidence, "medium");
}

TEST(Origin, WithoutInferenceAPrivateFirstUntrustedClientGivesNoOrigin) {
  std::vector<Hop> hops = {MakeHop("int", "", "10.0.0.5", "mx2.recipient.example"),
                           MakeHop("spam", "", "81.2.69.160", "mx1.recipient.example")};
  TrustConfig t;
  t.infer = false;
  std::string why;
  EXPECT_FALSE(FindOrigin(hops, {}, t, &why));
  EXPECT_NE(why.find("private"), std::string::npos);
  t.networks.push_back(*Cidr::Parse("10.0.0.0/8"));
  auto o = FindOrigin(hops, {}, t, &why);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->ip, "81.2.69.160");
}

}  // namespace lapis::analysis
