#include "service/campaign_keys.h"

#include <nlohmann/json.hpp>

#include <set>
#include <vector>

namespace lapis::service {
namespace {

// Platforms whose links appear in mail of every kind (social networks, big providers, standards
// bodies, shorteners whose targets vary). Joining reports on them would merge unrelated campaigns.
const char* const kCommonDomains[] = {
    "google.com", "youtube.com", "facebook.com", "twitter.com", "x.com", "instagram.com",
    "linkedin.com", "microsoft.com", "outlook.com", "live.com", "office.com", "apple.com",
    "icloud.com", "yahoo.com", "aol.com", "amazon.com", "amazonaws.com", "cloudfront.net",
    "w3.org", "gmail.com", "hotmail.com", "msn.com", "bit.ly", "tinyurl.com", "t.co", "goo.gl",
    "wikipedia.org", "mozilla.org", "adobe.com", "github.com", "googleapis.com", "gstatic.com",
    "doubleclick.net", "googleusercontent.com", "akamaihd.net", "sendgrid.net", "mailchimp.com",
    "list-manage.com", "whatsapp.com", "tiktok.com", "pinterest.com", "paypal.com", "ebay.com",
    "netscape.com", "sourceforge.net", "example.com", "example.org", "example.net"};

}  // namespace

bool IsCommonPlatformDomain(const std::string& d) {
  for (const char* c : kCommonDomains)
    if (d == c) return true;
  return false;
}

namespace {

// What the keys are made of, read from either form of an analysis.
struct KeySource {
  struct Domain {
    std::string name;  // registrable domain, or the host when it has none
    bool not_the_spammers = false;  // a mailing list's, or a recipient's
  };
  struct Link {
    std::string registrable;  // empty: none
    std::string source;
  };
  struct Phone {
    std::string number, source;
    bool e164 = false;
  };
  std::vector<uint32_t> minhash;
  std::vector<std::string> bands;
  std::vector<Domain> domains;
  std::vector<Link> links;
  std::vector<Phone> phones;
  std::vector<std::string> payments;
};

bool NotTheSpammers(const std::string& source) {
  return source == "list-unsubscribe" || source == "to" || source == "cc";
}

store::CampaignKeys KeysFrom(const KeySource& src, int64_t seen) {
  store::CampaignKeys k;
  k.seen = seen;
  k.minhash = src.minhash;
  for (size_t i = 0; i < src.bands.size(); ++i) k.bands.push_back("b" + std::to_string(i) + ":" + src.bands[i]);
  // Domains of the mailing list a message came through and of its recipients are not the
  // spammer's.
  std::set<std::string> excluded, strong;
  for (const auto& d : src.domains)
    if (d.not_the_spammers) excluded.insert(d.name);
  for (const auto& l : src.links) {
    if (l.registrable.empty()) continue;
    if (l.source == "html-image" || l.source == "html-script" || l.source == "html-other") continue;  // trackers, assets
    if (!IsCommonPlatformDomain(l.registrable) && !excluded.count(l.registrable)) strong.insert("d:" + l.registrable);
  }
  for (const auto& p : src.phones)
    if (p.e164 && p.source != "sms-sender") strong.insert("p:" + p.number);
  for (const auto& v : src.payments) strong.insert("$:" + v);
  k.strong.assign(strong.begin(), strong.end());
  return k;
}

}  // namespace

store::CampaignKeys CampaignKeysFromAnalysis(const std::string& analysis_json, int64_t seen) {
  KeySource src;
  auto j = nlohmann::json::parse(analysis_json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return KeysFrom(src, seen);
  const auto& fp = j.value("fingerprint", nlohmann::json::object());
  if (fp.contains("minhash") && fp["minhash"].is_array())
    for (const auto& v : fp["minhash"])
      if (v.is_number_unsigned()) src.minhash.push_back(v.get<uint32_t>());
  if (fp.contains("bands") && fp["bands"].is_array())
    for (const auto& b : fp["bands"])
      if (b.is_string()) src.bands.push_back(b.get<std::string>());
  const auto& ind = j.value("indicators", nlohmann::json::object());
  if (ind.contains("domains") && ind["domains"].is_array())
    for (const auto& d : ind["domains"]) {
      if (!d.is_object() || !d.contains("sources") || !d["sources"].is_array()) continue;
      KeySource::Domain dom;
      dom.name = d.value("registrable", nlohmann::json()).is_string() ? d["registrable"].get<std::string>()
                                                                      : d.value("host", "");
      for (const auto& s : d["sources"])
        if (s.is_string() && NotTheSpammers(s.get<std::string>())) dom.not_the_spammers = true;
      src.domains.push_back(std::move(dom));
    }
  if (ind.contains("urls") && ind["urls"].is_array())
    for (const auto& u : ind["urls"]) {
      if (!u.is_object() || !u.contains("registrable") || !u["registrable"].is_string()) continue;
      src.links.push_back({u["registrable"].get<std::string>(), u.value("source", "")});
    }
  if (ind.contains("phones") && ind["phones"].is_array())
    for (const auto& p : ind["phones"])
      if (p.is_object()) src.phones.push_back({p.value("number", ""), p.value("source", ""), p.value("e164", false)});
  if (ind.contains("payments") && ind["payments"].is_array())
    for (const auto& p : ind["payments"])
      if (p.is_object()) src.payments.push_back(p.value("value", ""));
  return KeysFrom(src, seen);
}

store::CampaignKeys CampaignKeysFromReport(const analysis::Report& r, int64_t seen) {
  KeySource src;
  src.minhash = r.fingerprint.minhash;
  src.bands = r.fingerprint.bands;
  const auto& in = r.indicators;
  for (const auto& d : in.domains) {
    KeySource::Domain dom;
    dom.name = d.registrable.empty() ? d.host : d.registrable;
    for (const auto& s : d.sources)
      if (NotTheSpammers(s)) dom.not_the_spammers = true;
    src.domains.push_back(std::move(dom));
  }
  for (const auto& u : in.urls) src.links.push_back({u.registrable, u.source});
  for (const auto& p : in.phones) src.phones.push_back({p.number, p.source, p.e164});
  for (const auto& p : in.payments) src.payments.push_back(p.value);
  return KeysFrom(src, seen);
}

}  // namespace lapis::service
