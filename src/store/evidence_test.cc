#include "store/evidence.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "common/sha256.h"

namespace lapis::store {
namespace {

namespace fs = std::filesystem;

std::string TempDir(const char* name) {
  fs::path p = fs::temp_directory_path() / (std::string("lapis_evidence_") + name + "_" + std::to_string(::getpid()));
  fs::remove_all(p);
  return p.string();
}

}  // namespace

TEST(Evidence, PutIsContentAddressedAndIdempotent) {
  auto ev = EvidenceStore::Open(TempDir("put"));
  ASSERT_TRUE(ev);
  auto a = ev->Put("Subject: x\r\n\r\nbody\r\n");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->created);
  EXPECT_EQ(a->sha256, Sha256Hex("Subject: x\r\n\r\nbody\r\n"));
  auto b = ev->Put("Subject: x\r\n\r\nbody\r\n");
  ASSERT_TRUE(b);
  EXPECT_FALSE(b->created);
  EXPECT_EQ(*ev->Get(a->sha256), "Subject: x\r\n\r\nbody\r\n");
  EXPECT_NE(ev->PathOf(a->sha256).find("/" + a->sha256.substr(0, 2) + "/" + a->sha256.substr(2, 2) + "/"),
            std::string::npos);
  struct stat st;
  ASSERT_EQ(::stat(ev->PathOf(a->sha256).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0222, 0u);  // written read-only
}

TEST(Evidence, GetRejectsBadIds) {
  auto ev = EvidenceStore::Open(TempDir("bad"));
  ASSERT_TRUE(ev);
  EXPECT_FALSE(ev->Get("../../etc/passwd"));
  EXPECT_FALSE(ev->Get(std::string(64, 'a')));
}

TEST(Evidence, VerifyFindsCorruption) {
  auto ev = EvidenceStore::Open(TempDir("verify"));
  ASSERT_TRUE(ev);
  auto a = ev->Put("one");
  auto b = ev->Put("two");
  ASSERT_TRUE(a && b);
  std::vector<std::string> bad;
  auto st = ev->Verify([&](const std::string& id, const std::string&) { bad.push_back(id); });
  EXPECT_EQ(st.blobs, 2u);
  EXPECT_TRUE(bad.empty());
  fs::permissions(ev->PathOf(b->sha256), fs::perms::owner_write, fs::perm_options::add);
  std::ofstream(ev->PathOf(b->sha256), std::ios::binary) << "tampered";
  st = ev->Verify([&](const std::string& id, const std::string&) { bad.push_back(id); });
  EXPECT_EQ(st.corrupt, 1u);
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_EQ(bad[0], b->sha256);
}

}  // namespace lapis::store

namespace lapis::store {

TEST(Evidence, UnsyncedPutsAreReadableAndSyncSucceeds) {
  auto ev = EvidenceStore::Open(TempDir("batch"));
  ASSERT_TRUE(ev);
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i) {
    auto r = ev->Put("message " + std::to_string(i), /*sync=*/false);
    ASSERT_TRUE(r);
    ids.push_back(r->sha256);
  }
  EXPECT_TRUE(ev->Sync().ok());
  for (int i = 0; i < 20; ++i) EXPECT_EQ(*ev->Get(ids[i]), "message " + std::to_string(i));
}

}  // namespace lapis::store
