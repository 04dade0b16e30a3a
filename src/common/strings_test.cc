#include "common/strings.h"

#include <gtest/gtest.h>

#include <cctype>

#include "common/sha256.h"

namespace lapis {

TEST(Strings, SanitizeUtf8ReplacesInvalidBytes) {
  EXPECT_EQ(SanitizeUtf8("ok\xff!"), "ok\xEF\xBF\xBD!");
  EXPECT_EQ(SanitizeUtf8("\xC3\xA9t\xC3\xA9"), "\xC3\xA9t\xC3\xA9");
  EXPECT_EQ(SanitizeUtf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_TRUE(IsValidUtf8(SanitizeUtf8("\xF0\x9F\x98")));
}

TEST(Strings, IsValidUtf8FindsABadByteWhereverItLiesInLongAsciiText) {
  const std::string ascii(40, 'a');
  EXPECT_TRUE(IsValidUtf8(ascii));
  EXPECT_TRUE(IsValidUtf8(""));
  for (size_t at = 0; at <= ascii.size(); ++at) {
    std::string bad = ascii, good = ascii, cut = ascii;
    bad.insert(at, "\xff");
    good.insert(at, "\xC3\xA9\xF0\x9F\x98\x80");
    cut.insert(at, "\xE2\x82");  // a sequence cut short by the ASCII after it, or by the end
    EXPECT_FALSE(IsValidUtf8(bad)) << at;
    EXPECT_TRUE(IsValidUtf8(good)) << at;
    EXPECT_FALSE(IsValidUtf8(cut)) << at;
  }
}

TEST(Strings, CollapseWhitespaceTrimsAndJoins) {
  EXPECT_EQ(CollapseWhitespace("  a\r\n\t b  "), "a b");
}

TEST(Strings, AsciiClassesAreThoseOfTheCLocale) {
  for (int c = 0; c < 256; ++c) {
    const auto u = static_cast<unsigned char>(c);
    EXPECT_EQ(IsAsciiDigit(u), isdigit(c) != 0) << c;
    EXPECT_EQ(IsAsciiUpper(u), isupper(c) != 0) << c;
    EXPECT_EQ(IsAsciiAlpha(u), isalpha(c) != 0) << c;
    EXPECT_EQ(IsAsciiAlnum(u), isalnum(c) != 0) << c;
    EXPECT_EQ(IsAsciiSpace(u), isspace(c) != 0) << c;
    EXPECT_EQ(IsAsciiXDigit(u), isxdigit(c) != 0) << c;
    EXPECT_EQ(AsciiLower(static_cast<char>(c)), static_cast<char>(tolower(c))) << c;
  }
}

TEST(Strings, FindIgnoreCase) {
  EXPECT_EQ(FindIgnoreCase("Hello World", "WORLD"), 6u);
  EXPECT_EQ(FindIgnoreCase("abc", "abcd"), std::string_view::npos);
}

TEST(Strings, Rfc3339IsUtc) { EXPECT_EQ(FormatRfc3339(1030000000), "2002-08-22T07:06:40Z"); }

TEST(Sha256, KnownVector) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Sha256 h;
  h.Update("a");
  h.Update("bc");
  EXPECT_EQ(h.HexDigest(), Sha256Hex("abc"));
}

}  // namespace lapis

namespace lapis {

TEST(Strings, Rfc3339RefusesYearsBeyondFourDigits) {
  EXPECT_EQ(FormatRfc3339(253402300800LL), "");  // 10000-01-01
  EXPECT_EQ(FormatRfc3339(253402300799LL), "9999-12-31T23:59:59Z");
}

}  // namespace lapis
