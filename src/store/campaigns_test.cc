#include "store/campaigns.h"

#include <gtest/gtest.h>

#include <map>

namespace lapis::store {
namespace {

// In-memory CampaignOps.
class FakeOps : public CampaignOps {
 public:
  struct C {
    int64_t parent, reports = 0;
    std::vector<uint32_t> rep;
  };
  std::map<int64_t, C> c;
  std::multimap<std::string, int64_t> keys;
  int lookups = 0;
  Result<std::vector<int64_t>> CampaignsWithKey(const std::string& key) override {
    ++lookups;
    std::vector<int64_t> out;
    auto [b, e] = keys.equal_range(key);
    for (auto it = b; it != e; ++it) out.push_back(it->second);
    return out;
  }
  Result<int64_t> Parent(int64_t x) override { return c.at(x).parent; }
  int parent_writes = 0;
  Status SetParent(int64_t x, int64_t p) override {
    ++parent_writes;
    c.at(x).parent = p;
    return Status::Ok();
  }
  int representatives = 0;
  Result<std::vector<uint32_t>> Representative(int64_t x) override {
    ++representatives;
    return c.at(x).rep;
  }
  Result<int64_t> Create(const CampaignKeys& k) override {
    int64_t id = static_cast<int64_t>(c.size()) + 1;
    c[id] = {id, 0, k.minhash};
    return id;
  }
  Status AddMember(int64_t root, int64_t) override {
    ++c.at(root).reports;
    return Status::Ok();
  }
  Status Absorb(int64_t root, int64_t other) override {
    c.at(root).reports += c.at(other).reports;
    return Status::Ok();
  }
  int adds = 0;
  Status AddKey(const std::string& key, int64_t x) override {
    ++adds;
    auto [b, e] = keys.equal_range(key);
    for (auto it = b; it != e; ++it)
      if (it->second == x) return Status::Ok();
    keys.emplace(key, x);
    return Status::Ok();
  }
};

CampaignKeys Keys(std::vector<std::string> bands, std::vector<std::string> strong, uint32_t mh) {
  CampaignKeys k;
  k.bands = std::move(bands);
  k.strong = std::move(strong);
  k.minhash.assign(64, mh);
  return k;
}

}  // namespace

TEST(Campaigns, AddingACampaignToAKeysLookupKeepsTheSmallestIdsInOrder) {
  std::vector<int64_t> ids = {3, 9};
  EXPECT_TRUE(AddCampaignId(&ids, 5));
  EXPECT_FALSE(AddCampaignId(&ids, 9));
  EXPECT_EQ(ids, (std::vector<int64_t>{3, 5, 9}));
  std::vector<int64_t> full;
  for (int64_t i = 1; i <= kMaxCampaignsPerKey; ++i) full.push_back(10 * i);
  EXPECT_TRUE(AddCampaignId(&full, 15));  // among the smallest: the largest drops out
  ASSERT_EQ(full.size(), static_cast<size_t>(kMaxCampaignsPerKey));
  EXPECT_EQ(full[1], 15);
  EXPECT_EQ(full.back(), 10 * (kMaxCampaignsPerKey - 1));
  AddCampaignId(&full, 10 * kMaxCampaignsPerKey + 5);  // past the smallest: not returned by a lookup
  EXPECT_EQ(full.back(), 10 * (kMaxCampaignsPerKey - 1));
}

TEST(Campaigns, SharedStrongKeyJoinsAndBandNeedsSimilarity) {
  FakeOps ops;
  auto a = AssignCampaign(ops, Keys({"b0:1"}, {"d:pills.example"}, 7));
  auto b = AssignCampaign(ops, Keys({"b0:9"}, {"p:+15555550199"}, 8));
  auto b2 = AssignCampaign(ops, Keys({"b0:8"}, {"p:+15555550199"}, 9));  // same phone number
  ASSERT_TRUE(a && b && b2);
  EXPECT_EQ(*b, *b2);
  // A shared domain with an unrelated body does not join; with a similar body it does.
  auto unrelated = AssignCampaign(ops, Keys({"b0:5"}, {"d:pills.example"}, 55));
  EXPECT_NE(*unrelated, *a);
  // Same band key but a dissimilar body: not joined.
  auto c = AssignCampaign(ops, Keys({"b0:1"}, {}, 99));
  ASSERT_TRUE(c);
  EXPECT_NE(*c, *a);
  // Same band key and the same MinHash: joined.
  auto d = AssignCampaign(ops, Keys({"b0:1"}, {}, 7));
  EXPECT_EQ(*d, *a);
  EXPECT_EQ(ops.c.at(*a).reports, 2);
}

TEST(Campaigns, AReportLinkingTwoCampaignsMergesThem) {
  FakeOps ops;
  auto a = AssignCampaign(ops, Keys({}, {"$:1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"}, 1));
  auto b = AssignCampaign(ops, Keys({}, {"p:+15555550100"}, 2));
  ASSERT_NE(*a, *b);
  auto c = AssignCampaign(ops, Keys({}, {"$:1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "p:+15555550100"}, 3));
  auto ra = FindRoot(ops, *a), rb = FindRoot(ops, *b);
  EXPECT_EQ(*ra, *rb);
  EXPECT_EQ(*c, *ra);
  EXPECT_EQ(ops.c.at(*ra).reports, 3);
}

TEST(Campaigns, CostPerReportDoesNotGrowWithTheStore) {
  FakeOps ops;
  for (int i = 0; i < 2000; ++i)
    ASSERT_TRUE(AssignCampaign(ops, Keys({"b0:" + std::to_string(i)}, {"d:x" + std::to_string(i)}, i)));
  ops.lookups = 0;
  ASSERT_TRUE(AssignCampaign(ops, Keys({"b0:new", "b1:new"}, {"d:new.example"}, 5)));
  EXPECT_EQ(ops.lookups, 3);  // one lookup per key, whatever the number of campaigns
}

TEST(Campaigns, ACampaignReachedByManyKeysIsComparedOnce) {
  FakeOps ops;
  std::vector<std::string> bands;
  for (int b = 0; b < 16; ++b) bands.push_back("b" + std::to_string(b) + ":same");
  ASSERT_TRUE(AssignCampaign(ops, Keys(bands, {}, 1)));  // campaign 1, under 16 band keys
  ops.representatives = 0;
  auto far = AssignCampaign(ops, Keys(bands, {}, 2));  // every band matches, the MinHash does not
  ASSERT_TRUE(far);
  EXPECT_NE(*far, 1);
  EXPECT_EQ(ops.representatives, 1);
  ops.representatives = 0;
  auto near = AssignCampaign(ops, Keys(bands, {}, 1));
  ASSERT_TRUE(near);
  EXPECT_EQ(*near, 1);
  EXPECT_EQ(ops.representatives, 2);  // campaign 1 and the one made for the far report, once each
}

TEST(Campaigns, KeysThatAlreadyLeadToTheCampaignAreNotAddedAgain) {
  FakeOps ops;
  ASSERT_TRUE(AssignCampaign(ops, Keys({"b0:a", "b1:b"}, {"d:shop.example"}, 1)));
  EXPECT_EQ(ops.adds, 3);
  ops.adds = 0;
  auto same = AssignCampaign(ops, Keys({"b0:a", "b1:b"}, {"d:shop.example"}, 1));
  ASSERT_TRUE(same);
  EXPECT_EQ(ops.adds, 0);
  auto variant = AssignCampaign(ops, Keys({"b0:a", "b1:c"}, {"d:shop.example"}, 1));
  ASSERT_TRUE(variant);
  EXPECT_EQ(*variant, *same);
  EXPECT_EQ(ops.adds, 1);  // only the new band
  ops.adds = 0;
  ASSERT_TRUE(AssignCampaign(ops, Keys({"b0:a"}, {}, 9)));  // shares a band, not similar: a new campaign
  EXPECT_EQ(ops.adds, 1);
}

TEST(Campaigns, Similarity) {
  EXPECT_DOUBLE_EQ(EstimatedSimilarity({1, 2, 3, 4}, {1, 2, 0, 0}), 0.5);
  EXPECT_DOUBLE_EQ(EstimatedSimilarity({}, {}), 0.0);
}

}  // namespace lapis::store

namespace lapis::store {

TEST(Campaigns, ReadRootFindsTheRootWithoutShorteningThePathFindRootShortensIt) {
  FakeOps ops;
  ops.c[1] = {1};
  ops.c[2] = {1};
  ops.c[3] = {2};
  ops.c[4] = {3};
  EXPECT_EQ(*ReadRoot(ops, 4), 1);
  EXPECT_EQ(ops.c[4].parent, 3);
  EXPECT_EQ(ops.c[3].parent, 2);
  EXPECT_EQ(*FindRoot(ops, 4), 1);
  EXPECT_EQ(ops.c[4].parent, 1);
  EXPECT_EQ(ops.c[3].parent, 1);
}

TEST(Campaigns, FindRootWritesOnlyTheParentsThatChange) {
  FakeOps ops;
  ops.c[1] = {1};
  ops.c[2] = {1};
  ops.c[3] = {2};
  EXPECT_EQ(*FindRoot(ops, 1), 1);  // a root
  EXPECT_EQ(*FindRoot(ops, 2), 1);  // a child of the root
  EXPECT_EQ(ops.parent_writes, 0);
  EXPECT_EQ(*FindRoot(ops, 3), 1);  // a grandchild: moved under the root
  EXPECT_EQ(ops.parent_writes, 1);
  EXPECT_EQ(ops.c[3].parent, 1);
  EXPECT_EQ(*FindRoot(ops, 3), 1);
  EXPECT_EQ(ops.parent_writes, 1);
}

}  // namespace lapis::store
