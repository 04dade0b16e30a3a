#include "coop/package.h"

#include <gtest/gtest.h>

#include <archive.h>
#include <archive_entry.h>

#include <filesystem>

#include "common/sha256.h"

namespace lapis::coop {
namespace {

namespace fs = std::filesystem;

class Package : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("lapis-package-test-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto k = LoadOrCreateNodeKey(dir_.string());
    ASSERT_TRUE(k) << k.error().ToString();
    key_ = *k;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Build() {
    const std::string msg = "From: a@example.com\r\nSubject: win\r\n\r\nclick here\r\n";
    std::vector<PackageFile> files{
        {"evidence/" + Sha256Hex(msg) + ".eml", msg},
        {"analysis/" + Sha256Hex(msg) + ".json", "{\"category\":\"phishing\"}"},
        {"custody.json", "[]"}};
    auto zip = BuildPackage(files, R"({"case": {"id": 1}})", key_);
    EXPECT_TRUE(zip) << zip.error().ToString();
    return zip ? *zip : "";
  }

  fs::path dir_;
  NodeKey key_;
};

TEST_F(Package, NodeKeyIsKeptAcrossRestarts) {
  auto again = LoadOrCreateNodeKey(dir_.string());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->PublicHex(), key_.PublicHex());
  EXPECT_EQ(fs::status(dir_ / "node.key").permissions() & fs::perms::others_read, fs::perms::none);
}

TEST_F(Package, RoundTripVerifies) {
  auto c = VerifyPackage(Build(), key_.PublicHex());
  EXPECT_TRUE(c.ok) << (c.problems.empty() ? "" : c.problems[0]);
  EXPECT_EQ(c.files, 3);
  EXPECT_EQ(c.node_key, key_.PublicHex());
}

TEST_F(Package, ATamperedByteInAnyFileIsDetected) {
  const std::string zip = Build();
  // Files are stored as they are: change one byte of each in turn.
  for (const char* needle : {"click here", "phishing", "\"sha256\"", "[]"}) {
    size_t at = zip.find(needle);
    ASSERT_NE(at, std::string::npos) << needle;
    std::string bad = zip;
    bad[at] = static_cast<char>(bad[at] ^ 0x01);
    auto c = VerifyPackage(bad, key_.PublicHex());
    EXPECT_FALSE(c.ok) << "changing \"" << needle << "\" went unnoticed";
  }
}

TEST_F(Package, NoChangedByteAnywhereCrashesTheCheck) {
  const std::string zip = Build();
  for (size_t i = 0; i < zip.size(); i += 3) {
    std::string bad = zip;
    bad[i] = static_cast<char>(bad[i] ^ 0x20);
    VerifyPackage(bad, key_.PublicHex());
  }
}

// The entries of `zip` and then `extra`, in a new zip (what someone adding a file would make).
std::string Repack(const std::string& zip, const std::string& extra_path) {
  std::string out;
  archive* r = archive_read_new();
  archive_read_support_format_zip(r);
  archive_read_open_memory(r, zip.data(), zip.size());
  archive* w = archive_write_new();
  archive_write_set_format_zip(w);
  archive_write_open2(
      w, &out, nullptr,
      [](archive*, void* o, const void* b, size_t n) -> la_ssize_t {
        static_cast<std::string*>(o)->append(static_cast<const char*>(b), n);
        return static_cast<la_ssize_t>(n);
      },
      nullptr, nullptr);
  archive_entry* e;
  char buf[4096];
  while (archive_read_next_header(r, &e) == ARCHIVE_OK) {
    std::string data;
    for (la_ssize_t n; (n = archive_read_data(r, buf, sizeof buf)) > 0;)
      data.append(buf, static_cast<size_t>(n));
    archive_write_header(w, e);
    archive_write_data(w, data.data(), data.size());
  }
  archive_entry* x = archive_entry_new();
  archive_entry_set_pathname(x, extra_path.c_str());
  archive_entry_set_size(x, 1);
  archive_entry_set_filetype(x, AE_IFREG);
  archive_entry_set_perm(x, 0644);
  archive_write_header(w, x);
  archive_write_data(w, "x", 1);
  archive_entry_free(x);
  archive_write_close(w);
  archive_write_free(w);
  archive_read_free(r);
  return out;
}

TEST_F(Package, AnAddedFileIsDetected) {
  const std::string zip = Build();
  const std::string repacked = Repack(zip, "evidence/extra.eml");
  auto c = VerifyPackage(repacked, key_.PublicHex());
  EXPECT_FALSE(c.ok);
  ASSERT_FALSE(c.problems.empty());
  EXPECT_NE(c.problems[0].find("not in the manifest"), std::string::npos) << c.problems[0];
  // A second manifest is refused too.
  EXPECT_FALSE(VerifyPackage(Repack(zip, "manifest.json"), "").ok);
}

TEST_F(Package, ASignatureByAnotherKeyIsRefusedWhenAKeyIsPinned) {
  fs::path other = dir_ / "other";
  fs::create_directories(other);
  auto k2 = LoadOrCreateNodeKey(other.string());
  ASSERT_TRUE(k2);
  auto zip = BuildPackage({{"custody.json", "[]"}}, "{}", *k2);
  ASSERT_TRUE(zip);
  EXPECT_TRUE(VerifyPackage(*zip, "").ok);
  auto c = VerifyPackage(*zip, key_.PublicHex());
  EXPECT_FALSE(c.ok);
}

TEST_F(Package, GarbageIsAClearProblemNotACrash) {
  for (std::string junk :
       {std::string(), std::string("PK\x03\x04garbage"), std::string(10000, '\xff')}) {
    auto c = VerifyPackage(junk, "");
    EXPECT_FALSE(c.ok);
    EXPECT_FALSE(c.problems.empty());
  }
}

TEST_F(Package, EvidenceMustBeNamedByItsHash) {
  auto zip = BuildPackage({{"evidence/" + std::string(64, 'a') + ".eml", "not that"}}, "{}", key_);
  ASSERT_TRUE(zip);
  auto c = VerifyPackage(*zip, "");
  EXPECT_FALSE(c.ok);
}

}  // namespace
}  // namespace lapis::coop
