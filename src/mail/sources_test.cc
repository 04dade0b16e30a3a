#include "mail/sources.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "common/sha256.h"
#include "common/test_dir.h"

namespace lapis::mail {
namespace {

namespace fs = std::filesystem;

fs::path TempDir(const char* name) { return FreshTestDir(std::string("lapis_sources_") + name); }

void Write(const fs::path& p, const std::string& s) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << s;
}

std::vector<RawMessage> ReadAll(const std::vector<std::string>& paths, size_t max = kDefaultMaxMessageSize,
                                size_t* errors = nullptr) {
  std::vector<RawMessage> out;
  SourceStats st;
  size_t e = ReadMessages(paths, max, [&](RawMessage&& m) { out.push_back(std::move(m)); },
                          [](const std::string&, const Status&) {}, &st);
  if (errors) *errors = e;
  return out;
}

}  // namespace

TEST(Sources, SplitsMboxAndDropsEnvelopeLine) {
  auto dir = TempDir("mbox");
  std::string m1 = "From: a@example.com\nSubject: one\n\nbody\nFrom here on, text\n";
  std::string m2 = "From: b@example.com\nSubject: two\n\nbody two\n";
  Write(dir / "box", "From a@example.com  Thu Aug 22 13:17:22 2002\n" + m1 + "\n" +
                         "From b@example.com  Thu Aug 22 14:17:22 2002\n" + m2);
  auto msgs = ReadAll({(dir / "box").string()});
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0].data, m1 + "\n");
  EXPECT_EQ(msgs[0].index, 0);
  EXPECT_EQ(msgs[1].data, m2);
  EXPECT_EQ(msgs[1].index, 1);
  EXPECT_EQ(msgs[1].sha256, Sha256Hex(m2));
}

TEST(Sources, WalksMaildirSkippingTmpAndNonMail) {
  auto dir = TempDir("maildir");
  Write(dir / "cur" / "1.eml", "Subject: a\n\nx\n");
  Write(dir / "new" / "2", "Subject: b\n\ny\n");
  Write(dir / "tmp" / "3", "Subject: c\n\nz\n");
  Write(dir / "README.md", "# not mail\n");
  auto msgs = ReadAll({dir.string()});
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0].index, -1);
}

TEST(Sources, CutsLargeMessagesButHashesEveryByte) {
  auto dir = TempDir("large");
  std::string big = "Subject: big\n\n" + std::string(10000, 'x');
  Write(dir / "big.eml", big);
  auto msgs = ReadAll({(dir / "big.eml").string()}, 1000);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].data.size(), 1000u);
  EXPECT_TRUE(msgs[0].truncated);
  EXPECT_EQ(msgs[0].size, big.size());
  EXPECT_EQ(msgs[0].sha256, Sha256Hex(big));
}

TEST(Sources, MissingPathIsAnErrorAndTheRestContinues) {
  auto dir = TempDir("missing");
  Write(dir / "a.eml", "Subject: a\n\nx\n");
  size_t errors = 0;
  auto msgs = ReadAll({(dir / "nope").string(), (dir / "a.eml").string()}, kDefaultMaxMessageSize, &errors);
  EXPECT_EQ(errors, 1u);
  EXPECT_EQ(msgs.size(), 1u);
}

}  // namespace lapis::mail
