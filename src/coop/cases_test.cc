#include "coop/cases.h"

#include <gtest/gtest.h>

namespace lapis::coop {
namespace {

double Factor(const Harm& h, const std::string& name) {
  for (const auto& f : h.factors)
    if (f.name == name) return f.points;
  ADD_FAILURE() << "no factor " << name;
  return -1;
}

TEST(HarmScore, EmptyCaseScoresZeroWithEveryFactorShown) {
  Harm h = ScoreHarm({});
  EXPECT_EQ(h.score, 0);
  ASSERT_EQ(h.factors.size(), 5u);
  double max = 0;
  for (const auto& f : h.factors) max += f.max;
  EXPECT_EQ(max, 100);
}

TEST(HarmScore, FactorsAddUpAndAreCapped) {
  HarmInputs in;
  in.reports = 5000;
  in.complaints = 200000;
  in.money_lost = 5e9;
  in.categories = {{"phishing", 4000}, {"commercial-spam", 1000}};
  in.countries = {"FR", "DE", "US", "GB", "NL", "BE", "IT", "ES", "PL", "SE", "NO"};
  in.vulnerable = true;
  Harm h = ScoreHarm(in);
  EXPECT_DOUBLE_EQ(Factor(h, "complainants"), 25);
  EXPECT_DOUBLE_EQ(Factor(h, "money_lost"), 25);
  EXPECT_DOUBLE_EQ(Factor(h, "severity"), 18);  // phishing 0.9 x 20
  EXPECT_DOUBLE_EQ(Factor(h, "vulnerable_targets"), 15);
  EXPECT_DOUBLE_EQ(Factor(h, "countries"), 15);
  EXPECT_DOUBLE_EQ(h.score, 98);
}

TEST(HarmScore, MoreHarmScoresHigher) {
  HarmInputs small;
  small.reports = small.complaints = 3;
  small.categories = {{"commercial-spam", 3}};
  small.countries = {"FR"};
  HarmInputs big = small;
  big.complaints = 3000;
  big.categories["malware"] = 2;
  big.countries.insert("BR");
  big.money_lost = 12000;
  EXPECT_GT(ScoreHarm(big).score, ScoreHarm(small).score);
  EXPECT_EQ(Factor(ScoreHarm(small), "countries"), 0);  // one country is no cross-border reach
}

TEST(HarmScore, AStrayReportDoesNotSetTheSeverity) {
  HarmInputs in;
  in.reports = 1000;
  in.categories = {{"commercial-spam", 997}, {"malware", 3}};
  EXPECT_DOUBLE_EQ(Factor(ScoreHarm(in), "severity"), 6);  // commercial spam, not malware
  in.categories["malware"] = 60;
  EXPECT_DOUBLE_EQ(Factor(ScoreHarm(in), "severity"), 20);
}

TEST(CaseLinks, ReportTargetsRoundTrip) {
  std::string org, sha;
  const std::string s(64, 'b');
  ASSERT_TRUE(ParseReportTarget(ReportTarget("agency/x", s), &org, &sha));
  EXPECT_EQ(org, "agency/x");
  EXPECT_EQ(sha, s);
  EXPECT_FALSE(ParseReportTarget("nope", &org, &sha));
  EXPECT_FALSE(ParseReportTarget("/" + s, &org, &sha));
}

}  // namespace
}  // namespace lapis::coop
