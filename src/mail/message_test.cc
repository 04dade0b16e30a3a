#include "mail/message.h"

#include <gtest/gtest.h>
#include <iconv.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace lapis::mail {

TEST(Message, DecodesRfc2047AndRfc2231) {
  std::string raw =
      "From: =?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>\r\n"
      "Subject: =?utf-8?B?w4lsw6h2ZQ==?= test\r\n"
      "Date: Thu, 22 Aug 2002 12:34:56 +0100\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
      "--b\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
      "caf=E9\r\n"
      "--b\r\nContent-Type: application/octet-stream\r\n"
      "Content-Disposition: attachment; filename*=UTF-8''%C3%A9t%C3%A9.pdf\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--b--\r\n";
  Message m = ParseMessage(raw);
  ASSERT_NE(m.Find("subject"), nullptr);
  EXPECT_EQ(DecodeHeaderText(m.Find("Subject")->value), "\xC3\x89l\xC3\xA8ve test");
  auto from = ParseAddressList(m.Find("From")->value);
  ASSERT_EQ(from.size(), 1u);
  EXPECT_EQ(from[0].name, "Andr\xC3\xA9 Pirard");
  EXPECT_EQ(from[0].address, "PIRARD@vm1.ulg.ac.be");
  ASSERT_EQ(m.parts.size(), 2u);
  EXPECT_EQ(m.parts[0].text, "caf\xC3\xA9");
  EXPECT_TRUE(m.parts[0].inline_text);
  EXPECT_EQ(m.parts[1].filename, "\xC3\xA9t\xC3\xA9.pdf");
  EXPECT_TRUE(m.parts[1].attachment);
  EXPECT_EQ(m.parts[1].data, "%PDF-");
}

// The message is read as one MIME entity; what a message has of its own stays as it was.
TEST(Message, TheMessageFieldsAreItsOwnAndTheContentFieldsDescribeTheBody) {
  Message m = ParseMessage(
      "Received: from a by b; Thu, 22 Aug 2002 12:00:00 +0000\r\n"
      "Received: from c by a; Thu, 22 Aug 2002 11:59:00 +0000\r\n"
      "From: x@example.org\r\nSubject: hi\r\nMIME-Version: 1.0\r\n"
      "Content-Type: text/html; charset=utf-8\r\n\r\n<p>hello</p>\r\n");
  std::vector<std::string> names;
  for (const auto& h : m.headers) names.push_back(h.name);
  EXPECT_EQ(names, (std::vector<std::string>{"Received", "Received", "From", "Subject", "MIME-Version"}));
  EXPECT_EQ(m.top_content_type, "text/html");
  ASSERT_EQ(m.parts.size(), 1u);
  EXPECT_EQ(m.parts[0].charset, "utf-8");
  EXPECT_TRUE(m.defects.empty()) << m.defects[0].code << ": " << m.defects[0].detail;  // two Received are normal
}

TEST(Message, RepeatedSingleFieldsAndBadAddressListsAreDefectsAtTheirOffsets) {
  const std::string raw =
      "Subject: one\r\n"         // offset 0
      "Subject: two\r\n"         // offset 14
      "From: bad@@\r\n"          // offset 28
      "X-Note: a\r\nX-Note: b\r\n"
      "Content-Type: text/plain\r\n\r\nbody\r\n";
  Message m = ParseMessage(raw);
  std::vector<std::string> got;
  for (const auto& d : m.defects) got.push_back(d.code + " " + d.detail);
  EXPECT_EQ(got, (std::vector<std::string>{"conflicting-header at byte 14: Subject",
                                           "invalid-address-list at byte 28: bad@@\r\n"}));
}

TEST(Message, AnMboxSeparatorLineBeforeTheHeadersIsSkipped) {
  for (const char* sep : {"From sender@example.org  Fri Aug  9 15:05:38 2002\n", ">From x\n"}) {
    Message m = ParseMessage(std::string(sep) + "Subject: hi\nFrom: a@example.org\n\nbody\n");
    ASSERT_NE(m.Find("Subject"), nullptr) << sep;
    EXPECT_EQ(m.Find("Subject")->value, "hi");
    ASSERT_EQ(m.parts.size(), 1u);
    EXPECT_EQ(m.parts[0].text, "body\n");
    EXPECT_TRUE(m.defects.empty()) << sep << m.defects[0].code;
  }
}

TEST(Message, RawEightBitHeaderUsesBodyCharset) {
  std::string raw =
      "Subject: \xB1\xA4\xB0\xED\r\nContent-Type: text/plain; charset=euc-kr\r\n\r\nbody\r\n";
  Message m = ParseMessage(raw);
  EXPECT_EQ(DecodeHeaderText(m.Find("Subject")->value, "euc-kr"), "\xEA\xB4\x91\xEA\xB3\xA0");
}

TEST(Message, ParsesDates) {
  EXPECT_EQ(ParseDate("Thu, 22 Aug 2002 12:34:56 +0100"), 1030016096);
  EXPECT_EQ(ParseDate("22 Aug 2002 11:34:56 GMT"), 1030016096);
  EXPECT_FALSE(ParseDate("not a date").has_value());
}

TEST(Message, DeepNestingIsCutAndRecorded) {
  std::string raw = "Subject: deep\r\nContent-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n";
  for (int i = 0; i < 200; ++i)
    raw += "--b" + std::to_string(i) + "\r\nContent-Type: multipart/mixed; boundary=\"b" +
           std::to_string(i + 1) + "\"\r\n\r\n";
  raw += "--b200\r\nContent-Type: text/plain\r\n\r\nhi\r\n";
  Message m = ParseMessage(raw);
  bool recorded = false;
  for (const auto& d : m.defects) recorded = recorded || d.code == "mime-nesting-too-deep";
  EXPECT_TRUE(recorded);
}

TEST(Message, GarbageNeverFails) {
  std::string garbage;
  for (int i = 0; i < 5000; ++i) garbage.push_back(static_cast<char>((i * 7919) % 256));
  Message m = ParseMessage(garbage);
  (void)m;
  Message empty = ParseMessage("");
  EXPECT_TRUE(empty.parts.empty() || empty.parts.size() == 1);
}

TEST(Message, KeepsEmbeddedMessageBytes) {
  std::string raw =
      "From: reporter@example.org\r\nSubject: Fwd: spam\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n"
      "--x\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
      "--x\r\nContent-Type: message/rfc822\r\n\r\nFrom: spammer@example.net\r\nSubject: buy\r\n\r\nbuy now\r\n"
      "--x--\r\n";
  Message m = ParseMessage(raw);
  ASSERT_EQ(m.embedded.size(), 1u);
  EXPECT_NE(m.embedded[0].find("spammer@example.net"), std::string::npos);
}

}  // namespace lapis::mail

namespace lapis::mail {

TEST(Message, AdjacentBase64WordsWithPaddingAreAllDecoded) {
  EXPECT_EQ(DecodeHeaderText("=?utf-8?b?YWI=?= =?utf-8?b?Y2Rl?="), "abcde");
  auto from = ParseAddressList("=?utf-8?b?YWI=?= =?utf-8?b?Y2Rl?= <x@example.com>");
  ASSERT_EQ(from.size(), 1u);
  EXPECT_EQ(from[0].name, "abcde");
  // Words in different charsets are decoded one by one.
  EXPECT_EQ(DecodeHeaderText("=?utf-8?b?YWI=?= =?iso-8859-1?q?=E9?="), "ab\xC3\xA9");
}

TEST(Message, RepairsMalformedDates) {
  std::string note;
  EXPECT_EQ(ParseDate("Thu, 22 Aug 0102 12:07:35 +0800", &note), ParseDate("Thu, 22 Aug 2002 12:07:35 +0800"));
  EXPECT_NE(note.find("obsolete year"), std::string::npos);
  EXPECT_EQ(ParseDate("Thu, 22 Aug 102 12:07:35 +0800"), ParseDate("Thu, 22 Aug 2002 12:07:35 +0800"));
  EXPECT_EQ(ParseDate("Sun, 01 Sep 2002 23:37:59 0530", &note), ParseDate("Sun, 01 Sep 2002 23:37:59 +0530"));
  EXPECT_NE(note.find("without sign"), std::string::npos);
  EXPECT_EQ(ParseDate("Mon, 9 Sep 2002 06:50:21 PM -0400"), ParseDate("Mon, 9 Sep 2002 18:50:21 -0400"));
  EXPECT_EQ(ParseDate("Mon, 9 Sep 2002 12:10:00 AM -0400"), ParseDate("Mon, 9 Sep 2002 00:10:00 -0400"));
  ParseDate("Thu, 22 Aug 2002 12:34:56 +0100", &note);
  EXPECT_EQ(note, "");
}

TEST(Message, SkipsByteOrderMarkAndReadsBareCrLines) {
  Message bom = ParseMessage("\xEF\xBB\xBF" "From: a@example.com\r\nSubject: x\r\n\r\nbody\r\n");
  ASSERT_NE(bom.Find("From"), nullptr);
  bool recorded = false;
  for (const auto& d : bom.defects) recorded = recorded || d.code == "byte-order-mark";
  EXPECT_TRUE(recorded);
  Message mac = ParseMessage("From: a@example.com\rSubject: old mac\r\rbody\r");
  ASSERT_NE(mac.Find("Subject"), nullptr);
  EXPECT_EQ(DecodeHeaderText(mac.Find("Subject")->value), "old mac");
}

TEST(Message, CharsetAliasesDecodeMislabelledText) {
  Message m = ParseMessage("Content-Type: text/plain; charset=chinesebig5\r\n\r\n\xA4\xA4\xA4\xE5\r\n");
  ASSERT_EQ(m.parts.size(), 1u);
  EXPECT_EQ(m.parts[0].text, "\xE4\xB8\xAD\xE6\x96\x87\r\n");
}

bool ModuleMapped(const std::string& file) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line))
    if (line.size() >= file.size() + 1 && line.compare(line.size() - file.size() - 1, std::string::npos, "/" + file) == 0)
      return true;
  return false;
}

TEST(Message, TheConverterOfACharsetStaysLoadedAfterItsTextIsDecoded) {
  // glibc unloads a converter module a few conversions after its last user closed it; the
  // parser keeps one open per charset it has met, so later texts do not map it again.
  if (!std::filesystem::exists("/usr/lib/x86_64-linux-gnu/gconv/KOI8-R.so"))
    GTEST_SKIP() << "glibc's gconv modules are not where this test looks";
  Message m = ParseMessage("Content-Type: text/plain; charset=koi8-r\r\n\r\n\xF0\xD2\xC9\xD7\xC5\xD4\r\n");
  ASSERT_EQ(m.parts.size(), 1u);
  EXPECT_EQ(m.parts[0].text, "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82\r\n");  // "Привет"
  for (int round = 0; round < 3; ++round)
    for (const char* other : {"ISO-8859-2", "ISO-8859-5", "ISO-8859-7", "CP1250", "CP1251", "CP1253"}) {
      iconv_t cd = iconv_open("UTF-8", other);
      if (cd != (iconv_t)-1) iconv_close(cd);
    }
  EXPECT_TRUE(ModuleMapped("KOI8-R.so"));
}

}  // namespace lapis::mail

namespace lapis::mail {

TEST(Message, AsctimeDatesKeepTheirYear) {
  std::string note;
  auto t = ParseDate("Sat Sep 21 08:18:08 2002", &note);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(*t, *ParseDate("Sat, 21 Sep 2002 08:18:08 +0000"));
  EXPECT_EQ(note.find("zone"), std::string::npos);
  // An impossible unsigned offset is left alone.
  ParseDate("Sun, 01 Sep 2002 23:37:59 9999", &note);
  EXPECT_EQ(note.find("+9999"), std::string::npos);
}

}  // namespace lapis::mail

namespace lapis::mail {

TEST(Message, UnknownNumericZoneIsReadAsUtcWithANote) {
  std::string note;
  auto t = ParseDate("Sun, 25 Aug 2002 19:21:44 01800", &note);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(*t, *ParseDate("Sun, 25 Aug 2002 19:21:44 +0000"));
  EXPECT_NE(note.find("not understood"), std::string::npos);
}

}  // namespace lapis::mail
