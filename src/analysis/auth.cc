#include "analysis/auth.h"

#include "common/strings.h"
#include "mail/domains.h"

namespace lapis::analysis {
namespace {

// Removes RFC 5322 comments (nested parentheses, quoted strings kept) with an explicit depth count.
std::string StripComments(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  int depth = 0;
  bool quoted = false;
  for (size_t i = 0; i < v.size(); ++i) {
    char c = v[i];
    if (quoted) {
      if (c == '\\' && i + 1 < v.size()) {
        out.push_back(v[++i]);
        continue;
      }
      if (c == '"') quoted = false;
      else out.push_back(c);
      continue;
    }
    if (depth == 0 && c == '"') {
      quoted = true;
      continue;
    }
    if (c == '(') {
      ++depth;
      continue;
    }
    if (c == ')' && depth > 0) {
      --depth;
      if (depth == 0) out.push_back(' ');
      continue;
    }
    if (depth == 0) out.push_back(c);
  }
  return out;
}

std::string DomainOf(std::string_view addr) {
  size_t at = addr.rfind('@');
  if (at == std::string_view::npos) return "";
  std::string host = mail::NormalizeHost(addr.substr(at + 1));
  std::string reg = mail::RegistrableDomain(host);
  return reg.empty() ? host : reg;
}

std::string TagValue(std::string_view sig, std::string_view tag) {
  // DKIM tag-list: "tag=value;" with folding whitespace anywhere.
  for (auto item : Split(sig, ';')) {
    item = Trim(item);
    size_t eq = item.find('=');
    if (eq == std::string_view::npos) continue;
    if (Trim(item.substr(0, eq)) == tag) {
      std::string v;
      for (char c : item.substr(eq + 1))
        if (c != ' ' && c != '\t') v.push_back(c);
      return ToLower(v);
    }
  }
  return "";
}

}  // namespace

std::vector<AuthResult> ParseAuthenticationResults(std::string_view value) {
  std::vector<AuthResult> out;
  std::string clean = StripComments(value);
  auto items = Split(clean, ';');
  if (items.empty()) return out;
  std::string authserv(Trim(items[0]));
  size_t first = 1;
  if (authserv.find('=') != std::string::npos) {
    // Some receivers (Exchange Online) omit the authserv-id: the first item is already a result.
    authserv.clear();
    first = 0;
  }
  size_t sp = authserv.find_first_of(" \t");
  if (sp != std::string::npos) authserv = authserv.substr(0, sp);  // drop the version
  for (size_t i = first; i < items.size() && out.size() < kMaxAuthResults; ++i) {
    std::string_view item = Trim(items[i]);
    if (item.empty()) continue;
    // method[/version]=result followed by "reason=..." and "ptype.property=value" pairs.
    std::vector<std::string_view> words;
    size_t p = 0;
    while (p < item.size()) {
      while (p < item.size() && (item[p] == ' ' || item[p] == '\t')) ++p;
      size_t s = p;
      while (p < item.size() && item[p] != ' ' && item[p] != '\t') ++p;
      if (p > s) words.push_back(item.substr(s, p - s));
    }
    // Re-join "a = b" written with spaces around '='.
    std::vector<std::string> kv;
    for (size_t w = 0; w < words.size(); ++w) {
      std::string cur(words[w]);
      while (w + 1 < words.size() && (cur.back() == '=' || words[w + 1].front() == '='))
        cur += std::string(words[++w]);
      kv.push_back(cur);
    }
    if (kv.empty()) continue;
    size_t eq = kv[0].find('=');
    if (eq == std::string::npos) {
      if (EqualsIgnoreCase(kv[0], "none")) continue;  // "authserv-id; none"
      continue;
    }
    AuthResult r;
    r.authserv_id = ToLower(authserv);
    r.method = ToLower(kv[0].substr(0, eq));
    size_t slash = r.method.find('/');
    if (slash != std::string::npos) r.method.resize(slash);
    r.result = ToLower(kv[0].substr(eq + 1));
    for (size_t k = 1; k < kv.size() && r.properties.size() < 16; ++k) {
      size_t e = kv[k].find('=');
      if (e == std::string::npos || e == 0) continue;
      r.properties[ToLower(kv[k].substr(0, e))] = SanitizeUtf8(kv[k].substr(e + 1, 512));
    }
    if (r.method.empty() || r.result.empty()) continue;
    out.push_back(std::move(r));
  }
  return out;
}

void AnalyzeAuthentication(const mail::Message& msg, const Headers& headers, Authentication* auth) {
  bool first_ar = true;
  for (const auto* h : msg.FindAll("Authentication-Results")) {
    auto results = ParseAuthenticationResults(h->value);
    for (auto& r : results) {
      if (first_ar) {  // the topmost header was added by the receiving system
        if (r.method == "spf" && auth->spf.empty()) auth->spf = r.result;
        if (r.method == "dkim" && (auth->dkim.empty() || r.result == "pass")) auth->dkim = r.result;
        if (r.method == "dmarc" && auth->dmarc.empty()) auth->dmarc = r.result;
      }
      if (auth->results.size() < kMaxAuthResults) auth->results.push_back(std::move(r));
    }
    if (!results.empty()) first_ar = false;
  }
  if (const auto* spf = msg.Find("Received-SPF")) {
    std::string_view v = Trim(spf->value);
    size_t end = v.find_first_of(" \t(;");
    auth->received_spf = ToLower(v.substr(0, end));
    if (auth->spf.empty()) auth->spf = auth->received_spf;
  }
  for (const auto* h : msg.FindAll("DKIM-Signature")) {
    if (auth->dkim_signatures.size() >= 16) break;
    auth->dkim_signatures.emplace_back(TagValue(h->value, "d"), TagValue(h->value, "s"));
  }
  auth->arc = msg.Find("ARC-Seal") != nullptr || msg.Find("ARC-Message-Signature") != nullptr;
  if (headers.from) auth->from_domain = DomainOf(headers.from->address);
  auth->return_path_domain = DomainOf(headers.return_path);
  auth->return_path_aligned =
      !auth->from_domain.empty() && auth->from_domain == auth->return_path_domain;
  for (const auto& [d, s] : auth->dkim_signatures) {
    std::string host = mail::NormalizeHost(d);
    std::string reg = mail::RegistrableDomain(host);
    if (!auth->from_domain.empty() && (reg.empty() ? host : reg) == auth->from_domain)
      auth->dkim_aligned = true;
  }
}

}  // namespace lapis::analysis
