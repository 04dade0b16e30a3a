#include "analysis/analyzer.h"

#include <nlohmann/json.hpp>

#include <set>

#include "analysis/attachments.h"
#include "analysis/auth.h"
#include "analysis/classify.h"
#include "analysis/fingerprint.h"
#include "analysis/indicators.h"
#include "analysis/language.h"
#include "common/ip.h"
#include "common/sha256.h"
#include "common/strings.h"
#include "mail/domains.h"
#include "mail/html.h"
#include "mail/received.h"
#include "mail/urls.h"

namespace lapis::analysis {
namespace {

constexpr size_t kMaxHops = 100;
constexpr size_t kMaxAttachments = 100;
constexpr size_t kMaxRawHop = 1000;
constexpr size_t kMaxSmsText = 4096;
constexpr size_t kLanguageSample = 1536;  // CLD2 is reliable on a few hundred bytes of text

// Headers in which a webmail or submission service records the client that used it. (X-Sender-IP
// and Exchange's OriginalClientIPAddress name the inbound connection instead; they are not here.)
const char* const kOriginatingHeaders[] = {"X-Originating-IP", "X-Yahoo-Post-IP", "X-AOL-IP",
                                           "X-Source-IP", "X-Apparently-From-IP"};

const char* const kShorteners[] = {"bit.ly", "tinyurl.com", "t.co", "goo.gl", "ow.ly", "is.gd",
                                   "buff.ly", "rebrand.ly", "cutt.ly", "shorturl.at", "tiny.cc",
                                   "rb.gy", "t.ly", "s.id", "shorte.st", "adf.ly", "bl.ink",
                                   "lnkd.in", "qrco.de", "urlz.fr", "v.gd", "x.co", "tr.im"};

void AddUnique(std::vector<std::string>* v, const std::string& s) {
  for (const auto& x : *v)
    if (x == s) return;
  v->push_back(s);
}

std::string StripAngles(std::string_view s) {
  s = Trim(s);
  if (!s.empty() && s.front() == '<') s.remove_prefix(1);
  size_t gt = s.find('>');
  if (gt != std::string_view::npos) s = s.substr(0, gt);
  return SanitizeUtf8(Trim(s));
}

// The addr-spec as written in a header GMime could not parse: the text in angle brackets, else
// the word holding '@'. Invalid bytes become U+FFFD.
std::optional<Mailbox> SalvageAddress(std::string_view raw) {
  std::string_view v = raw.substr(0, std::min<size_t>(raw.size(), 2048));
  std::string_view addr;
  size_t lt = v.rfind('<');
  if (lt != std::string_view::npos) {
    size_t gt = v.find('>', lt);
    if (gt != std::string_view::npos) addr = Trim(v.substr(lt + 1, gt - lt - 1));
  }
  if (addr.find('@') == std::string_view::npos) {
    addr = {};
    size_t at = v.find('@');
    if (at == std::string_view::npos) return std::nullopt;
    size_t b = v.find_last_of(" \t\"<(,;", at);
    b = b == std::string_view::npos ? 0 : b + 1;
    size_t e = v.find_first_of(" \t\">),;", at);
    addr = v.substr(b, (e == std::string_view::npos ? v.size() : e) - b);
  }
  if (addr.empty() || addr.find('@') == std::string_view::npos || addr.back() == '@') return std::nullopt;
  Mailbox m;
  m.address = SanitizeUtf8(addr);
  return m;
}

std::string DomainOfAddress(std::string_view addr) {
  size_t at = addr.rfind('@');
  if (at == std::string_view::npos) return "";
  return mail::NormalizeHost(addr.substr(at + 1));
}

class IndicatorBuilder {
 public:
  explicit IndicatorBuilder(Indicators* ind) : ind_(ind) {}

  void Domain(const std::string& host, const char* source) {
    if (host.empty()) return;
    if (IpAddress::Parse(host)) return;
    for (auto& d : ind_->domains) {
      if (d.host == host) {
        AddUnique(&d.sources, source);
        return;
      }
    }
    if (ind_->domains.size() >= 1000) return;
    DomainIndicator d;
    d.host = host;
    d.registrable = mail::RegistrableDomain(host);
    d.sources.push_back(source);
    ind_->domains.push_back(std::move(d));
  }

  void Email(const std::string& raw_addr, const char* source) {
    std::string addr = ToLower(Trim(raw_addr));
    if (addr.empty() || addr.find('@') == std::string::npos || addr.size() > 320) return;
    for (auto& e : ind_->emails) {
      if (e.address == addr) {
        AddUnique(&e.sources, source);
        Domain(DomainOfAddress(addr), source);
        return;
      }
    }
    if (ind_->emails.size() >= 500) return;
    ind_->emails.push_back({addr, {source}});
    Domain(DomainOfAddress(addr), source);
  }

  void Ip(const std::string& text, const char* source) {
    auto ip = IpAddress::Parse(text);
    if (!ip) return;
    std::string s = ip->ToString();
    for (auto& x : ind_->ips) {
      if (x.ip == s) {
        AddUnique(&x.sources, source);
        return;
      }
    }
    if (ind_->ips.size() >= 500) return;
    IpIndicator x;
    x.ip = s;
    x.sources.push_back(source);
    x.range = std::string(SpecialRange(*ip));
    ind_->ips.push_back(std::move(x));
  }

  // Returns false when the limit was reached.
  bool Url(const mail::FoundUrl& f, const char* source, const std::string& link_text) {
    for (auto& u : ind_->urls)
      if (u.url == f.url) return true;
    // Text written without a scheme ("www.x.y", defanged forms) is a URL only if its host ends in
    // a real public suffix.
    bool had_scheme = f.original.find("://") != std::string::npos || f.original.empty();
    if (!had_scheme && !IpAddress::Parse(f.host) && !mail::HasKnownSuffix(f.host)) return true;
    if (ind_->urls.size() >= kMaxUrlsPerMessage) return false;
    UrlIndicator u;
    u.url = f.url;
    u.host = f.host;
    u.source = source;
    u.deobfuscated = f.deobfuscated;
    auto ip = IpAddress::Parse(f.host);
    if (ip) {
      u.flags.push_back("ip-host");
      Ip(f.host, "url");
    } else {
      u.registrable = mail::RegistrableDomain(f.host);
      Domain(f.host, "url");
    }
    if (f.deobfuscated) u.flags.push_back("deobfuscated");
    if (f.truncated) u.flags.push_back("truncated");
    if (f.host.find("xn--") != std::string::npos) u.flags.push_back("punycode");
    size_t scheme_end = f.url.find("://");
    if (scheme_end != std::string::npos) {
      size_t auth_end = f.url.find_first_of("/?#", scheme_end + 3);
      std::string_view authority = std::string_view(f.url).substr(
          scheme_end + 3, auth_end == std::string::npos ? std::string::npos : auth_end - scheme_end - 3);
      if (authority.find('@') != std::string_view::npos) u.flags.push_back("userinfo");
      size_t colon = authority.rfind(':');
      if (colon != std::string_view::npos && authority.find(']') == std::string_view::npos &&
          colon + 1 < authority.size())
        u.flags.push_back("non-standard-port");
    }
    for (const char* s : kShorteners)
      if (f.host == s) u.flags.push_back("shortener");
    if (!link_text.empty()) CheckLinkText(link_text, &u);
    ind_->urls.push_back(std::move(u));
    return true;
  }

 private:
  // Flags a link whose visible text names another domain than the one it leads to.
  void CheckLinkText(const std::string& text, UrlIndicator* u) {
    std::string shown_host;
    auto found = mail::ExtractUrls(text, 1);
    if (!found.empty()) {
      shown_host = found[0].host;
    } else {
      std::string_view t = Trim(text);
      if (t.size() < 4 || t.size() > 255 || t.find(' ') != std::string_view::npos) return;
      while (!t.empty() && (t.back() == '/' || t.back() == '.')) t.remove_suffix(1);
      if (t.find('.') == std::string_view::npos || t.find('@') != std::string_view::npos) return;
      std::string h = mail::NormalizeHost(t);
      if (h.empty() || !mail::HasKnownSuffix(h)) return;
      shown_host = h;
    }
    std::string shown = mail::RegistrableDomain(shown_host);
    if (shown.empty()) shown = shown_host;
    std::string real = u->registrable.empty() ? u->host : u->registrable;
    if (!shown.empty() && !real.empty() && shown != real) {
      u->display_text = SanitizeUtf8(text.substr(0, 300));
      u->flags.push_back("text-mismatch");
    }
  }

  Indicators* ind_;
};

std::string FeedbackField(const std::vector<std::pair<std::string, std::string>>& fields,
                          std::string_view name) {
  for (const auto& [k, v] : fields)
    if (EqualsIgnoreCase(k, name)) return v;
  return "";
}

std::vector<std::pair<std::string, std::string>> ParseFieldBlock(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  for (auto line : Split(text, '\n')) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    if ((line[0] == ' ' || line[0] == '\t') && !out.empty()) {
      out.back().second += " " + std::string(Trim(line));
      continue;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) continue;
    out.emplace_back(std::string(Trim(line.substr(0, colon))), std::string(Trim(line.substr(colon + 1))));
    if (out.size() > 200) break;
  }
  return out;
}

bool IsForwardSubject(std::string_view s) {
  s = Trim(s);
  for (const char* p : {"fwd:", "fw:", "fwd ", "tr:", "wg:", "rv:", "enc:", "doorst:", "i:"})
    if (StartsWithIgnoreCase(s, p)) return true;
  return false;
}

bool HasInlineForwardMarker(std::string_view body) {
  for (const char* m : {"---------- forwarded message", "-----original message-----",
                        "begin forwarded message:", "-------- original message --------",
                        "----- forwarded message -----", "-------- message transféré --------",
                        "---------- mensaje reenviado", "-------- weitergeleitete nachricht"})
    if (FindIgnoreCase(body.substr(0, 64 * 1024), m) != std::string_view::npos) return true;
  return false;
}

}  // namespace

Analyzer::Analyzer(AnalyzerOptions options) : options_(std::move(options)) {}

Report Analyzer::AnalyzeEmail(std::string_view raw) const {
  return AnalyzeEmail(raw, Sha256Hex(raw), raw.size(), false);
}

struct Analyzer::Unfinished {
  std::string region;
  Report* report;
  mail::Message message;
};

namespace {

Report StartEmail(std::string_view raw, const std::string& id, uint64_t size, bool truncated) {
  Report r;
  r.kind = "email";
  r.id = id;
  r.size = size;
  if (truncated)
    r.defects.push_back({"message-too-large", "only the first " + std::to_string(raw.size()) +
                                                  " of " + std::to_string(size) + " bytes analysed"});
  if (raw.empty()) r.defects.push_back({"empty-message", "no bytes"});
  return r;
}

}  // namespace

Report Analyzer::AnalyzeEmail(std::string_view raw, const std::string& id, uint64_t size,
                              bool truncated) const {
  Report r = StartEmail(raw, id, size, truncated);
  AnalyzeMessage(raw, 0, &r);
  return r;
}

std::vector<Report> Analyzer::AnalyzeEmails(const std::vector<Email>& emails) const {
  std::vector<Report> reports;
  reports.reserve(emails.size());  // the unfinished point into it
  std::vector<Unfinished> unfinished;
  std::vector<mail::Message> parsed;  // all parsed first, one after the other, as the text stages
  parsed.reserve(emails.size());
  for (const auto& e : emails) parsed.push_back(mail::ParseMessage(e.raw));
  for (size_t i = 0; i < emails.size(); ++i) {
    const auto& e = emails[i];
    reports.push_back(StartEmail(e.raw, e.id, e.size, e.truncated));
    AnalyzeMessage(e.raw, 0, &reports.back(), &unfinished, &parsed[i]);
  }
  std::vector<TextJob> jobs;
  jobs.reserve(unfinished.size());
  for (const auto& u : unfinished) jobs.push_back({&u.region, u.report, &u.message});
  FinishTexts(jobs);
  return reports;
}

void Analyzer::AnalyzeMessage(std::string_view raw, int depth, Report* r, std::vector<Unfinished>* unfinished,
                              mail::Message* parsed) const {
  mail::Message msg = parsed ? std::move(*parsed) : mail::ParseMessage(raw);
  for (auto& d : msg.defects) r->defects.push_back(d);

  // Wrappers: an ARF feedback report or a complaint that carries the spam as an attachment.
  if (options_.unwrap && depth < kMaxWrapperDepth) {
    const mail::Part* feedback = nullptr;
    for (const auto& p : msg.parts)
      if (p.content_type == "message/feedback-report") feedback = &p;
    bool arf = msg.top_content_type == "multipart/report" && msg.report_type == "feedback-report";
    bool attached = !arf && !msg.embedded.empty() && msg.report_type.empty() &&
                    (msg.top_content_type == "multipart/mixed" ||
                     msg.top_content_type == "message/rfc822");
    if (arf || (feedback && (!msg.embedded.empty() || !msg.embedded_headers_only.empty())) || attached) {
      Wrapper w;
      w.type = (arf || feedback) ? "arf" : "attached-message";
      if (const auto* h = msg.Find("From")) {
        auto mbs = mail::ParseAddressList(h->value);
        if (!mbs.empty()) w.outer_from = mbs[0].address;
      }
      std::string outer_charset;
      for (const auto& p : msg.parts)
        if (!p.charset.empty()) {
          outer_charset = p.charset;
          break;
        }
      if (const auto* h = msg.Find("Subject")) w.outer_subject = mail::DecodeHeaderText(h->value, outer_charset);
      if (const auto* h = msg.Find("Date")) w.outer_date = mail::ParseDate(h->value);
      if (feedback) {
        auto fields = ParseFieldBlock(feedback->text);
        w.feedback_type = ToLower(FeedbackField(fields, "Feedback-Type"));
        w.user_agent = FeedbackField(fields, "User-Agent");
        w.version = FeedbackField(fields, "Version");
        w.source_ip = FeedbackField(fields, "Source-IP");
        w.arrival_date = FeedbackField(fields, "Arrival-Date");
        if (w.arrival_date.empty()) w.arrival_date = FeedbackField(fields, "Received-Date");
        w.original_mail_from = StripAngles(FeedbackField(fields, "Original-Mail-From"));
        w.reported_domain = FeedbackField(fields, "Reported-Domain");
        w.reported_uri = FeedbackField(fields, "Reported-URI");
        w.incidents = FeedbackField(fields, "Incidents");
        for (const auto& [k, v] : fields)
          if (EqualsIgnoreCase(k, "Original-Rcpt-To")) w.original_rcpt_to.push_back(StripAngles(v));
        if (w.feedback_type.empty()) r->defects.push_back({"arf-missing-feedback-type", ""});
      }
      std::string inner;
      if (!msg.embedded.empty()) {
        inner = msg.embedded.front();
      } else if (!msg.embedded_headers_only.empty()) {
        inner = msg.embedded_headers_only.front();
        w.headers_only = true;
        r->defects.push_back({"arf-headers-only", "the report carries only the original headers"});
      }
      if (!inner.empty()) {
        if (!r->wrapper) {
          w.outer_sha256 = r->id;
          r->wrapper = std::move(w);
          r->inner_sha256 = Sha256Hex(inner);
        }
        AnalyzeMessage(inner, depth + 1, r);
        if (r->wrapper && !r->wrapper->source_ip.empty()) {
          IndicatorBuilder(&r->indicators).Ip(r->wrapper->source_ip, "arf");
          if (!r->origin) {
            auto ip = IpAddress::Parse(r->wrapper->source_ip);
            if (ip && IsPublic(*ip)) {
              Origin o;
              o.ip = ip->ToString();
              o.kind = "relay-client";
              o.confidence = "medium";
              o.reason = "Source-IP field of the ARF report from " +
                         (r->wrapper->user_agent.empty() ? std::string("the reporting provider")
                                                         : r->wrapper->user_agent);
              r->origin = o;
            }
          }
        }
        return;
      }
      r->defects.push_back({"wrapper-without-message", "report carries no original message"});
    }
  }

  // Headers.
  std::string fallback;
  for (const auto& p : msg.parts)
    if (!p.charset.empty()) {
      fallback = p.charset;
      break;
    }
  Headers& hd = r->headers;
  if (const auto* h = msg.Find("Subject")) hd.subject = mail::DecodeHeaderText(h->value, fallback);
  if (const auto* h = msg.Find("From")) {
    auto mbs = mail::ParseAddressList(h->value, fallback);
    std::optional<Mailbox> salvaged = SalvageAddress(h->value);
    if (!mbs.empty() && !mbs[0].address.empty() && mbs[0].address.find('@') != std::string::npos &&
        !(salvaged && salvaged->address.size() > mbs[0].address.size() &&
          salvaged->address.rfind(mbs[0].address, 0) == 0)) {
      hd.from = mbs[0];
    } else if (salvaged) {
      // The address is malformed (8-bit bytes, two '@'): keep what was written, split at the
      // last '@', rather than lose the sender.
      hd.from = salvaged;
      if (!mbs.empty() && hd.from->name.empty()) hd.from->name = mbs[0].name;
      r->defects.push_back({"malformed-from-address", hd.from->address});
    } else {
      r->defects.push_back({"unparseable-from", SanitizeUtf8(h->value.substr(0, 200))});
    }
    if (mbs.size() > 1) r->defects.push_back({"multiple-from-addresses", ""});
  } else {
    r->defects.push_back({"missing-from", ""});
  }
  for (const auto* h : msg.FindAll("To"))
    for (auto& m : mail::ParseAddressList(h->value, fallback))
      if (hd.to.size() < 200) hd.to.push_back(std::move(m));
  for (const auto* h : msg.FindAll("Cc"))
    for (auto& m : mail::ParseAddressList(h->value, fallback))
      if (hd.cc.size() < 200) hd.cc.push_back(std::move(m));
  if (const auto* h = msg.Find("Reply-To")) hd.reply_to = mail::ParseAddressList(h->value, fallback);
  if (const auto* h = msg.Find("Return-Path")) hd.return_path = StripAngles(h->value);
  if (const auto* h = msg.Find("Date")) {
    hd.date_raw = SanitizeUtf8(h->value.substr(0, 200));
    std::string repaired;
    hd.date = mail::ParseDate(h->value, &repaired);
    if (!hd.date) r->defects.push_back({"unparseable-date", hd.date_raw});
    else if (!repaired.empty()) r->defects.push_back({"malformed-date", repaired});
  } else {
    r->defects.push_back({"missing-date", ""});
  }
  if (const auto* h = msg.Find("Message-ID")) hd.message_id = StripAngles(h->value);
  if (const auto* h = msg.Find("X-Mailer")) hd.mailer = mail::DecodeHeaderText(h->value, fallback);
  else if (const auto* h2 = msg.Find("User-Agent")) hd.mailer = mail::DecodeHeaderText(h2->value, fallback);
  if (const auto* h = msg.Find("List-Unsubscribe")) {
    std::string_view v = h->value;
    size_t pos = 0;
    while ((pos = v.find('<', pos)) != std::string_view::npos && hd.list_unsubscribe.size() < 10) {
      size_t end = v.find('>', pos);
      if (end == std::string_view::npos) break;
      hd.list_unsubscribe.push_back(SanitizeUtf8(Trim(v.substr(pos + 1, end - pos - 1))));
      pos = end + 1;
    }
  }

  // Received chain and origin.
  auto received = msg.FindAll("Received");
  if (received.size() > kMaxHops) {
    r->defects.push_back({"too-many-received", std::to_string(received.size()) + " hops; first " +
                                                   std::to_string(kMaxHops) + " kept"});
    received.resize(kMaxHops);
  }
  for (const auto* h : received) {
    mail::ReceivedHop p = mail::ParseReceived(h->value);
    Hop hop;
    hop.helo = SanitizeUtf8(p.helo);
    hop.rdns = SanitizeUtf8(p.rdns);
    hop.ip = p.ip;
    hop.by = SanitizeUtf8(p.by);
    hop.by_ip = p.by_ip;
    hop.protocol = SanitizeUtf8(p.protocol);
    hop.id = SanitizeUtf8(p.id);
    hop.for_addr = SanitizeUtf8(p.for_addr);
    hop.time = p.time;
    hop.authenticated = p.authenticated;
    hop.tls = p.tls;
    hop.local = p.local;
    hop.raw = SanitizeUtf8(std::string_view(h->value).substr(0, kMaxRawHop));
    // Stamps made only of a comment ("(qmail 123 invoked from network)") or a "via" clause are
    // legitimate forms that name no hosts; anything else unrecognised is a defect.
    std::string_view head = Trim(h->value);
    bool comment_only = !head.empty() && (head.front() == '(' || StartsWithIgnoreCase(head, "via "));
    if (!p.parsed && !comment_only) r->defects.push_back({"unparsed-received", hop.raw.substr(0, 200)});
    if (p.truncated)
      r->defects.push_back({"received-too-long", "parsed up to " + std::to_string(mail::kMaxReceivedLength) + " bytes"});
    r->received.push_back(std::move(hop));
  }
  std::vector<OriginatingHeader> originating;
  for (const char* name : kOriginatingHeaders) {
    if (const auto* h = msg.Find(name)) {
      std::string v(Trim(h->value));
      size_t comma = v.find(',');
      if (comma != std::string::npos) v = v.substr(0, comma);
      if (!v.empty() && v.front() == '[') v = v.substr(1, v.find(']') - 1);
      if (IpAddress::Parse(v)) originating.push_back({name, v});
    }
  }
  std::string why;
  r->origin = FindOrigin(r->received, originating, options_.trust, &why);

  IndicatorBuilder ib(&r->indicators);
  for (const auto& hop : r->received)
    if (!hop.ip.empty()) ib.Ip(hop.ip, "received");
  for (const auto& o : originating) ib.Ip(o.ip, "originating-header");

  // Body text and links.
  std::string plain, html_text;
  std::vector<mail::HtmlResult> html;
  for (const auto& p : msg.parts) {
    if (!p.inline_text) continue;
    if (p.content_type == "text/html") {
      html.push_back(mail::ParseHtml(p.text));
      const auto& h = html.back();
      if (h.hit_tag_limit) r->defects.push_back({"html-too-many-tags", std::to_string(mail::kMaxHtmlTags)});
      if (h.hit_size_limit) r->defects.push_back({"html-too-large", ""});
      if (h.hit_link_limit) r->defects.push_back({"html-too-many-links", ""});
      if (html_text.size() < kMaxBodyText) html_text += h.text + "\n";
      r->html_form |= h.has_form;
      r->html_password |= h.has_password_input;
      r->html_script |= h.has_script;
      r->html_hidden |= h.has_hidden_text;
      if (r->html_title.empty()) r->html_title = h.title;
    } else if (plain.size() < kMaxBodyText) {
      plain += p.text + "\n";
    }
  }
  size_t plain_chars = 0;
  for (char c : plain) plain_chars += !IsAsciiSpace(static_cast<unsigned char>(c));
  r->body_text = plain_chars >= 20 || html_text.empty() ? plain : html_text;
  if (r->body_text.size() > kMaxBodyText) r->body_text.resize(kMaxBodyText);
  r->body_text = SanitizeUtf8(r->body_text);

  bool url_limit = false;
  auto add_text_urls = [&](const std::string& text, const char* source) {
    bool hit = false;
    for (const auto& f : mail::ExtractUrls(text, kMaxUrlsPerMessage, &hit))
      if (!ib.Url(f, source, "")) url_limit = true;
    url_limit |= hit;
  };
  add_text_urls(plain, "text");
  for (const auto& h : html) {
    for (const auto& l : h.links) {
      std::string_view href = Trim(l.href);
      if (StartsWithIgnoreCase(href, "mailto:")) {
        std::string addr(href.substr(7));
        addr = addr.substr(0, addr.find('?'));
        ib.Email(addr, "body");
        continue;
      }
      if (StartsWithIgnoreCase(href, "tel:")) {
        PhoneIndicator p;
        if (ParsePhone(href.substr(4), options_.default_region, &p)) {
          p.source = "body";
          bool dup = false;
          for (const auto& x : r->indicators.phones) dup = dup || x.number == p.number;
          if (!dup) r->indicators.phones.push_back(p);
        }
        continue;
      }
      if (StartsWithIgnoreCase(href, "cid:") || StartsWithIgnoreCase(href, "#") ||
          StartsWithIgnoreCase(href, "javascript:") || StartsWithIgnoreCase(href, "data:"))
        continue;
      mail::FoundUrl f;
      if (!mail::NormalizeUrl(href, &f)) continue;
      const char* source = l.tag == "a" || l.tag == "area" ? "html"
                           : l.tag == "form"               ? "html-form"
                           : l.tag == "img" || l.tag == "background" ? "html-image"
                           : l.tag == "iframe"             ? "html-iframe"
                           : l.tag == "script"             ? "html-script"
                           : l.tag == "meta-refresh"       ? "html-refresh"
                                                           : "html-other";
      if (!ib.Url(f, source, l.tag == "a" ? l.text : "")) url_limit = true;
    }
    add_text_urls(h.text, "html-text");
  }
  if (url_limit)
    r->defects.push_back({"too-many-urls", "URLs beyond " + std::to_string(kMaxUrlsPerMessage) + " ignored"});

  // Attachments.
  for (const auto& p : msg.parts) {
    if (p.inline_text) continue;
    if (p.content_type.rfind("message/", 0) == 0 || p.content_type == "text/rfc822-headers" ||
        p.content_type == "application/pgp-signature" || p.content_type == "application/pkcs7-signature")
      continue;
    if (p.size == 0 && p.filename.empty()) continue;
    if (r->indicators.attachments.size() >= kMaxAttachments) {
      r->defects.push_back({"too-many-attachments", ""});
      break;
    }
    r->indicators.attachments.push_back(InspectAttachment(p));
  }

  // Addresses and domains from headers.
  if (hd.from) ib.Email(hd.from->address, "from");
  for (const auto& m : hd.reply_to) ib.Email(m.address, "reply-to");
  if (!hd.return_path.empty()) ib.Email(hd.return_path, "return-path");
  for (const auto& m : hd.to) ib.Email(m.address, "to");
  for (const auto& m : hd.cc) ib.Email(m.address, "cc");
  {
    size_t at = hd.message_id.rfind('@');
    if (at != std::string::npos) {
      std::string host = mail::NormalizeHost(hd.message_id.substr(at + 1));
      if (mail::HasKnownSuffix(host)) ib.Domain(host, "message-id");
    }
  }
  for (const auto& u : hd.list_unsubscribe) {
    if (StartsWithIgnoreCase(u, "mailto:")) {
      ib.Email(u.substr(7, u.find('?') == std::string::npos ? std::string::npos : u.find('?') - 7),
               "list-unsubscribe");
    } else {
      mail::FoundUrl f;
      if (mail::NormalizeUrl(u, &f)) ib.Domain(f.host, "list-unsubscribe");
    }
  }
  std::vector<std::string> body_emails;
  ExtractEmails(r->body_text, &body_emails);
  for (const auto& e : body_emails) ib.Email(e, "body");

  AnalyzeAuthentication(msg, hd, &r->authentication);
  for (const auto& [d, s] : r->authentication.dkim_signatures) ib.Domain(mail::NormalizeHost(d), "dkim");

  // Inline forwards lose the original headers: say so rather than guess.
  if (IsForwardSubject(hd.subject) && HasInlineForwardMarker(r->body_text))
    r->defects.push_back({"inline-forward",
                          "forwarded inline: the original headers are lost; headers, Received "
                          "chain and origin describe the forwarding message"});

  // Region for national phone numbers: configured, else the recipient's or sender's ccTLD.
  std::string region = options_.default_region;
  if (region.empty() && !hd.to.empty()) region = RegionForTld(DomainOfAddress(hd.to[0].address));
  if (region.empty() && hd.from) region = RegionForTld(DomainOfAddress(hd.from->address));
  if (unfinished && depth == 0) {  // a wrapper's own analysis goes on after its message's: not deferred
    unfinished->push_back({std::move(region), r, std::move(msg)});
    return;
  }
  FinishTexts({{&region, r, &msg}});
}

void Analyzer::FinishTexts(const std::vector<TextJob>& jobs) const {
  for (const auto& j : jobs) {
    Report* r = j.report;
    ExtractPhones(r->headers.subject, *j.region, "subject", &r->indicators.phones);
    ExtractPhones(r->body_text, *j.region, "body", &r->indicators.phones);
    ExtractPayments(r->headers.subject + "\n" + r->body_text, &r->indicators.payments);
  }
  for (const auto& j : jobs) {
    Report* r = j.report;
    LanguageGuess lg = DetectLanguage(r->headers.subject + "\n" + r->body_text.substr(0, kLanguageSample));
    r->language = lg.code;
    r->language_confidence = lg.confidence;
  }
  for (const auto& j : jobs) j.report->classification = Classify({j.report, j.message});
  for (const auto& j : jobs) {
    Report* r = j.report;
    r->fingerprint = ComputeFingerprint(r->body_text, r->headers.subject);
  }
}

Report Analyzer::AnalyzeSms(const SmsReport& sms) const {
  Report r;
  r.kind = "sms";
  r.id = Sha256Hex(CanonicalSmsJson(sms));
  r.size = sms.text.size();
  SmsInfo info;
  info.sender = SanitizeUtf8(Trim(sms.sender));
  info.time = sms.time;
  std::string_view rc = Trim(sms.reporter_country);
  if (rc.size() == 2 && isalpha(static_cast<unsigned char>(rc[0])) && isalpha(static_cast<unsigned char>(rc[1]))) {
    for (char c : rc) info.reporter_country.push_back(static_cast<char>(toupper(static_cast<unsigned char>(c))));
  } else if (!rc.empty()) {
    r.defects.push_back({"invalid-reporter-country", SanitizeUtf8(rc.substr(0, 40)) + " is not an ISO 3166 alpha-2 code"});
  }
  info.reporter_number = sms.reporter_number;
  std::string region = info.reporter_country;
  PhoneIndicator sender_phone;
  std::string digits;
  for (char c : info.sender)
    if (isdigit(static_cast<unsigned char>(c))) digits.push_back(c);
  bool only_phone_chars = !info.sender.empty();
  for (char c : info.sender)
    only_phone_chars = only_phone_chars && (isdigit(static_cast<unsigned char>(c)) || c == '+' ||
                                            c == ' ' || c == '-' || c == '(' || c == ')');
  if (info.sender.empty()) {
    info.sender_type = "unknown";
  } else if (only_phone_chars && digits.size() >= 3 && digits.size() <= 6) {
    info.sender_type = "shortcode";
  } else if (only_phone_chars && ParsePhone(info.sender, region, &sender_phone)) {
    info.sender_type = "phone";
    sender_phone.source = "sms-sender";
    r.indicators.phones.push_back(sender_phone);
  } else if (only_phone_chars) {
    info.sender_type = "phone";
    r.defects.push_back({"sms-sender-unparseable", "sender number could not be validated"});
  } else {
    info.sender_type = "alphanumeric";
  }
  r.sms = info;
  std::string text = SanitizeUtf8(sms.text.substr(0, kMaxSmsText));
  if (sms.text.size() > kMaxSmsText) r.defects.push_back({"sms-too-long", ""});
  r.body_text = text;
  IndicatorBuilder ib(&r.indicators);
  bool hit = false;
  for (const auto& f : mail::ExtractUrls(text, kMaxUrlsPerMessage, &hit)) ib.Url(f, "text", "");
  // SMS spam often names a bare domain ("visit win-prize.com") without scheme.
  for (auto word : Split(text, ' ')) {
    std::string_view w = Trim(word);
    while (!w.empty() && (w.back() == '.' || w.back() == ',' || w.back() == '!' || w.back() == ')'))
      w.remove_suffix(1);
    if (w.size() < 5 || w.find('.') == std::string_view::npos || w.find('@') != std::string_view::npos)
      continue;
    bool plausible = true;
    for (char c : w) plausible = plausible && (isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '/');
    if (!plausible || isdigit(static_cast<unsigned char>(w[0]))) continue;
    std::string host = mail::NormalizeHost(w.substr(0, w.find('/')));
    if (host.empty() || !mail::HasKnownSuffix(host) || mail::RegistrableDomain(host).empty()) continue;
    mail::FoundUrl f;
    if (mail::NormalizeUrl("http://" + std::string(w), &f)) {
      f.original = std::string(w);
      ib.Url(f, "text", "");
    }
  }
  std::vector<std::string> emails;
  ExtractEmails(text, &emails);
  for (const auto& e : emails) ib.Email(e, "body");
  FinishTexts({{&region, &r, nullptr}});
  return r;
}

std::string CanonicalSmsJson(const SmsReport& sms) {
  return nlohmann::json({{"sender", sms.sender},
                         {"text", sms.text},
                         {"time", sms.time ? FormatRfc3339(*sms.time) : ""},
                         {"reporter_country", sms.reporter_country},
                         {"reporter_number", sms.reporter_number}})
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool ParseSmsLine(std::string_view line, SmsReport* out, std::string* error) {
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
  if (Trim(line).empty()) {
    *error = "empty line";
    return false;
  }
  if (Trim(line).front() == '{') {
    auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) {
      *error = "invalid JSON";
      return false;
    }
    auto str = [&](const char* k) {
      auto it = j.find(k);
      return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    out->sender = str("sender");
    out->text = str("text");
    std::string t = str("time");
    if (t.empty()) t = str("received");
    if (!t.empty()) {
      out->time = mail::ParseDate(t);
      if (!out->time) {
        // RFC 3339 is the documented form; GMime's date parser does not read it.
        struct tm tm {};
        if (strptime(t.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) out->time = timegm(&tm);
      }
    }
    out->reporter_country = str("reporter_country");
    out->reporter_number = str("reporter_number");
  } else {
    auto fields = Split(line, '\t');
    if (fields.size() < 2) {
      *error = "expected sender<TAB>text";
      return false;
    }
    out->sender = std::string(Trim(fields[0]));
    out->text = std::string(fields[1]);
    if (fields.size() > 2 && !Trim(fields[2]).empty()) {
      std::string t(Trim(fields[2]));
      struct tm tm {};
      if (strptime(t.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) out->time = timegm(&tm);
      else out->time = mail::ParseDate(t);
    }
    if (fields.size() > 3) out->reporter_country = std::string(Trim(fields[3]));
  }
  if (out->text.empty()) {
    *error = "no text";
    return false;
  }
  return true;
}

}  // namespace lapis::analysis
