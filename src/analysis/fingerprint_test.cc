#include "analysis/fingerprint.h"

#include <gtest/gtest.h>

namespace lapis::analysis {

TEST(Fingerprint, NormalisationDropsNumbersAndUrlPaths) {
  EXPECT_EQ(NormalizeForFingerprint("Order #12345 NOW at http://shop.example/track?id=99!"),
            "order 0 now at shop.example");
}

TEST(Fingerprint, NearDuplicatesShareBandsAndDifferentTextsDoNot) {
  std::string base =
      "Dear friend, we offer the best prices on replica watches and handbags. Visit our store "
      "today and save up to seventy percent on every order. Shipping is free worldwide and "
      "every item comes with a guarantee. Do not miss this chance to own a luxury watch.";
  auto a = ComputeFingerprint(base + " Customer 1234 http://a.example/x1", "Watches");
  auto b = ComputeFingerprint(base + " Customer 9876 http://a.example/y2", "Watches");
  auto c = ComputeFingerprint(
      "The meeting about the quarterly budget moved to Thursday afternoon; please bring the "
      "draft figures for the infrastructure project and the hiring plan.",
      "Meeting");
  EXPECT_EQ(a.minhash.size(), static_cast<size_t>(kMinHashSize));
  EXPECT_EQ(a.bands.size(), static_cast<size_t>(kBands));
  EXPECT_EQ(a.body_hash, b.body_hash);  // differences only in numbers and URL paths
  EXPECT_GT(Similarity(a, b), 0.9);
  EXPECT_LT(Similarity(a, c), 0.1);
  int shared = 0;
  for (int i = 0; i < kBands; ++i) shared += a.bands[i] == c.bands[i];
  EXPECT_EQ(shared, 0);
}

TEST(Fingerprint, TheValuesOfAGivenTextNeverChange) {
  // Stores keep the fingerprints of analysed reports and compare new reports with them: a change
  // in how they are computed would split every campaign in two.
  auto f = ComputeFingerprint(
      "Dear friend, we offer the best prices on replica watches and handbags. Visit "
      "http://shop.example/x today and save 70% on every order.",
      "Watches");
  ASSERT_EQ(f.minhash.size(), static_cast<size_t>(kMinHashSize));
  EXPECT_EQ(f.shingles, 18u);
  EXPECT_EQ(f.minhash[0], 326541463u);
  EXPECT_EQ(f.minhash[1], 82186364u);
  EXPECT_EQ(f.minhash[62], 235492585u);
  EXPECT_EQ(f.minhash[63], 564112217u);
  EXPECT_EQ(f.bands.front(), "cb90d747ebbcee3d");
  EXPECT_EQ(f.bands.back(), "a27435af34a35493");
}

TEST(Fingerprint, EmptyBodyIsStable) {
  auto a = ComputeFingerprint("", "");
  auto b = ComputeFingerprint("", "");
  EXPECT_EQ(a.body_hash, b.body_hash);
  EXPECT_TRUE(a.minhash.empty());
}

}  // namespace lapis::analysis
