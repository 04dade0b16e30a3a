#include "analysis/auth.h"

#include <gtest/gtest.h>

namespace lapis::analysis {

TEST(Auth, ParsesAuthenticationResults) {
  auto r = ParseAuthenticationResults(
      "mx.google.com; dkim=pass header.i=@example.com header.s=s1 header.b=abc; "
      "spf=softfail (google.com: domain of transitioning x@y.example does not designate 1.2.3.4 "
      "as permitted sender) smtp.mailfrom=x@y.example; dmarc=fail (p=REJECT sp=REJECT dis=NONE) "
      "header.from=example.com");
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].authserv_id, "mx.google.com");
  EXPECT_EQ(r[0].method, "dkim");
  EXPECT_EQ(r[0].result, "pass");
  EXPECT_EQ(r[0].properties["header.s"], "s1");
  EXPECT_EQ(r[1].method, "spf");
  EXPECT_EQ(r[1].result, "softfail");
  EXPECT_EQ(r[1].properties["smtp.mailfrom"], "x@y.example");
  EXPECT_EQ(r[2].result, "fail");
}

TEST(Auth, NoneAndGarbage) {
  EXPECT_TRUE(ParseAuthenticationResults("example.org 1; none").empty());
  EXPECT_TRUE(ParseAuthenticationResults(";;;((((").empty());
  EXPECT_TRUE(ParseAuthenticationResults("").empty());
}

TEST(Auth, AlignmentUsesOrganisationalDomains) {
  mail::Message m = mail::ParseMessage(
      "DKIM-Signature: v=1; a=rsa-sha256; d=mail.example.com; s=sel;\r\n b=xyz\r\n"
      "From: a@news.example.com\r\nReturn-Path: <b@bounce.other.example>\r\n\r\nx\r\n");
  Headers h;
  h.from = Mailbox{"", "a@news.example.com"};
  h.return_path = "b@bounce.other.example";
  Authentication a;
  AnalyzeAuthentication(m, h, &a);
  ASSERT_EQ(a.dkim_signatures.size(), 1u);
  EXPECT_EQ(a.dkim_signatures[0].first, "mail.example.com");
  EXPECT_EQ(a.dkim_signatures[0].second, "sel");
  EXPECT_TRUE(a.dkim_aligned);
  EXPECT_FALSE(a.return_path_aligned);
  EXPECT_EQ(a.from_domain, "example.com");
}

}  // namespace lapis::analysis

namespace lapis::analysis {

TEST(Auth, ResultsWithoutAuthservIdAreKept) {
  // Exchange Online writes no authserv-id.
  auto r = ParseAuthenticationResults(
      "spf=none (sender IP is 203.0.113.9) smtp.mailfrom=bad.example; dkim=none (message not "
      "signed) header.d=none;dmarc=none action=none header.from=bad.example;");
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].authserv_id, "");
  EXPECT_EQ(r[0].method, "spf");
  EXPECT_EQ(r[0].properties["smtp.mailfrom"], "bad.example");
  EXPECT_EQ(r[2].method, "dmarc");
}

}  // namespace lapis::analysis
