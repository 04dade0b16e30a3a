#include "analysis/classify.h"

#include <gtest/gtest.h>

#include "analysis/analyzer.h"

namespace lapis::analysis {
namespace {

Report AnalyzeText(const std::string& raw) {
  Analyzer a({});
  return a.AnalyzeEmail(raw);
}

Report AnalyzeSmsText(const std::string& text) {
  Analyzer a({});
  SmsReport s;
  s.text = text;
  return a.AnalyzeSms(s);
}

bool Detected(const Report& r) {
  return r.classification.category != "not-spam" && r.classification.category != "unknown";
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

TEST(Classify, PhraseRulesCompile) { EXPECT_EQ(ClassifierRulesError(), ""); }

// Each test below names the rule it exercises through the reason it expects, so it fails when the
// rule is removed or stops matching.

TEST(Classify, PortugueseAccountBlockedIsPhishing) {
  Report r = AnalyzeText(
      "From: Atendimento <aviso@servicos-clientes.example>\r\nSubject: Aviso importante\r\n\r\n"
      "Prezado cliente, sua conta foi temporariamente bloqueada. Para desbloquear o acesso, "
      "atualize seus dados hoje.\r\n");
  EXPECT_EQ(r.classification.category, "phishing");
  EXPECT_TRUE(HasReason(r, "says the account is blocked (pt/es/fr/de/nl)"));
  EXPECT_TRUE(HasReason(r, "asks to verify or confirm an account (pt/es)"));
}

TEST(Classify, GermanVerificationWithAccentsIsPhishing) {
  Report r = AnalyzeText(
      "From: Kundenservice <info@kunden-portal.example>\r\nSubject: =?utf-8?q?Best=C3=A4tigung?=\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n\r\n"
      "Sehr geehrter Kunde, bitte best\xc3\xa4tigen Sie Ihre Kontodaten. Ihr Konto wurde "
      "vor\xc3\xbc" "bergehend gesperrt.\r\n");
  EXPECT_EQ(r.classification.category, "phishing");
  EXPECT_TRUE(HasReason(r, "asks to verify or confirm an account (de)"));
  EXPECT_TRUE(HasReason(r, "dear-customer greeting"));
}

TEST(Classify, FrenchParcelFeeIsPhishing) {
  Report r = AnalyzeText(
      "From: Livraison <noreply@suivi-colis.example>\r\nSubject: Votre colis\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n\r\n"
      "Votre colis est en attente. Des frais de livraison de 1,99 EUR sont dus. "
      "Cliquez ici pour payer.\r\n");
  EXPECT_EQ(r.classification.category, "phishing");
  EXPECT_TRUE(HasReason(r, "parcel or delivery lure"));
}

TEST(Classify, DutchGiftCardPrizeIsScam) {
  Report r = AnalyzeText(
      "From: Winactie <info@winactie.example>\r\nSubject: Gefeliciteerd!\r\n\r\n"
      "Gefeliciteerd! Je hebt gewonnen: een cadeaukaart van 500 euro. Vul de enquete in.\r\n");
  EXPECT_EQ(r.classification.category, "other-scam");
  EXPECT_TRUE(HasReason(r, "prize, gift-card or reward bait"));
}

TEST(Classify, SpanishLoanOfferIsAdvanceFee) {
  Report r = AnalyzeText(
      "From: Prestamos <info@prestamos.example>\r\nSubject: Oferta\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n\r\n"
      "Ofrecemos pr\xc3\xa9stamos con una tasa de inter\xc3\xa9s del 3% a particulares. "
      "Cont\xc3\xa1" "ctenos hoy.\r\n");
  EXPECT_EQ(r.classification.category, "advance-fee-fraud");
  EXPECT_TRUE(HasReason(r, "private loan offer"));
}

TEST(Classify, CryptoWalletLureIsPhishing) {
  Report r = AnalyzeText(
      "From: Wallet Support <support@wallet-help.example>\r\nSubject: Action required\r\n\r\n"
      "To keep your funds, connect your wallet and enter your recovery phrase on our portal.\r\n");
  EXPECT_EQ(r.classification.category, "phishing");
  EXPECT_TRUE(HasReason(r, "crypto-wallet lure"));
  EXPECT_TRUE(HasReason(r, "asks for a wallet recovery phrase"));
}

TEST(Classify, CyrillicLookalikeLettersAreSuspicious) {
  // "Bin\u0430n\u0441e" mixes Cyrillic a and c into a Latin word.
  Report r = AnalyzeText(
      "From: Security <no-reply@notify.example>\r\nSubject: =?utf-8?b?" +
      std::string("W0JpbtCwbtGBZV0gVmVyaWZ5IHlvdXIgYWNjb3VudA==") +
      "?=\r\n\r\nYour account has been limited until you confirm it.\r\n");
  EXPECT_EQ(r.classification.category, "phishing");
  EXPECT_TRUE(HasReason(r, "words mix Latin and Cyrillic look-alike letters"));
}

TEST(Classify, LookalikeDomainAndFreeHostingLinks) {
  Report r = AnalyzeText(
      "From: Service <service@mailer.example>\r\nSubject: Notice\r\nContent-Type: text/html\r\n\r\n"
      "<p>Please review: <a href=\"https://paypal-account-review.com/x\">review</a> and "
      "<a href=\"https://login-check.web.app/\">sign in</a></p>");
  EXPECT_TRUE(HasReason(r, "look-alike domain paypal-account-review.com (imitates paypal)"));
  EXPECT_TRUE(HasReason(r, "free hosting or form service (login-check.web.app)"));
  EXPECT_EQ(r.classification.category, "phishing");
}

TEST(Classify, DisplayNameBrandOfRegionalBank) {
  Report r = AnalyzeText(
      "From: Bradesco Prime <aviso@promo-pontos.example>\r\nSubject: Seus pontos\r\n\r\n"
      "Seus pontos Livelo expiram hoje. Resgate agora.\r\n");
  EXPECT_TRUE(HasReason(r, "claims bradesco"));
  EXPECT_TRUE(HasReason(r, "loyalty points expiry or bonus lure"));
  EXPECT_EQ(r.classification.category, "phishing");
}

TEST(Classify, FakeAntivirusRenewalIsScam) {
  Report r = AnalyzeText(
      "From: Billing <billing@renewals.example>\r\nSubject: Your protection has expired\r\n\r\n"
      "Your computer is infected. Your Norton antivirus subscription has expired; viruses "
      "detected: 5.\r\n");
  EXPECT_EQ(r.classification.category, "other-scam");
  EXPECT_TRUE(HasReason(r, "fake virus alert or tech-support scare"));
  EXPECT_TRUE(HasReason(r, "antivirus subscription renewal lure"));
}

TEST(Classify, DatingLureWithFreeMailReplyIsScam) {
  Report r = AnalyzeText(
      "From: Anna <anna@dating-news.example>\r\nReply-To: anna1990@gmail.com\r\n"
      "Subject: Hi\r\n\r\nLonely women in your area want to meet you tonight.\r\n");
  EXPECT_EQ(r.classification.category, "other-scam");
  EXPECT_TRUE(HasReason(r, "romance or dating lure"));
  EXPECT_TRUE(HasReason(r, "replies go to a free-mail address"));
}

TEST(Classify, JobOfferScam) {
  Report r = AnalyzeText(
      "From: HR <hr@recruit.example>\r\nReply-To: hr.team.jobs@gmail.com\r\nSubject: Job\r\n\r\n"
      "We offer a remote job with daily pay, only one hour a day.\r\n");
  EXPECT_EQ(r.classification.category, "other-scam");
  EXPECT_TRUE(HasReason(r, "work-from-home, job or easy-money offer"));
}

TEST(Classify, GermanExtortion) {
  Report r = AnalyzeText(
      "From: x@example.net\r\nSubject: Warnung\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
      "Ich habe Ihr Ger\xc3\xa4t gehackt. Ich habe ein Video von Ihnen \xc3\xbc" "ber Ihre Webcam "
      "aufgenommen. Zahlen Sie 1000 EUR in Bitcoin.\r\n");
  EXPECT_EQ(r.classification.category, "extortion");
  EXPECT_TRUE(HasReason(r, "claims to control the recipient's device or account"));
}

TEST(Classify, FakePoliceSummons) {
  Report r = AnalyzeText(
      "From: Gendarmerie <convocation@justice-notice.example>\r\nSubject: CONVOCATION\r\n\r\n"
      "Convocation: la brigade de protection des mineurs (police) vous informe d'une "
      "procedure.\r\n");
  EXPECT_TRUE(HasReason(r, "fake police or court summons"));
}

TEST(Classify, LinkToProgramIsMalware) {
  Report r = AnalyzeText(
      "From: a@example.com\r\nSubject: Invoice\r\n\r\nDownload your invoice: "
      "http://files.example.net/docs/invoice_2024.exe\r\n");
  EXPECT_EQ(r.classification.category, "malware");
  EXPECT_TRUE(HasReason(r, "link downloads a program"));
}

TEST(Classify, PremiumRateSmsIsSpam) {
  Report r = AnalyzeSmsText(
      "URGENT! Your mobile number has been awarded a \xc2\xa3" "2000 prize GUARANTEED. "
      "Call 09061790121 from a land line. Claim code K52. Valid 12hrs only");
  EXPECT_TRUE(Detected(r)) << r.classification.category;
  EXPECT_TRUE(HasReason(r, "premium-rate phone number"));
  EXPECT_TRUE(HasReason(r, "prize or cash award claim"));
}

TEST(Classify, ShortCodeSubscriptionSmsIsCommercial) {
  Report r = AnalyzeSmsText("FREE ringtone! Text TONE to 87121 now. 150p/msg, 18+ only");
  EXPECT_EQ(r.classification.category, "commercial-spam");
  EXPECT_TRUE(HasReason(r, "text a keyword to a short code"));
}

TEST(Classify, PersonalSmsIsNotSpam) {
  Report r = AnalyzeSmsText("ok lar, i'll see you at home later. dun forget the keys");
  EXPECT_EQ(r.classification.category, "not-spam");
  EXPECT_TRUE(HasReason(r, "personal message"));
}

TEST(Classify, ListFooterIsNotCommercial) {
  Report r = AnalyzeText(
      "From: Ann <ann@example.org>\r\nTo: users@lists.example.org\r\nSubject: kernel question\r\n"
      "List-Id: <users.lists.example.org>\r\nList-Post: <mailto:users@lists.example.org>\r\n"
      "List-Unsubscribe: <mailto:users-request@lists.example.org?subject=unsubscribe>\r\n\r\n"
      "Does anyone know why the module fails to load on 2.4.19?\r\n\r\n"
      "_______________________________________________\r\nusers mailing list\r\n"
      "To unsubscribe, visit http://lists.example.org/mailman/listinfo/users\r\n");
  EXPECT_EQ(r.classification.category, "not-spam");
  EXPECT_TRUE(HasReason(r, "discussion-list message addressed to the list"));
}

TEST(Classify, SpamWithInReplyToIsStillSpam) {
  Report r = AnalyzeText(
      "From: deals@shop.example\r\nTo: you@example.org\r\nSubject: Re: your order\r\n"
      "In-Reply-To: <x@y>\r\nReferences: <x@y>\r\n\r\n"
      "Cheap replica watches, 80% off! Order now: http://shop.example/\r\n"
      "To unsubscribe reply REMOVE.\r\n");
  EXPECT_EQ(r.classification.category, "commercial-spam");
}

TEST(Classify, RandomTokenAndPaddedSubjectAreCommercialEvidence) {
  Report r = AnalyzeText(
      "From: a@example.com\r\nTo: b@example.org\r\nSubject: good news wmE239PgyETfr9P4nvyEWKJ\r\n\r\n"
      "Lose weight fast with our herbal formula. Click here.\r\n");
  EXPECT_EQ(r.classification.category, "commercial-spam");
  EXPECT_TRUE(HasReason(r, "random token in the subject"));
}

}  // namespace lapis::analysis

namespace lapis::analysis {
namespace {

Report Mail(const std::string& from, const std::string& subject, const std::string& body) {
  return AnalyzeText("From: " + from + "\r\nTo: rodrigo@example.org\r\nSubject: " + subject +
                     "\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body);
}

}  // namespace

TEST(Classify, LureInSubjectStrengthensPortugueseCustomsLure) {
  Report r = Mail("Correios <pedidos@envio-br.example>",
                  "Aviso importante: Seu pedido foi taxado e bloqueado pela fiscaliza\xc3\xa7\xc3\xa3o alfandeg\xc3\xa1ria!",
                  "Acompanhe o seu pedido no nosso portal.");
  EXPECT_EQ(r.classification.category, "phishing");
  EXPECT_TRUE(HasReason(r, "the subject itself carries the lure"));
}

TEST(Classify, PortugueseTrafficFineIsPhishing) {
  Report r = Mail("DETRAN <multas@detran-aviso.example>", "Infra\xc3\xa7\xc3\xa3o pendente: Regularize sua CNH - 208",
                  "Foi identificado um registro de infra\xc3\xa7\xc3\xa3o de tr\xc3\xa2nsito pendente associado "
                  "\xc3\xa0 sua CNH.");
  EXPECT_EQ(r.classification.category, "phishing");
  EXPECT_TRUE(HasReason(r, "toll, fine or tax-refund lure"));
}

TEST(Classify, PortugueseNewDeviceAccessIsPhishing) {
  Report r = Mail("Seguranca <alerta@conta-seguranca.example>",
                  "Alerta de seguranca: houve um acesso de um novo dispositivo na sua conta",
                  "Detectamos um novo acesso \xc3\xa0 sua conta. N\xc3\xa3o reconhe\xc3\xa7o este acesso? "
                  "Clique aqui.");
  EXPECT_EQ(r.classification.category, "phishing");
  EXPECT_TRUE(HasReason(r, "reports unusual activity or sign-in (pt/es/fr/de/nl)"));
}

TEST(Classify, GermanVoucherRaffleIsScam) {
  Report r = Mail("Shopping <news@gutschein-aktion.example>", "Das ist leider das letzte Mal",
                  "Hallo! Das ist leider das letzte Mal, dass wir Sie daran erinnern k\xc3\xb6nnen, dass Ihr "
                  "500\xe2\x82\xac EDEKA-Gutschein auf Sie wartet.");
  EXPECT_EQ(r.classification.category, "other-scam");
  EXPECT_TRUE(HasReason(r, "prize, voucher or reward bait (de/fr/es/pt/nl)"));
}

TEST(Classify, EarnedRewardBaitIsScam) {
  Report r = Mail("Community <team@reward-hub.example>", "Recognition for Your Valuable Contributions",
                  "Fantastic effort! You've earned a reward for your involvement in our community! "
                  "Get Your Reward Now");
  EXPECT_EQ(r.classification.category, "other-scam");
  EXPECT_TRUE(HasReason(r, "reward or winner bait"));
}

TEST(Classify, SexualSolicitationIsScam) {
  Report r = Mail("Michelle <m@flirt-now.example>", "Nachricht f\xc3\xbcr dich!",
                  "Michelle hat dir eine Nachricht geschickt. Treffen Sie hei\xc3\x9f" "e ukrainische Singles!");
  EXPECT_EQ(r.classification.category, "other-scam");
  EXPECT_TRUE(HasReason(r, "sexual or chat solicitation by a stranger"));
}

TEST(Classify, CryptoBalanceBaitIsScam) {
  Report r = Mail("Desk <desk@coins-portal.example>", "Payment Successful",
                  "Hello, your bitcoin portfolio has been funded with 75 BTC. Below are your new login "
                  "details. Customer ID: 90972865 Password: csx44way");
  EXPECT_EQ(r.classification.category, "other-scam");
  EXPECT_TRUE(HasReason(r, "crypto balance bait with login details supplied"));
}

TEST(Classify, FreeCryptoGiveawayIsScam) {
  Report r = Mail("Team <team@giveaway.example>", "Sign in to GET 0.44 BTC",
                  "We received a request to sign in to GET 0.44 BTC using this email address.");
  EXPECT_EQ(r.classification.category, "other-scam");
  EXPECT_TRUE(HasReason(r, "free crypto giveaway"));
}

TEST(Classify, CallBackInvoiceIsScam) {
  Report r = Mail("Microsoft Accounts <billing@ms-orders.example>", "Order Confirmation",
                  "Invoice ID : MS-7894-319077 Product Name : Microsoft Defender Protection. Total Invoice "
                  "Amount : $399.00. If you did not make this purchase please contact our customer care "
                  "representative : +1(888) 320-8274");
  EXPECT_EQ(r.classification.category, "other-scam");
  EXPECT_TRUE(HasReason(r, "asks to phone a number to dispute a charge"));
}

TEST(Classify, DisplayNameBrandWithDotlessSenderDomain) {
  Report r = Mail("Correios <pedidos077045@correios>", "Aviso", "Acompanhe o seu pedido.");
  EXPECT_TRUE(HasReason(r, "claims correios but the sender domain is correios"));
}

TEST(Classify, HardwareWalletScanLureIsPhishing) {
  Report r = Mail("Vault Scanner <news@vault-scan.example>", "Recent Iedger breach",
                  "Your wallet may be breached. We highly recommend you scan your device using our web "
                  "interface. Security alert: every customer must re-identify.");
  EXPECT_EQ(r.classification.category, "phishing");
  EXPECT_TRUE(HasReason(r, "crypto-wallet lure"));
}

}  // namespace lapis::analysis
