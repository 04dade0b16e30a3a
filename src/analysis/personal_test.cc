#include "analysis/personal.h"

#include <gtest/gtest.h>

#include "analysis/analyzer.h"
#include "analysis/report_json.h"

namespace lapis::analysis {

TEST(Personal, RecipientsAndReporterAreTakenOut) {
  Analyzer a({});
  Report r = a.AnalyzeEmail(
      "Received: from bot ([81.2.69.160]) by mx.example.org with SMTP id A1 for <anna@example.org>; "
      "Thu, 22 Aug 2002 11:59:00 +0000\r\nFrom: spammer@shop.example\r\nTo: Anna <anna@example.org>\r\n"
      "Cc: bob@example.org\r\nSubject: buy\r\n\r\nwrite to sales@shop-deals.com\r\n");
  std::string personal = TakePersonalData(&r);
  EXPECT_NE(personal.find("anna@example.org"), std::string::npos);
  EXPECT_NE(personal.find("bob@example.org"), std::string::npos);
  std::string json = ReportToJson(r);
  EXPECT_EQ(json.find("anna@example.org"), std::string::npos);
  EXPECT_EQ(json.find("bob@example.org"), std::string::npos);
  EXPECT_NE(json.find("for <(recipient)>"), std::string::npos);
  EXPECT_NE(json.find("sales@shop-deals.com"), std::string::npos);  // the spammer's addresses stay
  EXPECT_NE(json.find("spammer@shop.example"), std::string::npos);
}

TEST(Personal, SmsReporterNumber) {
  Analyzer a({});
  SmsReport s;
  s.sender = "BANK";
  s.text = "Your card is blocked";
  s.reporter_number = "+447700900123";
  Report r = a.AnalyzeSms(s);
  std::string personal = TakePersonalData(&r);
  EXPECT_NE(personal.find("+447700900123"), std::string::npos);
  EXPECT_EQ(ReportToJson(r).find("+447700900123"), std::string::npos);
}

}  // namespace lapis::analysis
