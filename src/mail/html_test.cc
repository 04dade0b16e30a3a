#include "mail/html.h"

#include <gtest/gtest.h>

namespace lapis::mail {

TEST(Html, ExtractsTextAndLinksWithoutScripts) {
  auto r = ParseHtml(
      "<html><head><title>Your  account</title><style>p{}</style></head><body>"
      "<p>Hello&nbsp;<b>there</b></p><script>alert(1)</script>"
      "<a href=\"http://evil.example/login\">https://www.paypal.com</a>"
      "<form action=\"http://evil.example/post\"><input type=password name=p></form>"
      "<img src=\"http://img.example/x.gif\"></body></html>");
  EXPECT_EQ(r.title, "Your account");
  EXPECT_NE(r.text.find("Hello"), std::string::npos);
  EXPECT_EQ(r.text.find("alert"), std::string::npos);
  ASSERT_GE(r.links.size(), 3u);
  EXPECT_EQ(r.links[0].tag, "a");
  EXPECT_EQ(r.links[0].href, "http://evil.example/login");
  EXPECT_EQ(r.links[0].text, "https://www.paypal.com");
  EXPECT_TRUE(r.has_form);
  EXPECT_TRUE(r.has_password_input);
  EXPECT_TRUE(r.has_script);
}

TEST(Html, StopsAtTagLimit) {
  std::string html;
  for (size_t i = 0; i < kMaxHtmlTags + 10; ++i) html += "<b>";
  auto r = ParseHtml(html);
  EXPECT_TRUE(r.hit_tag_limit);
}

TEST(Html, DeepNestingDoesNotCrash) {
  std::string html;
  for (int i = 0; i < 15000; ++i) html += "<div>";
  html += "text";
  auto r = ParseHtml(html);
  EXPECT_NE(r.text.find("text"), std::string::npos);
}

TEST(Html, DecodesEntitiesInAttributes) {
  auto r = ParseHtml("<a href=\"http://a.example/?x=1&amp;y=2\">go</a>");
  ASSERT_EQ(r.links.size(), 1u);
  EXPECT_EQ(r.links[0].href, "http://a.example/?x=1&y=2");
}

}  // namespace lapis::mail

namespace lapis::mail {

TEST(Html, FragmentsWithoutHtmlOrBodyKeepTheirText) {
  auto r = ParseHtml("<tr><td>Verify your account <a href=\"http://x.example/\">here</a></td></tr>");
  EXPECT_NE(r.text.find("Verify your account"), std::string::npos);
  ASSERT_EQ(r.links.size(), 1u);
  auto r2 = ParseHtml("</style><p>Dear customer, your parcel is waiting</p>");
  EXPECT_NE(r2.text.find("parcel is waiting"), std::string::npos);
}

}  // namespace lapis::mail
