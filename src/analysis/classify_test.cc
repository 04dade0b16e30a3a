#include "analysis/classify.h"

#include <gtest/gtest.h>

#include "analysis/analyzer.h"

namespace lapis::analysis {
namespace {

Report AnalyzeText(const std::string& raw) {
  Analyzer a({});
  return a.AnalyzeEmail(raw);
}

bool HasReason(const Report& r, const std::string& needle) {
  for (const auto& x : r.classification.reasons)
    if (x.find(needle) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST(Classify, PhishingLureWithMismatchedLink) {
  Report r = AnalyzeText(
      "From: \"PayPal Service\" <service@secure-mail.example>\r\nSubject: Your account has been "
      "limited\r\nContent-Type: text/html\r\n\r\n<p>We noticed unusual activity. Your account has "
      "been suspended. Please <a href=\"http://198.51.7.4/login\">https://www.paypal.com/verify</a> "
      "to verify your account within 24 hours.</p>");
  EXPECT_EQ(r.classification.category, "phishing");
  EXPECT_TRUE(HasReason(r, "link text shows another domain"));
  EXPECT_TRUE(HasReason(r, "display name"));
}

TEST(Classify, ExecutableAttachmentIsMalware) {
  Report r = AnalyzeText(
      "From: a@example.com\r\nSubject: Invoice\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
      "--b\r\nContent-Type: text/plain\r\n\r\nPlease see the invoice attached.\r\n"
      "--b\r\nContent-Type: application/pdf; name=\"invoice.pdf.exe\"\r\n"
      "Content-Disposition: attachment; filename=\"invoice.pdf.exe\"\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\nTVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAA\r\n--b--\r\n");
  EXPECT_EQ(r.classification.category, "malware");
  EXPECT_TRUE(HasReason(r, "double-extension"));
}

TEST(Classify, AdvanceFeeFraud) {
  Report r = AnalyzeText(
      "From: Barrister James <james@example.net>\r\nSubject: URGENT BUSINESS PROPOSAL\r\n\r\n"
      "Dear friend, I am Barrister James, attorney to the late client who died with his family. "
      "He left the sum of US$12,500,000 (twelve million five hundred thousand dollars) in our "
      "bank with no next of kin. I seek your consent to present you as the beneficiary so that "
      "the funds can be transferred to your account. Kindly reply urgently in strictest confidence.");
  EXPECT_EQ(r.classification.category, "advance-fee-fraud");
}

TEST(Classify, Sextortion) {
  Report r = AnalyzeText(
      "From: x@example.net\r\nSubject: Security notice\r\n\r\n"
      "I hacked your device months ago and installed malware. I recorded a video of you through "
      "your webcam while you were watching adult websites. Send $1500 in bitcoin to my wallet "
      "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2. You have 48 hours to pay or I will send the video to "
      "all your contacts.");
  EXPECT_EQ(r.classification.category, "extortion");
}

TEST(Classify, CommercialSpam) {
  Report r = AnalyzeText(
      "From: deals@shop.example\r\nSubject: 70% OFF replica watches\r\n\r\n"
      "Best prices on replica watches! Order now and save up to $500. Free shipping. "
      "Click here: http://shop.example/\r\nTo unsubscribe from this mailing list reply REMOVE.");
  EXPECT_EQ(r.classification.category, "commercial-spam");
}

TEST(Classify, ListReplyIsNotSpam) {
  Report r = AnalyzeText(
      "From: dev@example.org\r\nSubject: Re: build failure on arm\r\nIn-Reply-To: <a@b>\r\n"
      "List-Id: <devel.lists.example.org>\r\nList-Post: <mailto:devel@lists.example.org>\r\n\r\n"
      "> the build fails on arm\r\n> with gcc 3.2\r\n> any idea?\r\n\r\nI think the patch from "
      "yesterday fixes it, try again with the latest tree.\r\n");
  EXPECT_EQ(r.classification.category, "not-spam");
}

}  // namespace lapis::analysis

namespace lapis::analysis {

TEST(Classify, PhraseRulesCompile) { EXPECT_EQ(ClassifierRulesError(), ""); }

}  // namespace lapis::analysis
