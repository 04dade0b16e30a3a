#include "analysis/report_json.h"

#include <nlohmann/json.hpp>

#include "common/strings.h"

namespace lapis::analysis {
namespace {

using nlohmann::json;

json Str(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

json MailboxJson(const Mailbox& m) { return {{"name", Str(m.name)}, {"address", Str(m.address)}}; }

json Mailboxes(const std::vector<Mailbox>& v) {
  json a = json::array();
  for (const auto& m : v) a.push_back(MailboxJson(m));
  return a;
}

json Time(const std::optional<int64_t>& t) { return t ? json(FormatRfc3339(*t)) : json(nullptr); }

json Info(const IpInfo& i) {
  return {{"asn", i.asn ? json(i.asn) : json(nullptr)},
          {"as_org", Str(i.as_org)},
          {"country", Str(i.country)}};
}

}  // namespace

std::string ReportToJson(const Report& r, bool pretty) {
  json j;
  j["schema_version"] = kSchemaVersion;
  j["kind"] = r.kind;
  j["id"] = r.id;
  j["size"] = r.size;
  j["source"] = {{"path", Str(r.source_path)},
                 {"index", r.source_index >= 0 ? json(r.source_index) : json(nullptr)}};
  if (r.wrapper) {
    const Wrapper& w = *r.wrapper;
    json rcpt = json::array();
    for (const auto& x : w.original_rcpt_to) rcpt.push_back(x);
    j["wrapper"] = {{"type", w.type},
                    {"inner_sha256", Str(r.inner_sha256)},
                    {"outer_from", Str(w.outer_from)},
                    {"outer_subject", Str(w.outer_subject)},
                    {"outer_date", Time(w.outer_date)}};
    if (w.type == "arf") {
      j["wrapper"]["feedback_type"] = Str(w.feedback_type);
      j["wrapper"]["user_agent"] = Str(w.user_agent);
      j["wrapper"]["version"] = Str(w.version);
      j["wrapper"]["source_ip"] = Str(w.source_ip);
      j["wrapper"]["arrival_date"] = Str(w.arrival_date);
      j["wrapper"]["original_mail_from"] = Str(w.original_mail_from);
      j["wrapper"]["original_rcpt_to"] = rcpt;
      j["wrapper"]["reported_domain"] = Str(w.reported_domain);
      j["wrapper"]["reported_uri"] = Str(w.reported_uri);
      j["wrapper"]["incidents"] = Str(w.incidents);
      j["wrapper"]["headers_only"] = w.headers_only;
    }
  } else {
    j["wrapper"] = nullptr;
  }
  if (r.sms) {
    j["sms"] = {{"sender", Str(r.sms->sender)},
                {"sender_type", r.sms->sender_type},
                {"time", Time(r.sms->time)},
                {"reporter_country", Str(r.sms->reporter_country)},
                {"reporter_number", Str(r.sms->reporter_number)}};
    j["headers"] = nullptr;
  } else {
    const Headers& h = r.headers;
    json unsub = json::array();
    for (const auto& u : h.list_unsubscribe) unsub.push_back(u);
    j["headers"] = {{"subject", Str(h.subject)},
                    {"from", h.from ? MailboxJson(*h.from) : json(nullptr)},
                    {"to", Mailboxes(h.to)},
                    {"cc", Mailboxes(h.cc)},
                    {"reply_to", Mailboxes(h.reply_to)},
                    {"return_path", Str(h.return_path)},
                    {"date", Time(h.date)},
                    {"message_id", Str(h.message_id)},
                    {"mailer", Str(h.mailer)},
                    {"list_unsubscribe", unsub}};
  }
  json hops = json::array();
  for (const auto& hop : r.received) {
    json flags = json::array();
    if (hop.authenticated) flags.push_back("authenticated");
    if (hop.tls) flags.push_back("tls");
    if (hop.local) flags.push_back("local");
    hops.push_back({{"helo", Str(hop.helo)},
                    {"rdns", Str(hop.rdns)},
                    {"ip", Str(hop.ip)},
                    {"by", Str(hop.by)},
                    {"protocol", Str(hop.protocol)},
                    {"id", Str(hop.id)},
                    {"for", Str(hop.for_addr)},
                    {"time", Time(hop.time)},
                    {"flags", flags},
                    {"trusted", hop.trusted},
                    {"raw", hop.raw}});
  }
  j["received"] = hops;
  if (r.origin) {
    const Origin& o = *r.origin;
    j["origin"] = {{"ip", o.ip},
                   {"hop", o.hop >= 0 ? json(o.hop) : json(nullptr)},
                   {"kind", o.kind},
                   {"confidence", o.confidence},
                   {"reason", o.reason},
                   {"rdns", Str(o.rdns)},
                   {"helo", Str(o.helo)},
                   {"client_ip", Str(o.client_ip)},
                   {"asn", o.info.asn ? json(o.info.asn) : json(nullptr)},
                   {"as_org", Str(o.info.as_org)},
                   {"country", Str(o.info.country)}};
  } else {
    j["origin"] = nullptr;
  }
  const Indicators& in = r.indicators;
  json ips = json::array();
  for (const auto& x : in.ips) {
    json e = {{"ip", x.ip}, {"sources", x.sources}, {"range", Str(x.range)}};
    e.update(Info(x.info));
    ips.push_back(e);
  }
  json domains = json::array();
  for (const auto& d : in.domains)
    domains.push_back({{"host", d.host}, {"registrable", Str(d.registrable)}, {"sources", d.sources}});
  json urls = json::array();
  for (const auto& u : in.urls)
    urls.push_back({{"url", u.url},
                    {"host", u.host},
                    {"registrable", Str(u.registrable)},
                    {"source", u.source},
                    {"display_text", Str(u.display_text)},
                    {"deobfuscated", u.deobfuscated},
                    {"flags", u.flags}});
  json emails = json::array();
  for (const auto& e : in.emails) emails.push_back({{"address", e.address}, {"sources", e.sources}});
  json phones = json::array();
  for (const auto& p : in.phones)
    phones.push_back({{"number", p.number},
                      {"e164", p.e164},
                      {"country", Str(p.country)},
                      {"raw", p.raw},
                      {"source", p.source}});
  json payments = json::array();
  for (const auto& p : in.payments) payments.push_back({{"type", p.type}, {"value", p.value}});
  json atts = json::array();
  for (const auto& a : in.attachments)
    atts.push_back({{"filename", Str(a.filename)},
                    {"declared_type", Str(a.declared_type)},
                    {"detected_type", Str(a.detected_type)},
                    {"size", a.size},
                    {"sha256", a.sha256},
                    {"flags", a.flags},
                    {"archive_entries", a.archive_entries}});
  j["indicators"] = {{"ips", ips},         {"domains", domains}, {"urls", urls},
                     {"emails", emails},   {"phones", phones},   {"payments", payments},
                     {"attachments", atts}};
  const Authentication& au = r.authentication;
  json results = json::array();
  for (const auto& x : au.results)
    results.push_back({{"authserv_id", x.authserv_id},
                       {"method", x.method},
                       {"result", x.result},
                       {"properties", x.properties}});
  json dkim = json::array();
  for (const auto& [d, s] : au.dkim_signatures) dkim.push_back({{"d", Str(d)}, {"s", Str(s)}});
  j["authentication"] = {{"spf", Str(au.spf)},
                         {"dkim", Str(au.dkim)},
                         {"dmarc", Str(au.dmarc)},
                         {"received_spf", Str(au.received_spf)},
                         {"results", results},
                         {"dkim_signatures", dkim},
                         {"arc", au.arc},
                         {"alignment",
                          {{"from_domain", Str(au.from_domain)},
                           {"return_path_domain", Str(au.return_path_domain)},
                           {"return_path_aligned", au.return_path_aligned},
                           {"dkim_aligned", au.dkim_aligned}}}};
  j["classification"] = {{"category", r.classification.category},
                         {"score", r.classification.score},
                         {"reasons", r.classification.reasons},
                         {"scores", r.classification.scores}};
  j["language"] = Str(r.language);
  json mh = json::array();
  for (uint32_t v : r.fingerprint.minhash) mh.push_back(v);
  j["fingerprint"] = {{"algorithm", "minhash-64x4w-lsh16x4"},
                      {"body_hash", r.fingerprint.body_hash},
                      {"subject_hash", r.fingerprint.subject_hash},
                      {"shingles", r.fingerprint.shingles},
                      {"minhash", mh},
                      {"bands", r.fingerprint.bands}};
  json defects = json::array();
  for (const auto& d : r.defects) defects.push_back({{"code", d.code}, {"detail", Str(d.detail)}});
  j["defects"] = defects;
  return j.dump(pretty ? 2 : -1, ' ', false, json::error_handler_t::replace);
}

}  // namespace lapis::analysis
