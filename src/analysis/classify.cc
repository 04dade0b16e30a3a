#include "analysis/classify.h"

#include <re2/re2.h>
#include <re2/set.h>

#include <cmath>
#include <memory>

#include "common/strings.h"

namespace lapis::analysis {
namespace {

enum Cat { kCommercial, kPhishing, kMalware, kAdvanceFee, kExtortion, kOtherScam, kHam, kNumCats };
const char* const kCatNames[] = {"commercial-spam",   "phishing",  "malware", "advance-fee-fraud",
                                 "extortion",         "other-scam", "not-spam"};

struct Rule {
  Cat cat;
  double weight;
  const char* name;     // reason shown to the analyst
  const char* pattern;  // RE2, matched against lower-cased text
  const char* also = nullptr;  // when set, this pattern must match somewhere in the text too
};

// Phrase rules. Patterns are matched case-insensitively on the subject and the visible body text.
const Rule kRules[] = {
    // Phishing: credential and account lures.
    {kPhishing, 2.0, "asks to verify or confirm an account", R"((verify|confirm|validate|reactivate|re-activate|update|secure|restore|unlock)\s+(your\s+|the\s+)?(e-?mail\s+|online\s+|bank\s+)?(account|identity|password|login|credentials|mailbox|billing|payment\s+(info|information|details|method)))"},
    {kPhishing, 2.0, "says the account is suspended, locked or limited", R"(account\s+(has\s+been\s+|is\s+|was\s+|will\s+be\s+)?(temporarily\s+)?(suspended|locked|limited|restricted|disabled|deactivated|blocked|closed|on\s+hold))"},
    {kPhishing, 1.5, "reports unusual activity or sign-in", R"((unusual|suspicious|unauthori[sz]ed|irregular)\s+(sign[- ]?in|log[- ]?in|activity|access|transaction|attempt))"},
    {kPhishing, 1.5, "password or mailbox expiry lure", R"((password|mailbox|e-?mail\s+account)\s+(will\s+)?(expire|expires|expired|is\s+full|quota|storage\s+(is\s+)?full)|(mailbox|storage)\s+quota)"},
    {kPhishing, 1.0, "click-to-login instruction", R"((click|tap|follow|use)\s+(here|below|the\s+(link|button)(\s+below)?)\s+to\s+(verify|confirm|login|log\s+in|sign\s+in|restore|unlock|update|validate|reactivate|keep|access|review))"},
    {kPhishing, 1.0, "security alert wording", R"(security\s+(alert|notice|notification|update|check|measure)|important\s+notice\s+regarding\s+your)"},
    {kPhishing, 1.0, "account-holder brand (bank, payment, mail or parcel service)", R"(\b(paypal|ebay|chase|bank\s+of\s+america|wells\s+fargo|citibank|barclays|hsbc|lloyds|natwest|santander|amazon|apple\s+id|icloud|microsoft|office\s*365|outlook|onedrive|sharepoint|docusign|netflix|dhl|fedex|usps|royal\s+mail|metamask|coinbase|binance|wallet|webmail|internal\s+revenue|irs|hmrc)\b)"},
    {kPhishing, 1.0, "asks for card or login details", R"((credit\s+card|card\s+number|cvv|pin\s+(code|number)|social\s+security|ssn|login\s+details|user\s*name\s+and\s+password|online\s+banking))"},
    {kPhishing, 1.0, "deadline threat against the account", R"((within|in)\s+(24|48|72)\s+hours|failure\s+to\s+(comply|verify|update|confirm)|permanently\s+(deleted|closed|suspended|disabled))"},
    {kPhishing, 1.0, "shared-document or voicemail lure", R"((shared\s+(a\s+)?(document|file)\s+with\s+you|view\s+(the\s+)?(document|invoice|file|message)|you\s+have\s+(a\s+)?(new\s+)?(voice\s*mail|fax|secure\s+message|pending\s+(message|document|e-?mail)s?)|incoming\s+messages?\s+(were|are)\s+(held|pending|blocked)))"},
    // Advance-fee fraud.
    {kAdvanceFee, 2.0, "large sum to be transferred", R"((\$|usd|us\$|eur|gbp|£|€)\s?\d{1,3}([,. ]\d{3})+(\.\d+)?\s*(m|million|billion)?|\d{1,3}([,. ]\d{3})*(\.\d+)?\s*(million|billion)\s+(us\s+)?(dollars|usd|euros?|pounds)|(sum|amount|fund|funds)\s+of\s+(\(?us\$|\$|usd|eur|£|€))"},
    {kAdvanceFee, 2.0, "next-of-kin or beneficiary story", R"(next\s+of\s+kin|\bbeneficiary\b|late\s+(client|husband|father|customer)|deceased|inheritance|unclaimed\s+(fund|deposit|inheritance))"},
    {kAdvanceFee, 1.5, "proposal of a confidential business transaction", R"((confidential|private|secret)\s+(business\s+)?(proposal|transaction|deal)|business\s+proposal|mutual\s+benefit|foreign\s+partner|strictest\s+confidence)"},
    {kAdvanceFee, 1.5, "official or banker persona", R"(\b(barrister|attorney\s+at\s+law|bank\s+manager|auditor|director\s+of\s+(the\s+)?(bank|operations|audit)|minister\s+of|diplomat|united\s+nations|central\s+bank|reserve\s+bank|ministry\s+of\s+finance|widow|refugee|army\s+general|sgt\.?|sergeant)\b)"},
    {kAdvanceFee, 1.5, "transfer of funds to a foreign account", R"((transfer|remit|move)\s+(of\s+)?(this|the|these)?\s*(funds?|money|sum)|(atm|visa)\s+card\s+(worth|valued|loaded)|diplomatic\s+(courier|consignment)|consignment\s+box|security\s+company)"},
    {kAdvanceFee, 1.0, "lottery or award notification", R"(\b(won|winner|winning|awarded|selected)\b)", R"(\b(lottery|lotto|sweepstakes?|jackpot)\b|claim\s+(your|the)\s+(prize|winnings|award|fund))"},
    {kAdvanceFee, 1.0, "money-transfer service requested", R"(western\s+union|money\s*gram|ria\s+money|wire\s+transfer\s+fee|processing\s+fee|clearance\s+(fee|certificate)|release\s+(of\s+)?(the\s+)?fund)"},
    {kAdvanceFee, 0.8, "typical advance-fee wording", R"(\bkindly\b|\bdearest\b|\bgod\s+bless\b|\breply\s+(urgently|immediately)\b|\bmy\s+dear\b|\bcompensation\b|\bpercent(age)?\s+(of|for)\s+(the\s+)?(total|fund|sum)|\bfor\s+your\s+(assistance|co-?operation)\b)"},
    // Extortion / sextortion.
    {kExtortion, 2.5, "claims to have recorded the recipient", R"(\b(recorded|recording|video|footage|screenshots?)\b)", R"(\b(webcam|web\s+cam|camera)\b)"},
    {kExtortion, 2.0, "claims to control the recipient's device or account", R"((hacked|infected|access\s+to|control\s+(of|over))\s+(your|all\s+your)\s+(device|computer|phone|account|e-?mail|system|contacts)|(installed|planted)\s+(a\s+)?(malware|virus|trojan|spyware|rat|software))"},
    {kExtortion, 2.0, "threat to send compromising material to contacts", R"((send|share|forward|leak|publish|distribute|spread)\s+(it|this|the\s+video|the\s+recording)?\s*(to\s+)?(all\s+)?(of\s+)?your\s+(contacts|friends|family|colleagues|relatives)|adult\s+(web)?sites?|porn(ographic)?|masturbat)"},
    {kExtortion, 1.5, "payment demand with deadline", R"(\b(pay|send|transfer)\b)", R"(\b(bitcoin|btc)\s+(wallet|address)|(48|24|72)\s+hours\s+to\s+(pay|make|transfer)|you\s+have\s+(48|24|72)\s+hours|in\s+bitcoin)"},
    {kExtortion, 1.0, "quotes a password as proof", R"(\b(i\s+know|your)\s+password\b|password\s+is\b)"},
    // Other scams.
    {kOtherScam, 1.5, "work-from-home or easy-money offer", R"(work\s+(from|at)\s+home|earn\s+(up\s+to\s+)?(\$|£|€)?\d+[,.\d]*\s+(per|a|each)\s+(day|week|hour|month)|make\s+money\s+(fast|online|from\s+home)|financial\s+freedom|be\s+your\s+own\s+boss|mystery\s+shopper)"},
    {kOtherScam, 1.5, "investment or crypto profit promise", R"((guaranteed|huge|massive)\s+(returns?|profits?)|(crypto|bitcoin|forex|trading)\s+(investment|opportunity|platform|profit|bot)|double\s+your\s+(money|bitcoin|investment)|stock\s+(alert|pick|tip)|hot\s+stock|penny\s+stock|explosive\s+(growth|gains))"},
    {kOtherScam, 1.0, "fake invoice or payment confirmation", R"((order|payment|subscription)\s+(has\s+been\s+|was\s+)?(confirmed|processed|renewed|charged))", R"(if\s+you\s+did\s+not\s+(authori[sz]e|make|place|request)|call\s+(us\s+)?(now|immediately|at)|cancel\s+(the|this|your)\s+(order|subscription|payment))"},
    {kOtherScam, 1.0, "romance or dating lure", R"((lonely|single)\s+(women|ladies|girls|men)|looking\s+for\s+(a\s+)?(serious\s+)?(relationship|man|husband|love)|i\s+saw\s+your\s+profile)"},
    {kOtherScam, 1.0, "prize or gift-card bait", R"((you('ve|\s+have)\s+(been\s+)?(won|selected|chosen))|gift\s+card|free\s+(iphone|ipad|gift|reward)|congratulations[!,.]?\s+(you|your))"},
    // Commercial spam.
    {kCommercial, 1.5, "opt-out or unsubscribe wording", R"(unsubscribe|opt[- ]?out|remove\s+(me|yourself)\s+from|to\s+be\s+removed|no\s+longer\s+wish\s+to\s+receive|email\s+preferences|mailing\s+list|you\s+(are\s+)?receiv(ed|ing)\s+this\s+(e-?mail|message)\s+because)"},
    {kCommercial, 1.5, "sales call to action", R"(order\s+(now|today)|buy\s+(now|today)|shop\s+now|act\s+now|call\s+(now|today|toll[- ]free)|limited\s+time|special\s+offer|offer\s+expires|don'?t\s+miss|click\s+here|visit\s+our\s+(web)?site|sign\s+up\s+(now|today)|free\s+(trial|quote|consultation|shipping|sample)|best\s+price|lowest\s+price)"},
    {kCommercial, 1.5, "price, discount or savings claim", R"(\d+\s*%\s*(off|discount|savings)|save\s+(up\s+to\s+)?(\$|£|€)?\d+|(\$|£|€)\s?\d+(\.\d\d)?\s+(only|per|each|value)|discount|wholesale|\bcheap\b|bargain|clearance\s+sale|coupon|promo(tion)?\s+code)"},
    {kCommercial, 1.5, "spam product category", R"(\b(viagra|cialis|levitra|pharmacy|prescription|pills?|weight\s+loss|diet|lose\s+weight|penis|enlarge|enhancement|casino|poker|betting|replica|rolex|watches|mortgage|refinanc|credit\s+score|debt\s+(relief|consolidation)|loans?|insurance\s+quote|herbal|vitamins?|anti-?aging|seo\s+services?|web\s+traffic|email\s+marketing|bulk\s+e-?mail|lead\s+generation|toner|ink\s+cartridges?|degree|diploma)\b)"},
    {kCommercial, 1.0, "marketing superlatives", R"(100\s*%\s*(free|guaranteed|satisfaction)|satisfaction\s+guaranteed|money[- ]back\s+guarantee|risk[- ]free|no\s+obligation|once\s+in\s+a\s+lifetime|exclusive\s+(deal|offer))"},
    {kCommercial, 0.8, "addressed to a purchased list", R"(dear\s+(friend|sir\s*/\s*madam|valued\s+(customer|member)|customer|member|user|homeowner|business\s+owner)|this\s+is\s+(not\s+)?(a\s+)?(spam|unsolicited)|sent\s+in\s+compliance|bill\s+s\.?\s*1618|\bcan-?spam\b)"},
};

RE2::Options SetOptions() {
  RE2::Options o;
  o.set_case_sensitive(true);  // input and patterns are lower-case
  o.set_log_errors(false);
  o.set_max_mem(256 << 20);
  return o;
}

struct Compiled {
  RE2::Set set{SetOptions(), RE2::UNANCHORED};
  std::vector<int> primary, secondary;  // pattern indexes in `set` of each rule
  bool ok = false;
  Compiled() {
    for (const auto& r : kRules) {
      std::string err;
      int i = set.Add(r.pattern, &err);
      if (i < 0) return;
      primary.push_back(i);
      secondary.push_back(r.also ? set.Add(r.also, &err) : -1);
      if (r.also && secondary.back() < 0) return;
    }
    ok = set.Compile();
  }
};

const Compiled& Rules() {
  static const Compiled c;
  return c;
}

const char* const kBrandWords[] = {"paypal", "apple", "microsoft", "amazon", "netflix", "dhl",
                                   "fedex", "ebay", "chase", "wells fargo", "bank of america",
                                   "office", "outlook", "docusign", "coinbase", "metamask",
                                   "citibank", "hsbc", "barclays", "usps", "ups", "american express",
                                   "linkedin", "facebook", "instagram", "whatsapp", "google", "yahoo"};

}  // namespace

Classification Classify(const ClassifyInput& in) {
  const Report& r = *in.report;
  double score[kNumCats] = {0};
  std::vector<std::string> reasons[kNumCats];
  auto add = [&](Cat c, double w, std::string why) {
    score[c] += w;
    reasons[c].push_back(std::move(why));
  };

  std::string text = r.headers.subject;
  text.push_back('\n');
  text.append(r.body_text.substr(0, kMaxClassifyText));
  if (!r.html_title.empty()) {
    text.push_back('\n');
    text.append(r.html_title);
  }
  std::string lower = ToLower(text);
  const Compiled& rules = Rules();
  if (rules.ok) {
    std::vector<int> hits;
    rules.set.Match(lower, &hits);
    std::vector<bool> hit(rules.secondary.size() * 2 + 2, false);
    for (int i : hits)
      if (i >= 0 && static_cast<size_t>(i) < hit.size()) hit[i] = true;
    for (size_t k = 0; k < std::size(kRules); ++k) {
      if (!hit[rules.primary[k]]) continue;
      if (rules.secondary[k] >= 0 && !hit[rules.secondary[k]]) continue;
      add(kRules[k].cat, kRules[k].weight, kRules[k].name);
    }
  }

  // Structural evidence.
  for (const auto& a : r.indicators.attachments) {
    for (const auto& f : a.flags) {
      if (f == "executable" || f == "archive-with-executable" || f == "macro" || f == "script" ||
          f == "shortcut" || f == "disk-image" || f == "double-extension")
        add(kMalware, f == "macro" || f == "double-extension" || f == "archive-with-executable" ? 4 : 3.5,
            "attachment " + a.filename + " is flagged " + f);
      if (f == "html-attachment") add(kPhishing, 2, "HTML attachment " + a.filename + " (a local phishing page)");
      if (f == "encrypted-archive") add(kMalware, 2, "password-protected archive " + a.filename);
    }
  }
  int mismatches = 0, ip_hosts = 0, userinfo = 0;
  for (const auto& u : r.indicators.urls) {
    for (const auto& f : u.flags) {
      if (f == "text-mismatch") ++mismatches;
      if (f == "ip-host") ++ip_hosts;
      if (f == "userinfo") ++userinfo;
    }
  }
  if (mismatches) add(kPhishing, 2.5, "link text shows another domain than its target (" +
                                          std::to_string(mismatches) + " links)");
  if (ip_hosts) add(kPhishing, 1.5, "links to a bare IP address");
  if (userinfo) add(kPhishing, 2, "link hides its real host behind user@ syntax");
  if (r.html_password) add(kPhishing, 3, "HTML form asks for a password");
  else if (r.html_form) add(kPhishing, 1.5, "HTML form in the message");
  for (const auto& p : r.indicators.payments) {
    if (p.type == "bitcoin" || p.type == "monero" || p.type == "litecoin" || p.type == "ethereum") {
      if (score[kExtortion] > 0) add(kExtortion, 2, "crypto-currency address " + p.value + " for payment");
      else add(kOtherScam, 0.5, "crypto-currency address " + p.value);
      break;
    }
  }
  // Display name claims a brand that the sender's domain does not carry.
  if (r.headers.from && !r.headers.from->name.empty()) {
    std::string name = ToLower(r.headers.from->name);
    std::string dom = ToLower(r.authentication.from_domain);
    for (const char* b : kBrandWords) {
      std::string brand(b);
      if (name.find(brand) == std::string::npos) continue;
      std::string compact;
      for (char c : brand)
        if (c != ' ') compact.push_back(c);
      if (dom.find(compact) == std::string::npos) {
        add(kPhishing, 1.5, "display name \"" + r.headers.from->name + "\" claims " + brand +
                                " but the sender domain is " + (dom.empty() ? "missing" : dom));
      }
      break;
    }
  }
  if (!r.headers.list_unsubscribe.empty()) add(kCommercial, 1.5, "List-Unsubscribe header (bulk mailing)");
  if (r.html_hidden) add(kCommercial, 0.5, "hidden text in the HTML");
  if (r.authentication.dmarc == "fail") add(kPhishing, 1, "DMARC failed for the From domain");

  // Signs of ordinary personal or list mail.
  if (in.message) {
    const mail::Message& m = *in.message;
    bool list = m.Find("List-Id") || m.Find("Mailing-List") || m.Find("X-Mailing-List") ||
                m.Find("List-Post");
    bool reply = m.Find("In-Reply-To") || m.Find("References");
    if (list && r.headers.list_unsubscribe.empty() == false && m.Find("List-Post"))
      add(kHam, 2.5, "discussion-list message (List-Post)");
    else if (list) add(kHam, 1.5, "mailing-list headers");
    if (reply) add(kHam, 1.5, "reply in a conversation (In-Reply-To/References)");
    size_t quoted = 0, lines = 0;
    std::string_view head = std::string_view(r.body_text).substr(0, 16384);
    for (auto line : Split(head, '\n')) {
      ++lines;
      if (!line.empty() && line[0] == '>') ++quoted;
    }
    if (quoted >= 3 && quoted * 10 >= lines) add(kHam, 1.5, "quotes an earlier message");
    if (r.indicators.urls.empty() && r.indicators.attachments.empty() && score[kCommercial] == 0)
      add(kHam, 0.5, "no links and no attachments");
  }

  // Decide: harmful categories first, then commercial, then not-spam.
  Classification c;
  for (int i = 0; i < kNumCats; ++i) c.scores[kCatNames[i]] = std::round(score[i] * 100) / 100;
  Cat best = kNumCats;
  double best_score = 0;
  const Cat harmful[] = {kMalware, kExtortion, kPhishing, kAdvanceFee, kOtherScam};
  for (Cat h : harmful) {
    double threshold = h == kMalware ? 3.0 : h == kOtherScam ? 2.0 : 3.0;
    if (score[h] >= threshold && score[h] > best_score) {
      best = h;
      best_score = score[h];
    }
  }
  double spam_total = score[kCommercial] + 0.5 * (score[kPhishing] + score[kAdvanceFee] +
                                                    score[kOtherScam] + score[kExtortion]);
  if (best == kNumCats) {
    if (spam_total >= 2.0 && spam_total > score[kHam]) {
      best = kCommercial;
      best_score = spam_total;
    } else if (score[kHam] >= 1.5 && score[kHam] >= spam_total) {
      best = kHam;
      best_score = score[kHam];
    }
  }
  if (best == kNumCats) {
    c.category = "unknown";
    c.score = 0;
    c.reasons.push_back("not enough evidence for any category");
    for (int i = 0; i < kNumCats; ++i)
      for (auto& x : reasons[i]) c.reasons.push_back(std::string(kCatNames[i]) + ": " + x);
    return c;
  }
  c.category = kCatNames[best];
  c.score = std::round((1.0 - std::exp(-best_score / 3.0)) * 1000) / 1000;
  c.reasons = reasons[best];
  if (best == kCommercial)
    for (Cat h : harmful)
      for (auto& x : reasons[h]) c.reasons.push_back(x);
  return c;
}

}  // namespace lapis::analysis
