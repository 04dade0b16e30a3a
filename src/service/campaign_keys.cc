#include "service/campaign_keys.h"

#include <nlohmann/json.hpp>

#include <set>

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

store::CampaignKeys CampaignKeysFromAnalysis(const std::string& analysis_json, int64_t seen) {
  store::CampaignKeys k;
  k.seen = seen;
  auto j = nlohmann::json::parse(analysis_json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return k;
  const auto& fp = j.value("fingerprint", nlohmann::json::object());
  if (fp.contains("minhash") && fp["minhash"].is_array())
    for (const auto& v : fp["minhash"])
      if (v.is_number_unsigned()) k.minhash.push_back(v.get<uint32_t>());
  if (fp.contains("bands") && fp["bands"].is_array()) {
    int i = 0;
    for (const auto& b : fp["bands"])
      if (b.is_string()) k.bands.push_back("b" + std::to_string(i++) + ":" + b.get<std::string>());
  }
  std::set<std::string> strong;
  const auto& ind = j.value("indicators", nlohmann::json::object());
  // Domains of the mailing list a message came through and of its recipients are not the
  // spammer's.
  std::set<std::string> excluded;
  if (ind.contains("domains") && ind["domains"].is_array())
    for (const auto& d : ind["domains"]) {
      if (!d.is_object() || !d.contains("sources") || !d["sources"].is_array()) continue;
      for (const auto& s : d["sources"]) {
        std::string src = s.is_string() ? s.get<std::string>() : "";
        if (src == "list-unsubscribe" || src == "to" || src == "cc") {
          excluded.insert(d.value("registrable", nlohmann::json()).is_string() ? d["registrable"].get<std::string>()
                                                                               : d.value("host", ""));
        }
      }
    }
  if (ind.contains("urls") && ind["urls"].is_array()) {
    for (const auto& u : ind["urls"]) {
      if (!u.is_object() || !u.contains("registrable") || !u["registrable"].is_string()) continue;
      std::string src = u.value("source", "");
      if (src == "html-image" || src == "html-script" || src == "html-other") continue;  // trackers, assets
      std::string d = u["registrable"].get<std::string>();
      if (!IsCommonPlatformDomain(d) && !excluded.count(d)) strong.insert("d:" + d);
    }
  }
  if (ind.contains("phones") && ind["phones"].is_array())
    for (const auto& p : ind["phones"])
      if (p.is_object() && p.value("e164", false) && p.value("source", "") != "sms-sender")
        strong.insert("p:" + p.value("number", ""));
  if (ind.contains("payments") && ind["payments"].is_array())
    for (const auto& p : ind["payments"])
      if (p.is_object()) strong.insert("$:" + p.value("value", ""));
  k.strong.assign(strong.begin(), strong.end());
  return k;
}

}  // namespace lapis::service
