#include "store/evidence.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/sha256.h"
#include "common/test_dir.h"

namespace lapis::store {
namespace {

namespace fs = std::filesystem;

std::string TempDir(const char* name) {
  // The store makes the directory itself: hand it a path that does not exist yet.
  fs::path p = FreshTestDir(std::string("lapis_evidence_") + name) / "evidence";
  return p.string();
}

void Overwrite(const std::string& file, uint64_t offset, const std::string& bytes) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::vector<std::string> Corrupt(const EvidenceStore& ev, VerifyStats* st = nullptr) {
  std::vector<std::string> bad;
  auto s = ev.Verify([&](const std::string& id, const std::string&) { bad.push_back(id); });
  if (st) *st = s;
  return bad;
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
  EXPECT_TRUE(ev->Contains(a->sha256));
  EXPECT_FALSE(ev->Contains(Sha256Hex("other")));
  EXPECT_EQ(ev->Get(Sha256Hex("other")).error().code(), Status::Code::kNotFound);
}

TEST(Evidence, GetRejectsBadIds) {
  auto ev = EvidenceStore::Open(TempDir("bad"));
  ASSERT_TRUE(ev);
  EXPECT_FALSE(ev->Get("../../etc/passwd"));
  EXPECT_FALSE(ev->Get(std::string(64, 'a')));
  EXPECT_FALSE(ev->Get(std::string(64, 'G')));
}

TEST(Evidence, VerifyAndGetFindCorruption) {
  auto ev = EvidenceStore::Open(TempDir("verify"));
  ASSERT_TRUE(ev);
  auto a = ev->Put("one");
  auto b = ev->Put("two");
  ASSERT_TRUE(a && b);
  VerifyStats st;
  EXPECT_TRUE(Corrupt(*ev, &st).empty());
  EXPECT_EQ(st.blobs, 2u);
  EXPECT_EQ(st.bytes, 6u);
  auto loc = ev->Locate(b->sha256);
  ASSERT_TRUE(loc);
  Overwrite(loc->file, loc->offset, "X");
  auto bad = Corrupt(*ev, &st);
  EXPECT_EQ(st.corrupt, 1u);
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_EQ(bad[0], b->sha256);
  auto g = ev->Get(b->sha256);
  ASSERT_FALSE(g);
  EXPECT_EQ(g.error().code(), Status::Code::kCorruption);
  EXPECT_EQ(*ev->Get(a->sha256), "one");
}

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

TEST(Evidence, FullPacksAreSealedWithAnIndexAndFoundAfterReopening) {
  std::string dir = TempDir("seal");
  std::vector<std::string> ids;
  {
    auto ev = EvidenceStore::Open(dir, {.pack_limit = 1000});
    ASSERT_TRUE(ev);
    for (int i = 0; i < 200; ++i) ids.push_back(ev->Put(std::string(100, 'a' + i % 26) + std::to_string(i), false)->sha256);
    ASSERT_TRUE(ev->Sync().ok());
    for (int i = 0; i < 200; i += 7) EXPECT_TRUE(ev->Get(ids[i])) << i;
  }
  size_t idx = 0, packs = 0;
  for (const auto& e : fs::directory_iterator(dir + "/packs")) {
    idx += e.path().extension() == ".idx";
    packs += e.path().extension() == ".pack";
  }
  EXPECT_GT(packs, 10u);
  EXPECT_EQ(idx, packs);  // the last pack is sealed when the store closes
  auto ev = EvidenceStore::Open(dir);
  ASSERT_TRUE(ev);
  for (int i = 0; i < 200; ++i) ASSERT_EQ(*ev->Get(ids[i]), std::string(100, 'a' + i % 26) + std::to_string(i));
  VerifyStats st;
  EXPECT_TRUE(Corrupt(*ev, &st).empty());
  EXPECT_EQ(st.blobs, 200u);
  EXPECT_FALSE(ev->Put(std::string(100, 'a') + "0")->created);
}

TEST(Evidence, ALookupSearchesTheIndexesOfFewPacksBesideTheOneHoldingTheBlob) {
  std::string dir = TempDir("filter");
  std::vector<std::string> ids;
  {
    auto ev = EvidenceStore::Open(dir, {.pack_limit = 2000});
    ASSERT_TRUE(ev);
    for (int i = 0; i < 600; ++i) ids.push_back(ev->Put("blob " + std::to_string(i) + std::string(100, 'x'), false)->sha256);
    ASSERT_TRUE(ev->Sync().ok());
  }
  auto ev = EvidenceStore::Open(dir);  // every pack sealed, their filters built from their indexes
  ASSERT_TRUE(ev);
  size_t packs = 0;
  for (const auto& e : fs::directory_iterator(dir + "/packs")) packs += e.path().extension() == ".idx";
  ASSERT_GT(packs, 30u);
  const uint64_t before = ev->IndexSearches();
  for (int i = 0; i < 500; ++i)  // new blobs: no pack holds them
    EXPECT_FALSE(ev->Contains(Sha256Hex("absent " + std::to_string(i))));
  EXPECT_LT(ev->IndexSearches() - before, 500 * packs / 20);  // without the filters: 500 * packs
  const uint64_t mid = ev->IndexSearches();
  for (const auto& id : ids) ASSERT_TRUE(ev->Contains(id)) << id;  // nothing held is ruled out
  EXPECT_LT(ev->IndexSearches() - mid, ids.size() * 2);
}

TEST(Evidence, ATornTailIsQuarantinedAndCutOffWhenRecovered) {
  std::string dir = TempDir("torn");
  std::string pack;
  std::string a, b;
  {
    auto ev = EvidenceStore::Open(dir);
    ASSERT_TRUE(ev);
    a = ev->Put("acknowledged one")->sha256;
    b = ev->Put("acknowledged two")->sha256;
    pack = ev->Locate(b)->file;
    // Simulate a crash: copy the unsealed pack aside before the store seals it on close, then
    // put the copy back with half a record appended.
    fs::copy_file(pack, pack + ".copy");
  }
  fs::remove(fs::path(pack).replace_extension(".idx"));
  fs::rename(pack + ".copy", pack);
  {
    std::string torn = std::string("LPR1", 4) + std::string(4, '\0') + std::string("\x40", 1) +
                       std::string(7, '\0') + std::string(32, 'x') + "half a record";
    std::ofstream f(pack, std::ios::binary | std::ios::app);
    f.write(torn.data(), static_cast<std::streamsize>(torn.size()));
  }
  auto size_before = fs::file_size(pack);
  auto ev = EvidenceStore::Open(dir);
  ASSERT_TRUE(ev);
  EXPECT_EQ(*ev->Get(a), "acknowledged one");
  EXPECT_EQ(*ev->Get(b), "acknowledged two");
  EXPECT_LT(fs::file_size(pack), size_before);
  ASSERT_TRUE(fs::exists(dir + "/quarantine"));
  size_t quarantined = 0;
  for (const auto& e : fs::directory_iterator(dir + "/quarantine")) quarantined += fs::file_size(e.path());
  EXPECT_EQ(quarantined, size_before - fs::file_size(pack));
  EXPECT_TRUE(Corrupt(*ev).empty());
  EXPECT_TRUE(ev->Put("after recovery")->created);
  EXPECT_EQ(*ev->Get(Sha256Hex("after recovery")), "after recovery");
}

TEST(Evidence, TwoWritersOnOneStoreEachAppendToTheirOwnPackAndSeeEachOther) {
  std::string dir = TempDir("writers");
  auto one = EvidenceStore::Open(dir);
  auto two = EvidenceStore::Open(dir);  // a second process, as far as the packs' locks go
  ASSERT_TRUE(one && two);
  auto a = one->Put("from one");
  auto b = two->Put("from two");
  ASSERT_TRUE(a && b);
  EXPECT_NE(one->Locate(a->sha256)->file, two->Locate(b->sha256)->file);
  EXPECT_EQ(*one->Get(b->sha256), "from two");
  EXPECT_EQ(*two->Get(a->sha256), "from one");
  // Opening a third time must not disturb the packs the live writers hold.
  auto three = EvidenceStore::Open(dir);
  ASSERT_TRUE(three);
  EXPECT_TRUE(one->Put("more from one")->created);
  EXPECT_EQ(*three->Get(Sha256Hex("more from one")), "more from one");
  EXPECT_TRUE(Corrupt(*three).empty());
}

TEST(Evidence, BlobsOfTheOneFilePerBlobLayoutAreStillReadAndVerified) {
  std::string dir = TempDir("loose");
  std::string sha = Sha256Hex("old blob");
  fs::create_directories(dir + "/" + sha.substr(0, 2) + "/" + sha.substr(2, 2));
  std::ofstream(dir + "/" + sha.substr(0, 2) + "/" + sha.substr(2, 2) + "/" + sha, std::ios::binary) << "old blob";
  auto ev = EvidenceStore::Open(dir);
  ASSERT_TRUE(ev);
  EXPECT_TRUE(ev->Contains(sha));
  EXPECT_EQ(*ev->Get(sha), "old blob");
  EXPECT_FALSE(ev->Put("old blob")->created);
  ASSERT_TRUE(ev->Put("new blob"));
  VerifyStats st;
  EXPECT_TRUE(Corrupt(*ev, &st).empty());
  EXPECT_EQ(st.blobs, 2u);
}

}  // namespace lapis::store
