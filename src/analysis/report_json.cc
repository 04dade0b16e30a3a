#include "analysis/report_json.h"

#include "common/json_writer.h"
#include "common/strings.h"

namespace lapis::analysis {
namespace {

void StrField(JsonWriter& w, const char* k, const std::string& v) { w.Key(k).StringOrNull(v); }

void MailboxJson(JsonWriter& w, const Mailbox& m) {
  w.BeginObject();
  StrField(w, "name", m.name);
  StrField(w, "address", m.address);
  w.EndObject();
}

void Mailboxes(JsonWriter& w, const char* k, const std::vector<Mailbox>& v) {
  w.Key(k).BeginArray();
  for (const auto& m : v) MailboxJson(w, m);
  w.EndArray();
}

void Time(JsonWriter& w, const char* k, const std::optional<int64_t>& t) {
  w.Key(k);
  std::string s = t ? FormatRfc3339(*t) : "";
  if (!s.empty()) w.String(s);
  else w.Null();
}

void Strings(JsonWriter& w, const char* k, const std::vector<std::string>& v) {
  w.Key(k).BeginArray();
  for (const auto& s : v) w.String(s);
  w.EndArray();
}

void Info(JsonWriter& w, const IpInfo& i) {
  w.Key("asn");
  if (i.asn) w.Uint(i.asn);
  else w.Null();
  StrField(w, "as_org", i.as_org);
  StrField(w, "country", i.country);
}

void WrapperJson(JsonWriter& w, const Report& r) {
  const Wrapper& x = *r.wrapper;
  w.Key("wrapper").BeginObject();
  w.Key("type").String(x.type);
  StrField(w, "inner_sha256", r.inner_sha256);
  StrField(w, "outer_from", x.outer_from);
  StrField(w, "outer_subject", x.outer_subject);
  Time(w, "outer_date", x.outer_date);
  if (x.type == "arf") {
    StrField(w, "feedback_type", x.feedback_type);
    StrField(w, "user_agent", x.user_agent);
    StrField(w, "version", x.version);
    StrField(w, "source_ip", x.source_ip);
    StrField(w, "arrival_date", x.arrival_date);
    StrField(w, "original_mail_from", x.original_mail_from);
    Strings(w, "original_rcpt_to", x.original_rcpt_to);
    StrField(w, "reported_domain", x.reported_domain);
    StrField(w, "reported_uri", x.reported_uri);
    StrField(w, "incidents", x.incidents);
    w.Key("headers_only").Bool(x.headers_only);
  }
  w.EndObject();
}

void HeadersJson(JsonWriter& w, const Headers& h) {
  w.Key("headers").BeginObject();
  StrField(w, "subject", h.subject);
  w.Key("from");
  if (h.from) MailboxJson(w, *h.from);
  else w.Null();
  Mailboxes(w, "to", h.to);
  Mailboxes(w, "cc", h.cc);
  Mailboxes(w, "reply_to", h.reply_to);
  StrField(w, "return_path", h.return_path);
  Time(w, "date", h.date);
  StrField(w, "message_id", h.message_id);
  StrField(w, "mailer", h.mailer);
  Strings(w, "list_unsubscribe", h.list_unsubscribe);
  w.EndObject();
}

void ReceivedJson(JsonWriter& w, const std::vector<Hop>& hops) {
  w.Key("received").BeginArray();
  for (const auto& hop : hops) {
    w.BeginObject();
    StrField(w, "helo", hop.helo);
    StrField(w, "rdns", hop.rdns);
    StrField(w, "ip", hop.ip);
    StrField(w, "by", hop.by);
    StrField(w, "by_ip", hop.by_ip);
    StrField(w, "protocol", hop.protocol);
    StrField(w, "id", hop.id);
    StrField(w, "for", hop.for_addr);
    Time(w, "time", hop.time);
    w.Key("flags").BeginArray();
    if (hop.authenticated) w.String("authenticated");
    if (hop.tls) w.String("tls");
    if (hop.local) w.String("local");
    w.EndArray();
    w.Key("trusted").Bool(hop.trusted);
    w.Key("raw").String(hop.raw);
    w.EndObject();
  }
  w.EndArray();
}

void OriginJson(JsonWriter& w, const std::optional<Origin>& origin) {
  w.Key("origin");
  if (!origin) {
    w.Null();
    return;
  }
  const Origin& o = *origin;
  w.BeginObject();
  w.Key("ip").String(o.ip);
  w.Key("hop");
  if (o.hop >= 0) w.Int(o.hop);
  else w.Null();
  w.Key("kind").String(o.kind);
  w.Key("confidence").String(o.confidence);
  w.Key("reason").String(o.reason);
  StrField(w, "rdns", o.rdns);
  StrField(w, "helo", o.helo);
  StrField(w, "client_ip", o.client_ip);
  Info(w, o.info);
  w.EndObject();
}

void IndicatorsJson(JsonWriter& w, const Indicators& in) {
  w.Key("indicators").BeginObject();
  w.Key("ips").BeginArray();
  for (const auto& x : in.ips) {
    w.BeginObject();
    w.Key("ip").String(x.ip);
    Strings(w, "sources", x.sources);
    StrField(w, "range", x.range);
    Info(w, x.info);
    w.EndObject();
  }
  w.EndArray();
  w.Key("domains").BeginArray();
  for (const auto& d : in.domains) {
    w.BeginObject();
    w.Key("host").String(d.host);
    StrField(w, "registrable", d.registrable);
    Strings(w, "sources", d.sources);
    w.EndObject();
  }
  w.EndArray();
  w.Key("urls").BeginArray();
  for (const auto& u : in.urls) {
    w.BeginObject();
    w.Key("url").String(u.url);
    w.Key("host").String(u.host);
    StrField(w, "registrable", u.registrable);
    w.Key("source").String(u.source);
    StrField(w, "display_text", u.display_text);
    w.Key("deobfuscated").Bool(u.deobfuscated);
    Strings(w, "flags", u.flags);
    w.EndObject();
  }
  w.EndArray();
  w.Key("emails").BeginArray();
  for (const auto& e : in.emails) {
    w.BeginObject();
    w.Key("address").String(e.address);
    Strings(w, "sources", e.sources);
    w.EndObject();
  }
  w.EndArray();
  w.Key("phones").BeginArray();
  for (const auto& p : in.phones) {
    w.BeginObject();
    w.Key("number").String(p.number);
    w.Key("e164").Bool(p.e164);
    StrField(w, "country", p.country);
    w.Key("raw").String(p.raw);
    w.Key("source").String(p.source);
    w.EndObject();
  }
  w.EndArray();
  w.Key("payments").BeginArray();
  for (const auto& p : in.payments) {
    w.BeginObject();
    w.Key("type").String(p.type);
    w.Key("value").String(p.value);
    w.EndObject();
  }
  w.EndArray();
  w.Key("attachments").BeginArray();
  for (const auto& a : in.attachments) {
    w.BeginObject();
    StrField(w, "filename", a.filename);
    StrField(w, "declared_type", a.declared_type);
    StrField(w, "detected_type", a.detected_type);
    w.Key("size").Uint(a.size);
    w.Key("sha256").String(a.sha256);
    Strings(w, "flags", a.flags);
    Strings(w, "archive_entries", a.archive_entries);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

void AuthJson(JsonWriter& w, const Authentication& au) {
  w.Key("authentication").BeginObject();
  StrField(w, "spf", au.spf);
  StrField(w, "dkim", au.dkim);
  StrField(w, "dmarc", au.dmarc);
  StrField(w, "received_spf", au.received_spf);
  w.Key("results").BeginArray();
  for (const auto& x : au.results) {
    w.BeginObject();
    w.Key("authserv_id").String(x.authserv_id);
    w.Key("method").String(x.method);
    w.Key("result").String(x.result);
    w.Key("properties").BeginObject();
    for (const auto& [k, v] : x.properties) w.Key(k).String(v);
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();
  w.Key("dkim_signatures").BeginArray();
  for (const auto& [d, s] : au.dkim_signatures) {
    w.BeginObject();
    StrField(w, "d", d);
    StrField(w, "s", s);
    w.EndObject();
  }
  w.EndArray();
  w.Key("arc").Bool(au.arc);
  w.Key("alignment").BeginObject();
  StrField(w, "from_domain", au.from_domain);
  StrField(w, "return_path_domain", au.return_path_domain);
  w.Key("return_path_aligned").Bool(au.return_path_aligned);
  w.Key("dkim_aligned").Bool(au.dkim_aligned);
  w.EndObject();
  w.EndObject();
}

}  // namespace

std::string ReportToJson(const Report& r, bool pretty) {
  JsonWriter w(pretty);
  w.BeginObject();
  w.Key("schema_version").Int(kSchemaVersion);
  w.Key("kind").String(r.kind);
  w.Key("id").String(r.id);
  w.Key("size").Uint(r.size);
  w.Key("source").BeginObject();
  StrField(w, "path", r.source_path);
  w.Key("index");
  if (r.source_index >= 0) w.Int(r.source_index);
  else w.Null();
  w.EndObject();
  if (r.wrapper) WrapperJson(w, r);
  else w.Key("wrapper").Null();
  if (r.sms) {
    w.Key("sms").BeginObject();
    StrField(w, "sender", r.sms->sender);
    w.Key("sender_type").String(r.sms->sender_type);
    Time(w, "time", r.sms->time);
    StrField(w, "reporter_country", r.sms->reporter_country);
    StrField(w, "reporter_number", r.sms->reporter_number);
    w.EndObject();
    w.Key("headers").Null();
  } else {
    HeadersJson(w, r.headers);
  }
  ReceivedJson(w, r.received);
  OriginJson(w, r.origin);
  IndicatorsJson(w, r.indicators);
  AuthJson(w, r.authentication);
  w.Key("classification").BeginObject();
  w.Key("category").String(r.classification.category);
  w.Key("score").Double(r.classification.score);
  Strings(w, "reasons", r.classification.reasons);
  w.Key("scores").BeginObject();
  for (const auto& [k, v] : r.classification.scores) w.Key(k).Double(v);
  w.EndObject();
  w.EndObject();
  StrField(w, "language", r.language);
  w.Key("fingerprint").BeginObject();
  w.Key("algorithm").String("minhash-64x4w-lsh16x4");
  w.Key("body_hash").String(r.fingerprint.body_hash);
  w.Key("subject_hash").String(r.fingerprint.subject_hash);
  w.Key("shingles").Uint(r.fingerprint.shingles);
  w.Key("minhash").BeginArray();
  for (uint32_t v : r.fingerprint.minhash) w.Uint(v);
  w.EndArray();
  Strings(w, "bands", r.fingerprint.bands);
  w.EndObject();
  w.Key("defects").BeginArray();
  for (const auto& d : r.defects) {
    w.BeginObject();
    w.Key("code").String(d.code);
    StrField(w, "detail", d.detail);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return w.Take();
}

}  // namespace lapis::analysis
