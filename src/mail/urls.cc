#include "mail/urls.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <idn2.h>
#include <langinfo.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <unordered_set>

#include "common/ip.h"
#include "common/strings.h"

namespace lapis::mail {
namespace {

constexpr size_t kMaxHostLength = 253;
constexpr size_t kMaxLabelLength = 63;
constexpr size_t kMaxSchemeWord = 5;           // "https", "hxxps"
constexpr size_t kMaxUserinfoLookahead = 256;  // how far an '@' is sought after an odd host char
constexpr size_t kMaxIpv6LiteralLength = 63;
constexpr uint32_t kMaxPort = 65535;
constexpr size_t kMinWwwHostDots = 2;
constexpr size_t kSpacedDotWordLength = 5;  // " dot "  // "www.example.com", not "www.example"

struct CurluDeleter {
  void operator()(CURLU* h) const { curl_url_cleanup(h); }
};
using CurluPtr = std::unique_ptr<CURLU, CurluDeleter>;

struct CurlStr {
  char* p = nullptr;
  ~CurlStr() { curl_free(p); }
};

inline bool IsSlash(char c) { return c == '/' || c == '\\'; }
inline bool IsSentencePunct(char c) {
  return c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?';
}
inline bool IsUnreserved(unsigned char c) {
  return IsAsciiAlnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}
inline bool IsSubDelim(unsigned char c) { return c != 0 && std::strchr("!$&'()*+,;=", c); }
// Characters kept verbatim in path, query and fragment; everything else is percent-encoded.
inline bool IsUrlChar(unsigned char c) {
  return c > 0x20 && c < 0x7f && !std::strchr("\"<>\\^`{|}[]#", c);
}
inline bool IsUserinfoChar(unsigned char c) { return IsUnreserved(c) || IsSubDelim(c) || c == ':'; }
// A byte that can start or continue a host label (non-ASCII bytes are IDN candidates).
inline bool IsLabelChar(unsigned char c) { return IsAsciiAlnum(c) || c >= 0x80; }
inline bool IsHostChar(unsigned char c) {
  return IsAsciiAlnum(c) || c == '-' || c == '.' || c == '_' || c == '%' || c == ':';
}

int HexVal(unsigned char c) {
  if (IsAsciiDigit(c)) return c - '0';
  c |= 0x20;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool IsAscii(std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}

void AppendPct(unsigned char c, std::string* out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out->push_back('%');
  out->push_back(kHex[c >> 4]);
  out->push_back(kHex[c & 15]);
}

// Appends `in` with its percent-encoding made valid: escapes of unreserved characters are decoded,
// other escapes upper-cased, a stray '%' becomes "%25" and bytes failing `keep` are escaped.
template <typename Keep>
void AppendEncoded(std::string_view in, Keep keep, std::string* out) {
  for (size_t i = 0; i < in.size(); ++i) {
    const unsigned char c = in[i];
    if (c == '%') {
      if (i + 2 < in.size() && HexVal(in[i + 1]) >= 0 && HexVal(in[i + 2]) >= 0) {
        const unsigned char d =
            static_cast<unsigned char>(HexVal(in[i + 1]) * 16 + HexVal(in[i + 2]));
        if (IsUnreserved(d)) {
          out->push_back(static_cast<char>(d));
        } else {
          AppendPct(d, out);
        }
        i += 2;
      } else {
        AppendPct('%', out);
      }
    } else if (keep(c)) {
      out->push_back(static_cast<char>(c));
    } else {
      AppendPct(c, out);
    }
  }
}

// Decodes valid %XX escapes; anything else is copied.
std::string PercentDecode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size() && HexVal(in[i + 1]) >= 0 && HexVal(in[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexVal(in[i + 1]) * 16 + HexVal(in[i + 2])));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

// Drops trailing sentence punctuation and unbalanced closing ')' / ']'.
std::string_view TrimUrlTail(std::string_view s) {
  long paren = 0, bracket = 0;  // opens minus closes
  for (char c : s) {
    paren += (c == '(') - (c == ')');
    bracket += (c == '[') - (c == ']');
  }
  while (!s.empty()) {
    const char c = s.back();
    if (c == ')' && paren < 0) {
      ++paren;
    } else if (c == ']' && bracket < 0) {
      ++bracket;
    } else if (!IsSentencePunct(c)) {
      break;
    }
    s.remove_suffix(1);
  }
  return s;
}

uint32_t DefaultPort(std::string_view scheme) {
  if (scheme == "http") return 80;
  if (scheme == "https") return 443;
  return 21;  // ftp
}

// WHATWG "ends in a number": the last label is decimal digits or 0x-hex.
bool EndsInNumber(std::string_view host) {
  const size_t dot = host.rfind('.');
  std::string_view last = dot == std::string_view::npos ? host : host.substr(dot + 1);
  if (last.empty()) return false;
  if (last.size() >= 2 && last[0] == '0' && (last[1] | 0x20) == 'x') {
    for (char c : last.substr(2))
      if (HexVal(c) < 0) return false;
    return true;
  }
  for (char c : last)
    if (!IsAsciiDigit(c)) return false;
  return true;
}

// Parses the WHATWG IPv4 forms (decimal, 0x-hex and 0-octal parts, 1 to 4 of them) into dotted
// quad.
std::optional<std::string> ParseLooseIpv4(std::string_view host) {
  uint64_t parts[4];
  size_t count = 0;
  size_t start = 0;
  while (true) {
    size_t dot = host.find('.', start);
    std::string_view part =
        host.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (part.empty() || count == 4) return std::nullopt;
    int radix = 10;
    if (part.size() >= 2 && part[0] == '0' && (part[1] | 0x20) == 'x') {
      radix = 16;
      part.remove_prefix(2);
    } else if (part.size() >= 2 && part[0] == '0') {
      radix = 8;
      part.remove_prefix(1);
    }
    uint64_t value = 0;
    for (char c : part) {
      const int d = HexVal(c);
      if (d < 0 || d >= radix) return std::nullopt;
      value = value * radix + d;
      if (value > 0xFFFFFFFFull) return std::nullopt;
    }
    parts[count++] = value;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  for (size_t i = 0; i + 1 < count; ++i)
    if (parts[i] > 255) return std::nullopt;
  if (parts[count - 1] >= (1ull << (8 * (5 - count)))) return std::nullopt;
  uint32_t ip = static_cast<uint32_t>(parts[count - 1]);
  for (size_t i = 0; i + 1 < count; ++i) ip |= static_cast<uint32_t>(parts[i]) << (8 * (3 - i));
  IpAddress addr;
  for (int i = 0; i < 4; ++i) addr.bytes[i] = static_cast<uint8_t>(ip >> (24 - 8 * i));
  return addr.ToString();
}

// Canonical text of an IPv6 literal (without brackets); zone ids are refused.
std::optional<std::string> CanonicalIpv6(std::string_view literal) {
  if (literal.empty() || literal.size() > kMaxIpv6LiteralLength) return std::nullopt;
  char buf[kMaxIpv6LiteralLength + 1];
  std::memcpy(buf, literal.data(), literal.size());
  buf[literal.size()] = 0;
  in6_addr a6;
  if (inet_pton(AF_INET6, buf, &a6) != 1) return std::nullopt;
  char text[INET6_ADDRSTRLEN];
  if (!inet_ntop(AF_INET6, &a6, text, sizeof text)) return std::nullopt;
  return std::string(text);
}

// A lower-case ASCII DNS name with at least one dot and sane label lengths.
bool IsValidHostname(std::string_view host) {
  if (host.empty() || host.size() > kMaxHostLength || host.find('.') == std::string_view::npos)
    return false;
  size_t label = 0;
  for (char c : host) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    if (!(IsAsciiAlnum(c) || c == '-' || c == '_')) return false;
    if (++label > kMaxLabelLength) return false;
  }
  return label > 0;
}

// libcurl's CURLU_PUNYCODE reads the host in the locale's charset (idn2_lookup_ul), so it is only
// asked when that charset is UTF-8, which our text always is.
bool LocaleIsUtf8() {
  const char* codeset = nl_langinfo(CODESET);
  return codeset && (EqualsIgnoreCase(codeset, "UTF-8") || EqualsIgnoreCase(codeset, "utf8"));
}

// IDN host (UTF-8) to ASCII: libcurl's CURLU_PUNYCODE, else libidn2 on the UTF-8 text.
bool IdnToAscii(CURLU* h, const std::string& host, std::string* ascii) {
  if (!IsValidUtf8(host)) return false;
#ifdef CURLU_PUNYCODE
  if (LocaleIsUtf8()) {
    CurlStr p;
    if (curl_url_get(h, CURLUPART_HOST, &p.p, CURLU_PUNYCODE) == CURLUE_OK && p.p && IsAscii(p.p)) {
      *ascii = p.p;
      return true;
    }
  }
#else
  (void)h;
#endif
  for (int flags : {IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL, IDN2_NFC_INPUT | IDN2_TRANSITIONAL}) {
    char* out = nullptr;
    const int rc = idn2_to_ascii_8z(host.c_str(), &out, flags);
    if (rc == IDN2_OK && out) {
      *ascii = out;
      idn2_free(out);
      return true;
    }
    idn2_free(out);
  }
  return false;
}

// Turns a lower-case ASCII host into the reported one: loose IPv4 forms become a dotted quad,
// names are checked. One trailing dot is dropped.
bool FinishAsciiHost(std::string_view host, std::string* out) {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  if (EndsInNumber(host)) {
    auto ip = ParseLooseIpv4(host);
    if (!ip) return false;
    *out = std::move(*ip);
    return true;
  }
  if (!IsValidHostname(host)) return false;
  out->assign(host);
  return true;
}

bool IsSchemeSyntax(std::string_view s) {
  if (s.empty() || !IsAsciiAlpha(s[0])) return false;
  for (char c : s)
    if (!(IsAsciiAlnum(c) || c == '+' || c == '-' || c == '.')) return false;
  return true;
}

// The work behind NormalizeUrl on an already trimmed and length-limited string.
bool NormalizeTrimmed(std::string_view s, FoundUrl* r) {
  constexpr auto npos = std::string_view::npos;
  std::string scheme;
  size_t p = 0;
  const size_t colon = s.find(':');
  const size_t stop = s.find_first_of("/\\?#@");
  if (colon != npos && (stop == npos || colon < stop) && IsSchemeSyntax(s.substr(0, colon))) {
    const size_t next = colon + 1;
    if (next < s.size() && IsSlash(s[next])) {
      scheme = ToLower(s.substr(0, colon));
      if (scheme != "http" && scheme != "https" && scheme != "ftp") return false;
      p = next;
      while (p < s.size() && IsSlash(s[p])) ++p;
    } else if (!(next < s.size() && IsAsciiDigit(s[next]) && s.substr(0, colon).find('.') != npos)) {
      return false;  // "mailto:", "javascript:", "http:host" and the like
    }
  }
  const bool schemeless = scheme.empty();
  if (schemeless) {
    while (p < s.size() && IsSlash(s[p])) ++p;
    scheme = StartsWithIgnoreCase(s.substr(p), "ftp.") ? "ftp" : "http";
  }

  const std::string_view rest = s.substr(p);
  const size_t auth_end = rest.find_first_of("/\\?#");
  const std::string_view authority = rest.substr(0, auth_end);
  const std::string_view tail = auth_end == npos ? std::string_view() : rest.substr(auth_end);
  std::string_view userinfo;
  std::string_view hostport = authority;
  if (const size_t at = authority.rfind('@'); at != npos) {
    if (schemeless) return false;  // "user@example.com" is a mail address
    userinfo = authority.substr(0, at);
    hostport = authority.substr(at + 1);
  }

  std::string_view host_raw;
  std::string port_text;
  bool v6 = false;
  std::string_view port_raw;
  if (!hostport.empty() && hostport[0] == '[') {
    const size_t close = hostport.find(']');
    if (close == npos) return false;
    host_raw = hostport.substr(1, close - 1);
    const std::string_view after = hostport.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return false;
      port_raw = after.substr(1);
    }
    v6 = true;
  } else {
    const size_t pc = hostport.rfind(':');
    host_raw = hostport.substr(0, pc);
    if (pc != npos) port_raw = hostport.substr(pc + 1);
  }
  if (!port_raw.empty()) {
    const std::string port = PercentDecode(port_raw);  // seen in phishing: ":%38%37"
    uint32_t value = 0;
    for (char c : port) {
      if (!IsAsciiDigit(c)) return false;
      value = value * 10 + static_cast<uint32_t>(c - '0');
      if (value > kMaxPort) return false;
    }
    if (!port.empty() && value != DefaultPort(scheme)) port_text = std::to_string(value);
  }

  std::string host;      // as handed to libcurl: final, or UTF-8 still to be converted
  std::string host_out;  // final host
  bool idn = false;
  if (v6) {
    const auto canonical = CanonicalIpv6(host_raw);
    if (!canonical) return false;
    host = "[" + *canonical + "]";
    const auto ip = IpAddress::Parse(*canonical);
    if (!ip) return false;
    host_out = ip->ToString();  // an IPv4-mapped literal is reported as the IPv4 address
  } else {
    host = PercentDecode(host_raw);
    for (char& c : host) {
      const unsigned char u = c;
      if (u < 0x80 && !(IsAsciiAlnum(u) || u == '-' || u == '.' || u == '_')) return false;
      c = AsciiLower(c);
    }
    idn = !IsAscii(host);
    if (!idn) {
      if (!FinishAsciiHost(host, &host_out)) return false;
      host = host_out;
    }
  }

  std::string url = scheme + "://";
  if (!userinfo.empty()) {
    AppendEncoded(userinfo, IsUserinfoChar, &url);
    url.push_back('@');
  }
  url += host;
  if (!port_text.empty()) url += ":" + port_text;
  const size_t q = tail.find_first_of("?#");
  std::string path(tail.substr(0, q));
  std::replace(path.begin(), path.end(), '\\', '/');
  AppendEncoded(path, IsUrlChar, &url);
  if (q != npos) {
    const std::string_view qf = tail.substr(q);
    const size_t hash = qf.find('#');
    if (qf[0] == '?') {
      url.push_back('?');
      AppendEncoded(qf.substr(1, hash == npos ? npos : hash - 1), IsUrlChar, &url);
    }
    if (hash != npos) {
      url.push_back('#');
      AppendEncoded(qf.substr(hash + 1), IsUrlChar, &url);
    }
  }

  CurluPtr h(curl_url());
  if (!h) return false;
  if (curl_url_set(h.get(), CURLUPART_URL, url.c_str(), CURLU_URLENCODE) != CURLUE_OK) return false;
  if (idn) {
    std::string ascii;
    if (!IdnToAscii(h.get(), host, &ascii) || !FinishAsciiHost(ToLower(ascii), &host_out))
      return false;
    if (curl_url_set(h.get(), CURLUPART_HOST, host_out.c_str(), 0) != CURLUE_OK) return false;
  }
  CurlStr full;
  if (curl_url_get(h.get(), CURLUPART_URL, &full.p, CURLU_NO_DEFAULT_PORT) != CURLUE_OK || !full.p)
    return false;
  r->url = full.p;
  r->host = std::move(host_out);
  return true;
}

// ---- Extraction ----

constexpr std::array<bool, 256> kTrigger = [] {
  std::array<bool, 256> t{};
  t[':'] = t['w'] = t['W'] = true;
  return t;
}();

// Where a URL starts and how its scheme was written.
struct Start {
  size_t begin = 0;  // first byte as written
  size_t body = 0;   // first byte after the scheme separator (or of "www")
  std::string_view scheme;
  bool obfuscated = false;
  bool www = false;
};

char ClosingFor(char c) {
  switch (c) {
    case '[':
      return ']';
    case '(':
      return ')';
    case '{':
      return '}';
    default:
      return 0;
  }
}

// Matches http/https/ftp and the hxxp, h**p, hXXps forms; `word` is exactly the candidate.
bool MatchSchemeWord(std::string_view word, std::string_view* scheme, bool* obfuscated) {
  auto mid = [](char c) {
    c = AsciiLower(c);
    return c == 't' || c == 'x' || c == '*';
  };
  if (word.size() == 3) {
    if (!EqualsIgnoreCase(word, "ftp")) return false;
    *scheme = "ftp";
    *obfuscated = false;
    return true;
  }
  if (word.size() < 4 || AsciiLower(word[0]) != 'h' || !mid(word[1]) || !mid(word[2]) ||
      AsciiLower(word[3]) != 'p')
    return false;
  if (word.size() == 5 && AsciiLower(word[4]) != 's') return false;
  *scheme = word.size() == 5 ? "https" : "http";
  *obfuscated = AsciiLower(word[1]) != 't' || AsciiLower(word[2]) != 't';
  return true;
}

// "scheme://" ending in the ':' at `c`, with the colon optionally written "[:]", "(:)", "{:}" or
// "[://]"; nothing before `lo` is used.
bool MatchScheme(std::string_view text, size_t lo, size_t c, Start* st) {
  const size_t n = text.size();
  size_t tok_begin = c;
  size_t body = 0;
  bool obf = false;
  if (c > lo && c + 1 < n) {
    const char close = ClosingFor(text[c - 1]);
    if (close && text[c + 1] == close) {
      tok_begin = c - 1;
      obf = true;
      if (c + 3 < n && IsSlash(text[c + 2]) && IsSlash(text[c + 3])) body = c + 4;
    } else if (close && c + 3 < n && IsSlash(text[c + 1]) && IsSlash(text[c + 2]) &&
               text[c + 3] == close) {
      tok_begin = c - 1;
      obf = true;
      body = c + 4;
    }
  }
  if (!obf && c + 2 < n && IsSlash(text[c + 1]) && IsSlash(text[c + 2])) {
    body = c + 3;
    obf = text[c + 1] == '\\' || text[c + 2] == '\\';
  }
  if (body == 0) return false;

  size_t k = tok_begin;
  while (k > lo && tok_begin - k < kMaxSchemeWord && (IsAsciiAlpha(text[k - 1]) || text[k - 1] == '*'))
    --k;
  for (size_t len = kMaxSchemeWord; len >= 3; --len) {
    if (tok_begin - k < len) continue;
    const size_t begin = tok_begin - len;
    std::string_view scheme;
    bool word_obf = false;
    if (!MatchSchemeWord(text.substr(begin, len), &scheme, &word_obf)) continue;
    // Glued to a preceding word ("Clickhttp://") only for http; "sftp://" is not ftp.
    if (begin > 0 && IsAsciiAlnum(text[begin - 1]) && scheme == "ftp") return false;
    st->begin = begin;
    st->body = body;
    st->scheme = scheme;
    st->obfuscated = obf || word_obf;
    st->www = false;
    return true;
  }
  return false;
}

// "h t t p s : / /" (letters separated by single spaces) ending in the ':' at `c`.
bool MatchSpacedScheme(std::string_view text, size_t lo, size_t c, Start* st) {
  const size_t n = text.size();
  size_t k = c;
  if (k > lo && text[k - 1] == ' ') --k;
  char letters[kMaxSchemeWord];
  size_t count = 0;
  size_t first = k;
  while (count < kMaxSchemeWord && k > lo && IsAsciiAlpha(text[k - 1])) {
    letters[count++] = AsciiLower(text[k - 1]);
    first = --k;
    if (k >= lo + 2 && text[k - 1] == ' ' && IsAsciiAlpha(text[k - 2])) {
      --k;
    } else {
      break;
    }
  }
  // letters[0] is nearest the colon; "x h t t p :" reads one letter too many.
  std::string_view scheme;
  if (count == 5 && letters[4] == 'h' && letters[3] == 't' && letters[2] == 't' &&
      letters[1] == 'p' && letters[0] == 's') {
    scheme = "https";
  } else if (count >= 4 && letters[3] == 'h' && letters[2] == 't' && letters[1] == 't' &&
             letters[0] == 'p') {
    scheme = "http";
    if (count == 5) first += 2;  // skip the extra letter and its space
  } else {
    return false;
  }
  if (first > 0 && IsAsciiAlnum(text[first - 1])) return false;
  size_t j = c + 1;
  auto skip_space = [&] {
    if (j < n && text[j] == ' ') ++j;
  };
  skip_space();
  if (j >= n || text[j] != '/') return false;
  ++j;
  skip_space();
  if (j >= n || text[j] != '/') return false;
  ++j;
  skip_space();
  if (j >= n || !IsAsciiAlnum(text[j])) return false;
  st->begin = first;
  st->body = j;
  st->scheme = scheme;
  st->obfuscated = true;
  st->www = false;
  return true;
}

// Length of a written dot at `j`: '.', "[.]", "(.)", "{.}", "[dot]", "(dot)", "{dot}" and, when
// `spaced`, " dot ", " . " and " .". 0 if none. *obf is set for anything but a plain '.'.
size_t DotFormAt(std::string_view text, size_t j, bool spaced, bool* obf) {
  const size_t n = text.size();
  if (j >= n) return 0;
  const char c = text[j];
  *obf = true;
  if (c == '.') {
    *obf = false;
    return 1;
  }
  if (const char close = ClosingFor(c)) {
    if (j + 2 < n && text[j + 1] == '.' && text[j + 2] == close) return 3;
    if (j + 4 < n && EqualsIgnoreCase(text.substr(j + 1, 3), "dot") && text[j + 4] == close)
      return 5;
    return 0;
  }
  if (c == ' ' && spaced) {
    if (j + 4 < n && EqualsIgnoreCase(text.substr(j + 1, 3), "dot") && text[j + 4] == ' ')
      return kSpacedDotWordLength;
    if (j + 1 < n && text[j + 1] == '.') return (j + 2 < n && text[j + 2] == ' ') ? 3 : 2;
  }
  return 0;
}

// Characters after which a schemeless "www" may start: not part of a word, address or path.
bool WwwMayFollow(unsigned char prev) {
  return !(IsAsciiAlnum(prev) || (prev != 0 && std::strchr(".@-_/\\%=&+~#$", prev)));
}

bool MatchWww(std::string_view text, size_t i, Start* st) {
  const size_t n = text.size();
  if (i + 4 >= n || AsciiLower(text[i + 1]) != 'w' || AsciiLower(text[i + 2]) != 'w') return false;
  if (i > 0 && !WwwMayFollow(text[i - 1])) return false;
  bool obf = false;
  const size_t len = DotFormAt(text, i + 3, /*spaced=*/true, &obf);
  if (len == 0 || i + 3 + len >= n || !IsLabelChar(text[i + 3 + len])) return false;
  st->begin = i;
  st->body = i;
  st->scheme = "http";
  st->obfuscated = false;  // a written dot form is reported when collected
  st->www = true;
  return true;
}

enum class Utf8Kind { kOther, kTerminator, kInvisible, kIdeographicDot };

// Classifies the non-ASCII sequence at `j` and stores its length (1 for a stray byte).
Utf8Kind ClassifyUtf8(std::string_view text, size_t j, size_t* len) {
  const size_t n = text.size();
  const unsigned char b0 = text[j];
  const unsigned char b1 = j + 1 < n ? text[j + 1] : 0;
  const unsigned char b2 = j + 2 < n ? text[j + 2] : 0;
  *len = 1;
  if (b0 == 0xC2 && b1 >= 0x80 && b1 <= 0xBF) {
    *len = 2;
    if (b1 == 0xA0 || b1 == 0xAB || b1 == 0xBB) return Utf8Kind::kTerminator;  // NBSP, « »
    if (b1 == 0xAD) return Utf8Kind::kInvisible;                               // soft hyphen
    if (b1 < 0xA0) return Utf8Kind::kTerminator;                               // C1 controls
    return Utf8Kind::kOther;
  }
  if (b0 >= 0xE0 && b0 <= 0xEF && (b1 & 0xC0) == 0x80 && (b2 & 0xC0) == 0x80) {
    *len = 3;
    if (b0 == 0xE2 && b1 == 0x80) {
      if (b2 <= 0x8A || b2 == 0xA8 || b2 == 0xA9 || b2 == 0xAF) return Utf8Kind::kTerminator;
      if (b2 >= 0x8B && b2 <= 0x8D) return Utf8Kind::kInvisible;  // zero-width space/joiners
      if (b2 == 0x98 || b2 == 0x99 || b2 == 0x9C || b2 == 0x9D) return Utf8Kind::kTerminator;
    }
    if (b0 == 0xE2 && b1 == 0x81 && b2 == 0x9F) return Utf8Kind::kTerminator;
    if (b0 == 0xE2 && b1 == 0x81 && b2 == 0xA0) return Utf8Kind::kInvisible;  // word joiner
    if (b0 == 0xE3 && b1 == 0x80) {
      if (b2 == 0x82) return Utf8Kind::kIdeographicDot;
      if (b2 <= 0x81 || (b2 >= 0x88 && b2 <= 0x91)) return Utf8Kind::kTerminator;  // 、 brackets
    }
    if (b0 == 0xEF && b1 == 0xBB && b2 == 0xBF) return Utf8Kind::kInvisible;       // BOM
    if (b0 == 0xEF && b1 == 0xBC && b2 == 0x8E) return Utf8Kind::kIdeographicDot;  // ．
    if (b0 == 0xEF && b1 == 0xBD && b2 == 0xA1) return Utf8Kind::kIdeographicDot;  // ｡
    if (b0 == 0xEF && b1 == 0xBC && (b2 == 0x88 || b2 == 0x89)) return Utf8Kind::kTerminator;
    return Utf8Kind::kOther;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4 && (b1 & 0xC0) == 0x80 && (b2 & 0xC0) == 0x80 && j + 3 < n &&
      (static_cast<unsigned char>(text[j + 3]) & 0xC0) == 0x80) {
    *len = 4;
  }
  return Utf8Kind::kOther;
}

// Position of the '@' that makes the odd host character at `j` part of userinfo, or 0 if none
// follows within the authority.
size_t AtSignAhead(std::string_view text, size_t j) {
  const size_t end = std::min(text.size(), j + kMaxUserinfoLookahead);
  for (size_t k = j; k < end; ++k) {
    const unsigned char c = text[k];
    if (c == '@') return k;
    if (c <= 0x20 || c == 0x7f || std::strchr("/\\?#<>\"`", c)) return 0;
  }
  return 0;
}

struct Collected {
  std::string clean;  // scheme + "://" + the URL with written dots and invisibles undone
  size_t end = 0;     // one past the last byte of the URL as written
  bool deobfuscated = false;
  bool truncated = false;
  bool rejected = false;
};

// Reads the URL that starts at `st` up to its end (whitespace, quotes, angle brackets, an
// unbalanced closer, a character that cannot be in the host), then drops trailing sentence
// punctuation. Linear in the bytes read; at most kMaxUrlLength bytes are kept.
Collected Collect(std::string_view text, const Start& st) {
  const size_t n = text.size();
  Collected col;
  std::string& out = col.clean;
  out.reserve(64);
  out.append(st.scheme);
  out.append("://");
  const size_t prefix_len = out.size();
  const bool quoted = st.begin > 0 && text[st.begin - 1] == '\'';
  bool in_host = true;
  bool in_v6 = false;
  bool real_dot = false;   // the host part holds a '.' as written
  size_t userinfo_at = 0;  // an '@' known to end userinfo; odd characters before it are kept
  int paren = 0, bracket = 0, brace = 0;
  auto put = [&](std::string_view bytes) {
    if (col.truncated) return;
    if (out.size() + bytes.size() > kMaxUrlLength) {
      col.truncated = true;
      return;
    }
    out.append(bytes);
  };
  auto host_has_label = [&] { return out.size() > prefix_len && IsLabelChar(out.back()); };

  size_t j = st.body;
  while (j < n) {
    const unsigned char c = text[j];
    if (c >= 0x80) {
      size_t len = 1;
      const Utf8Kind kind = ClassifyUtf8(text, j, &len);
      if (kind == Utf8Kind::kTerminator) break;
      if (kind == Utf8Kind::kInvisible) {
        col.deobfuscated = true;
      } else if (kind == Utf8Kind::kIdeographicDot) {
        if (!in_host) break;
        put(".");
        col.deobfuscated = true;
      } else {
        put(text.substr(j, len));
      }
      j += len;
      continue;
    }
    if (c <= 0x20 || c == 0x7f) {
      // " dot " may follow any label; " . " only where no dot is written plainly, so that
      // "http://x.example . Next" stays a sentence.
      if (c == ' ' && in_host && !in_v6 && host_has_label()) {
        bool obf = false;
        const size_t len = DotFormAt(text, j, /*spaced=*/true, &obf);
        if (len && (len == kSpacedDotWordLength || !real_dot) && j + len < n &&
            IsLabelChar(text[j + len])) {
          put(".");
          col.deobfuscated = true;
          j += len;
          continue;
        }
      }
      break;
    }
    if (c == '<' || c == '>' || c == '"' || c == '`') break;
    if (c == '\'' && quoted) break;
    if (in_host) {
      if (in_v6) {
        if (c == ']') {
          in_v6 = false;
        } else if (!(HexVal(c) >= 0 || c == ':' || c == '.')) {
          break;
        }
        put(text.substr(j, 1));
        ++j;
        continue;
      }
      if (ClosingFor(c) && host_has_label()) {
        bool obf = false;
        const size_t len = DotFormAt(text, j, /*spaced=*/false, &obf);
        if (len && j + len < n && IsLabelChar(text[j + len])) {
          put(".");
          col.deobfuscated = true;
          j += len;
          continue;
        }
      }
      if (IsHostChar(c)) {
        real_dot = real_dot || c == '.';
        put(text.substr(j, 1));
        ++j;
        continue;
      }
      if (c == '@') {
        if (st.www) {  // "www.name@example.com" is a mail address
          col.rejected = true;
          break;
        }
        real_dot = false;
        put("@");
        ++j;
        continue;
      }
      if (c == '/' || c == '\\' || c == '?' || c == '#') {
        in_host = false;
      } else if (!st.www && (j < userinfo_at || (userinfo_at = AtSignAhead(text, j)) != 0)) {
        put(text.substr(j, 1));  // userinfo such as "[an_15]@"
        ++j;
        continue;
      } else if (c == '[' && (out.size() == prefix_len || out.back() == '@')) {
        in_v6 = true;
        put("[");
        ++j;
        continue;
      } else {
        break;
      }
    }
    if (c == '(') {
      ++paren;
    } else if (c == ')') {
      if (paren == 0) break;
      --paren;
    } else if (c == '[') {
      ++bracket;
    } else if (c == ']') {
      if (bracket == 0) break;
      --bracket;
    } else if (c == '{') {
      ++brace;
    } else if (c == '}') {
      if (brace == 0) break;
      --brace;
    }
    put(text.substr(j, 1));
    ++j;
  }
  col.end = j;
  if (!col.truncated) {
    while (col.end > st.body && IsSentencePunct(text[col.end - 1]) && out.size() > prefix_len &&
           out.back() == text[col.end - 1]) {
      --col.end;
      out.pop_back();
    }
  }
  return col;
}

size_t CountDots(std::string_view s) {
  return static_cast<size_t>(std::count(s.begin(), s.end(), '.'));
}

}  // namespace

bool NormalizeUrl(std::string_view in, FoundUrl* out) {
  FoundUrl r;
  std::string_view s = Trim(in);
  if (s.size() > kMaxUrlLength) {
    s = s.substr(0, kMaxUrlLength);
    r.truncated = true;
  }
  s = TrimUrlTail(s);
  if (s.empty() || !NormalizeTrimmed(s, &r)) return false;
  r.original.assign(s);
  *out = std::move(r);
  return true;
}

std::vector<FoundUrl> ExtractUrls(std::string_view text, size_t max, bool* hit_limit) {
  if (hit_limit) *hit_limit = false;
  std::vector<FoundUrl> found;
  std::unordered_set<std::string> seen;
  const size_t n = text.size();
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  size_t lo = 0;  // end of the previous URL; scheme look-back stops here
  size_t i = 0;
  while (true) {
    while (i < n && !kTrigger[bytes[i]]) ++i;
    if (i >= n) break;
    Start st;
    const bool matched =
        text[i] == ':' ? (MatchScheme(text, lo, i, &st) || MatchSpacedScheme(text, lo, i, &st))
                       : MatchWww(text, i, &st);
    if (!matched) {
      ++i;
      continue;
    }
    Collected col = Collect(text, st);
    i = std::max(col.end, i + 1);
    lo = i;
    if (col.rejected) continue;
    FoundUrl url;
    if (!NormalizeUrl(col.clean, &url)) continue;
    if (st.www && CountDots(url.host) < kMinWwwHostDots) continue;
    if (seen.count(url.url)) continue;
    if (found.size() >= max) {
      if (hit_limit) *hit_limit = true;
      break;
    }
    url.original.assign(text.substr(st.begin, std::min(col.end - st.begin, kMaxUrlLength)));
    url.deobfuscated = st.obfuscated || col.deobfuscated;
    url.truncated = url.truncated || col.truncated;
    seen.insert(url.url);
    found.push_back(std::move(url));
  }
  return found;
}

}  // namespace lapis::mail
