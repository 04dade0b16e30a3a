#include "mail/urls.h"

#include <gtest/gtest.h>
#include <locale.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

namespace lapis::mail {
namespace {

using std::string_literals::operator""s;

struct NormalizeCase {
  const char* in;
  bool ok;
  const char* url;
  const char* host;
};

TEST(NormalizeUrl, Table) {
  const NormalizeCase cases[] = {
      {"HTTP://Example.COM:80/a/../b?q=1#frag", true, "http://example.com/b?q=1#frag",
       "example.com"},
      {"https://Example.com:443", true, "https://example.com/", "example.com"},
      {"https://example.com:8443/x", true, "https://example.com:8443/x", "example.com"},
      {"ftp://FTP.example.org:21/pub/", true, "ftp://ftp.example.org/pub/", "ftp.example.org"},
      {"www.example.com/x", true, "http://www.example.com/x", "www.example.com"},
      {"http://x.com/a).", true, "http://x.com/a", "x.com"},
      {"http://en.wikipedia.org/wiki/Foo_(bar)", true, "http://en.wikipedia.org/wiki/Foo_(bar)",
       "en.wikipedia.org"},
      // userinfo stays in the URL; the host is where the browser really goes
      {"http://paypal.com@evil.example/", true, "http://paypal.com@evil.example/", "evil.example"},
      // rspamd url_suspect_multiple_at.eml: the last '@' ends userinfo, as in browsers
      {"http://user@@@phishing.com/page", true, "http://user%40%40@phishing.com/page",
       "phishing.com"},
      {"http://admin@203.0.113.42/phishing", true, "http://admin@203.0.113.42/phishing",
       "203.0.113.42"},
      {"http://bücher.example/", true, "http://xn--bcher-kva.example/", "xn--bcher-kva.example"},
      {"http://BÜCHER.Example/", true, "http://xn--bcher-kva.example/", "xn--bcher-kva.example"},
      {"http://faß.de/", true, "http://xn--fa-hia.de/", "xn--fa-hia.de"},
      // rspamd url8.eml
      {"http://мойсайт.рф", true, "http://xn--80arbjktj.xn--p1ai/", "xn--80arbjktj.xn--p1ai"},
      {"http://[2001:DB8:0:0::1]:8080/x", true, "http://[2001:db8::1]:8080/x", "2001:db8::1"},
      {"http://[::ffff:192.0.2.1]/", true, "http://[::ffff:192.0.2.1]/", "192.0.2.1"},
      {"http://3232235777/", true, "http://192.168.1.1/", "192.168.1.1"},
      {"http://0xC0A80001/", true, "http://192.168.0.1/", "192.168.0.1"},
      {"http://0300.0250.0.01/", true, "http://192.168.0.1/", "192.168.0.1"},
      {"http://1.2.3.999/", false, "", ""},
      {"http://a.b.c.d.e.1/", false, "", ""},
      // nazario phishing0.mbox: host and port written entirely as escapes
      {"http://%31%39%35%2E%31%34%36%2E%39%39%2E%31%38%30:%38%37/%73%74/"
       "%69%6E%64%65%78%2E%68%74%6D",
       true, "http://195.146.99.180:87/st/index.htm", "195.146.99.180"},
      {"https://x.com/%zz%4a%2f ü", true, "https://x.com/%25zzJ%2F%20%C3%BC", "x.com"},
      {"http://images.paypal.com/en_US/i/logo\\pixel", true,
       "http://images.paypal.com/en_US/i/logo/pixel", "images.paypal.com"},
      {"http://example.com./", true, "http://example.com/", "example.com"},
      {"http://localhost/", false, "", ""},
      {"http://ex!ample.com/", false, "", ""},
      {"http://exa mple.com/", false, "", ""},
      {"mailto:user@example.com", false, "", ""},
      {"javascript:alert(1)", false, "", ""},
      {"gopher://example.com/", false, "", ""},
      // rspamd url_suspect_schemeless_email_href.eml: an address, not a URL
      {"user.name@example.com", false, "", ""},
      {"http://", false, "", ""},
      {"", false, "", ""},
      {"http://[fe80::1%25eth0]/", false, "", ""},
      {"http://example.com:99999/", false, "", ""},
  };
  for (const auto& c : cases) {
    FoundUrl u;
    const bool ok = NormalizeUrl(c.in, &u);
    EXPECT_EQ(ok, c.ok) << c.in << " -> " << u.url;
    if (!ok || !c.ok) continue;
    EXPECT_EQ(u.url, c.url) << c.in;
    EXPECT_EQ(u.host, c.host) << c.in;
  }
}

// libcurl converts IDN hosts only under a UTF-8 locale; the result must not depend on it.
TEST(NormalizeUrl, IdnSameUnderUtf8Locale) {
  locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(0));
  if (utf8 == static_cast<locale_t>(0)) GTEST_SKIP() << "no C.UTF-8 locale";
  const locale_t old = uselocale(utf8);
  const char* cases[][2] = {
      {"http://BÜCHER.example/", "xn--bcher-kva.example"},
      {"http://мойсайт.рф/", "xn--80arbjktj.xn--p1ai"},
      {"http://faß.de/", "xn--fa-hia.de"},
  };
  for (const auto& c : cases) {
    FoundUrl u;
    EXPECT_TRUE(NormalizeUrl(c[0], &u)) << c[0];
    EXPECT_EQ(u.host, c[1]) << c[0];
  }
  uselocale(old);
  freelocale(utf8);
}

struct Want {
  const char* url;
  const char* host;
  bool deobfuscated;
};

struct ExtractCase {
  const char* name;
  std::string text;
  std::vector<Want> want;
};

TEST(ExtractUrls, Table) {
  const ExtractCase cases[] = {
      {"plain",
       "hello https://www.rspamd.com/doc/modules/multimap.html hello",
       {{"https://www.rspamd.com/doc/modules/multimap.html", "www.rspamd.com", false}}},
      {"trailing punctuation",
       "See http://x.com/a). And http://y.com/b, or http://z.com/?!",
       {{"http://x.com/a", "x.com", false},
        {"http://y.com/b", "y.com", false},
        {"http://z.com/", "z.com", false}}},
      {"wikipedia parens kept",
       "(see http://en.wikipedia.org/wiki/Foo_(bar))",
       {{"http://en.wikipedia.org/wiki/Foo_(bar)", "en.wikipedia.org", false}}},
      {"css url() from phishing-pot",
       "src: url(https://s.yimg.com/os/fontserver/YahooSans/Medium.woff) format('woff2')",
       {{"https://s.yimg.com/os/fontserver/YahooSans/Medium.woff", "s.yimg.com", false}}},
      {"css import from phishing-pot",
       "@import url(https://fonts.googleapis.com/css?family=Ubuntu:300,400,500,700);",
       {{"https://fonts.googleapis.com/css?family=Ubuntu:300,400,500,700", "fonts.googleapis.com",
         false}}},
      {"angle brackets and quotes",
       "<http://a.example.com/x> \"http://b.example.com/y\" 'http://c.example.com/it's'",
       {{"http://a.example.com/x", "a.example.com", false},
        {"http://b.example.com/y", "b.example.com", false},
        {"http://c.example.com/it", "c.example.com", false}}},
      {"apostrophe inside unquoted url",
       "go to http://d.example.com/it's now",
       {{"http://d.example.com/it's", "d.example.com", false}}},
      {"uppercase scheme",
       "HTTPS://WWW.EXAMPLE.COM/Path",
       {{"https://www.example.com/Path", "www.example.com", false}}},
      {"www form",
       "Visit www.example.com/offer, today.",
       {{"http://www.example.com/offer", "www.example.com", false}}},
      {"www in parens",
       "(www.example.org)",
       {{"http://www.example.org/", "www.example.org", false}}},
      {"www needs a domain after it", "the www. is big, www.example is not a host", {}},
      {"mail address is not www", "write to www.admin@example.com or foo@www.example.com", {}},
      {"bare domain is not a url", "example.com and secure-login dot net for support", {}},
      // rspamd url_obfuscated_bracket_dots.eml and phishing-pot "NOBUX(.)SK": no scheme, no www
      {"bare obfuscated domain is not a url",
       "Visit our site at example[.]com/login, NOBUX(.)SK",
       {}},
      {"hxxp from rspamd",
       "Check this link: hxxp://malicious-site.com/phish",
       {{"http://malicious-site.com/phish", "malicious-site.com", true}}},
      {"hxxps and h**p",
       "hXXps://evil.example/a h**p://evil2.example/b",
       {{"https://evil.example/a", "evil.example", true},
        {"http://evil2.example/b", "evil2.example", true}}},
      {"bracketed colon and dots",
       "http[:]//evil[.]example(.)com{.}ru/x and hxxp[://]bad[dot]com",
       {{"http://evil.example.com.ru/x", "evil.example.com.ru", true},
        {"http://bad.com/", "bad.com", true}}},
      {"spaced scheme from rspamd",
       "Visit h t t p s : / / evil-site.com/page for details",
       {{"https://evil-site.com/page", "evil-site.com", true}}},
      {"word dot after scheme",
       "go to http://secure-login dot net for support",
       {{"http://secure-login.net/", "secure-login.net", true}}},
      {"www with dot words",
       "www dot pills dot example dot com now",
       {{"http://www.pills.example.com/", "www.pills.example.com", true}}},
      {"word dot after a plain dot",
       "see http://www.evil dot com/x or www.spam dot example dot net",
       {{"http://www.evil.com/x", "www.evil.com", true},
        {"http://www.spam.example.net/", "www.spam.example.net", true}}},
      {"spaced dots",
       "open http://evil . example . com /x",
       {{"http://evil.example.com/", "evil.example.com", true}}},
      {"sentence after url is not joined",
       "It is at http://x.example.com . Please come.",
       {{"http://x.example.com/", "x.example.com", false}}},
      {"zero width space removed",
       "http://pay\xE2\x80\x8Bpal.example.com/login",
       {{"http://paypal.example.com/login", "paypal.example.com", true}}},
      {"userinfo trick",
       "click http://paypal.com@evil.example/login",
       {{"http://paypal.com@evil.example/login", "evil.example", false}}},
      // phishing-pot sample-2559.eml
      {"bracketed userinfo",
       "https://[an_15]@bit.ly/41Z5sbd#cl/2652_md/1/1253/756/143/138728",
       {{"https://%5Ban_15%5D@bit.ly/41Z5sbd#cl/2652_md/1/1253/756/143/138728", "bit.ly", false}}},
      {"idn",
       "Bestellen: http://bücher.example/kasse.",
       {{"http://xn--bcher-kva.example/kasse", "xn--bcher-kva.example", false}}},
      {"idn rf from rspamd",
       "http://мойсайт.рф",
       {{"http://xn--80arbjktj.xn--p1ai/", "xn--80arbjktj.xn--p1ai", false}}},
      {"ipv6 literal",
       "at http://[2001:db8::5]:8080/a]",
       {{"http://[2001:db8::5]:8080/a", "2001:db8::5", false}}},
      {"ipv6 literal after userinfo",
       "http://user@[2001:db8::7]/",
       {{"http://user@[2001:db8::7]/", "2001:db8::7", false}}},
      {"decimal and hex ip",
       "http://3232235777/x http://0xC0A80001/y",
       {{"http://192.168.1.1/x", "192.168.1.1", false},
        {"http://192.168.0.1/y", "192.168.0.1", false}}},
      // nazario phishing corpus deception
      {"brand in path",
       "http://086-105.onebb.com/catalog/download/%20/signin.ebay.com/saw",
       {{"http://086-105.onebb.com/catalog/download/%20/signin.ebay.com/saw", "086-105.onebb.com",
         false}}},
      {"space after slashes is not joined", "http:// pages.ebay.ca/securitycentre/buying_safe", {}},
      {"ftp and glued words",
       "ftp://files.example.org/a sftp://nope.example.org Clickhttp://glued.example.net",
       {{"ftp://files.example.org/a", "files.example.org", false},
        {"http://glued.example.net/", "glued.example.net", false}}},
      {"unsupported schemes", "mailto:a@b.example gopher://x.example.com file:///etc/passwd", {}},
      {"duplicates kept out",
       "http://a.example.com/ and HTTP://A.example.com:80/ again",
       {{"http://a.example.com/", "a.example.com", false}}},
      {"nested query urls stay in the outer url",
       "Please click http://h0.example.org/?u=http://h1.example.org/?u=http://h2.example.org/ now.",
       {{"http://h0.example.org/?u=http://h1.example.org/?u=http://h2.example.org/",
         "h0.example.org", false}}},
      {"unicode quotes end the url",
       "\xE2\x80\x9Chttp://q.example.com/a\xE2\x80\x9D",
       {{"http://q.example.com/a", "q.example.com", false}}},
      {"invalid host dropped",
       "http://bad_host!x/ then http://good.example.com",
       {{"http://good.example.com/", "good.example.com", false}}},
      {"empty", "", {}},
      {"nul bytes",
       "http://nul.example.com/a\0b http://\0x.com"s,
       {{"http://nul.example.com/a", "nul.example.com", false}}},
  };
  for (const auto& c : cases) {
    const auto got = ExtractUrls(c.text);
    std::string listed;
    for (const auto& u : got) listed += " " + u.url;
    EXPECT_EQ(got.size(), c.want.size()) << c.name << ":" << listed;
    for (size_t i = 0; i < std::min(got.size(), c.want.size()); ++i) {
      EXPECT_EQ(got[i].url, c.want[i].url) << c.name;
      EXPECT_EQ(got[i].host, c.want[i].host) << c.name;
      EXPECT_EQ(got[i].deobfuscated, c.want[i].deobfuscated) << c.name;
      EXPECT_FALSE(got[i].truncated) << c.name;
    }
  }
}

TEST(ExtractUrls, KeepsOriginalText) {
  const auto got = ExtractUrls("x hxxp://evil[.]example/a). y");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].original, "hxxp://evil[.]example/a");
  EXPECT_EQ(got[0].url, "http://evil.example/a");
}

TEST(ExtractUrls, StopsAtLimit) {
  std::string text;
  for (int i = 0; i < 5; ++i) text += "http://h" + std::to_string(i) + ".example.com/ ";
  bool hit = true;
  auto got = ExtractUrls(text, 5, &hit);
  EXPECT_EQ(got.size(), 5u);
  EXPECT_FALSE(hit);
  got = ExtractUrls(text, 3, &hit);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_TRUE(hit);
  EXPECT_EQ(got[2].host, "h2.example.com");
  got = ExtractUrls(text + text, 5, &hit);  // duplicates do not count
  EXPECT_EQ(got.size(), 5u);
  EXPECT_FALSE(hit);
}

TEST(ExtractUrls, TruncatesLongUrls) {
  const std::string text = "see http://long.example.com/" + std::string(5000, 'a') + " end";
  const auto got = ExtractUrls(text);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].truncated);
  EXPECT_EQ(got[0].host, "long.example.com");
  EXPECT_LE(got[0].url.size(), kMaxUrlLength);
  EXPECT_EQ(got[0].original.size(), kMaxUrlLength);

  FoundUrl one;
  ASSERT_TRUE(NormalizeUrl(text.substr(4), &one));
  EXPECT_TRUE(one.truncated);
  EXPECT_EQ(one.host, "long.example.com");
}

TEST(ExtractUrls, SurvivesGarbage) {
  std::mt19937 rng(42);
  std::string junk(1 << 20, '\0');
  for (char& c : junk) c = static_cast<char>(rng());
  ExtractUrls(junk);

  // Random text over the characters URLs are made of, so the scanner's slow paths run.
  static const char kAlphabet[] =
      "htpswx*:/.[](){}@ dot%0123456789abc\\-_?#'\"<>\xC3\xBC\xE2\x80\x8B";
  std::string dense(1 << 20, ' ');
  for (char& c : dense) c = kAlphabet[rng() % (sizeof kAlphabet - 1)];
  for (const auto& u : ExtractUrls(dense)) EXPECT_LE(u.original.size(), kMaxUrlLength);

  // 1 MB without spaces, starting like a URL, and a repeated URL.
  EXPECT_EQ(ExtractUrls("http://a.example.com/" + std::string(1 << 20, 'x')).size(), 1u);
  std::string repeated;
  while (repeated.size() < (1 << 20)) repeated += "http://www.example.com/http://";
  EXPECT_EQ(ExtractUrls(repeated).size(), 1u);
  std::string opens(1 << 20, '(');
  EXPECT_TRUE(ExtractUrls("http://x.example.com/" + opens).size() == 1u);

  bool hit = true;
  EXPECT_TRUE(ExtractUrls(std::string(1 << 20, 'w'), kMaxUrlsPerText, &hit).empty());
  EXPECT_FALSE(hit);
  EXPECT_TRUE(ExtractUrls(std::string(1 << 20, ':')).empty());
  EXPECT_TRUE(ExtractUrls(std::string(1 << 20, '\0')).empty());
}

}  // namespace
}  // namespace lapis::mail
