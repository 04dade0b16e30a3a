#include "mail/received.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip.h"
#include "common/strings.h"

namespace lapis::mail {
namespace {

constexpr size_t kNpos = std::string_view::npos;
constexpr size_t kMaxIpWordIndex = 1;  // in "(name [ip])" the address is word 0 or 1
constexpr size_t kMaxPortDigits = 5;
constexpr size_t kMaxDateTokens = 12;  // date tokens examined after the last ';'
constexpr size_t kMaxDayDigits = 3;    // "029" is seen in the wild
constexpr size_t kMinYearDigits = 2;
constexpr size_t kMaxYearDigits = 4;
constexpr int kMinYear = 1900;
constexpr int kMaxYear = 9999;
constexpr int kTwoDigitYearPivot = 50;  // RFC 5322 4.3: 00-49 are 20xx, 50-99 are 19xx
constexpr int kMaxZoneHours = 23;
constexpr int64_t kSecondsPerDay = 86400;

// Protocol keywords (RFC 3848, RFC 6531) that imply SMTP AUTH or TLS.
constexpr std::array<std::string_view, 8> kAuthProtocols = {
    "ESMTPA", "ESMTPSA", "LMTPA", "LMTPSA", "UTF8SMTPA", "UTF8SMTPSA", "UTF8LMTPA", "UTF8LMTPSA"};
constexpr std::array<std::string_view, 10> kTlsProtocols = {
    "ESMTPS",     "ESMTPSA",   "LMTPS",      "LMTPSA", "UTF8SMTPS",
    "UTF8SMTPSA", "UTF8LMTPS", "UTF8LMTPSA", "SMTPS",  "HTTPS"};
constexpr std::array<std::string_view, 4> kTlsMarkers = {"using TLS", "using SSL", "version=TLS",
                                                         "version=SSL"};
constexpr std::array<std::string_view, 3> kLocalMarkers = {"from userid", "invoked by",
                                                           "invoked for"};

struct NamedZone {
  std::string_view name;
  int minutes;
};
// Zones not listed here (and military letters) count as UTC, as RFC 5322 4.3 asks.
constexpr std::array<NamedZone, 36> kZones = {{
    {"UT", 0},     {"UTC", 0},     {"GMT", 0},     {"Z", 0},      {"WET", 0},    {"EST", -300},
    {"EDT", -240}, {"CST", -360},  {"CDT", -300},  {"MST", -420}, {"MDT", -360}, {"PST", -480},
    {"PDT", -420}, {"AKST", -540}, {"AKDT", -480}, {"HST", -600}, {"BST", 60},   {"WEST", 60},
    {"CET", 60},   {"CEST", 120},  {"MET", 60},    {"MEST", 120}, {"MEZ", 60},   {"MESZ", 120},
    {"EET", 120},  {"EEST", 180},  {"MSK", 180},   {"SGT", 480},  {"HKT", 480},  {"AWST", 480},
    {"JST", 540},  {"KST", 540},   {"ACST", 570},  {"AEST", 600}, {"AEDT", 660}, {"NZST", 720},
}};
constexpr std::array<std::string_view, 7> kWeekdays = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};
constexpr std::array<std::string_view, 12> kMonths = {
    "january", "february", "march",     "april",   "may",      "june",
    "july",    "august",   "september", "october", "november", "december"};

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!IsAsciiDigit(c)) return false;
  return true;
}

bool InSet(std::string_view word, const auto& set) {
  for (std::string_view s : set)
    if (EqualsIgnoreCase(word, s)) return true;
  return false;
}

// Copy of `in` with runs of control characters and spaces collapsed to one space and unmatched
// parentheses turned into spaces, so that every remaining '(' has a matching ')'.
std::string Normalize(std::string_view in) {
  std::string s;
  s.reserve(in.size());
  for (char c : in) {
    const auto u = static_cast<unsigned char>(c);
    const bool space = u <= 0x20 || u == 0x7f;
    if (!space) {
      s.push_back(c);
    } else if (s.empty() || s.back() != ' ') {
      s.push_back(' ');
    }
  }
  std::vector<size_t> open;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '(') {
      open.push_back(i);
    } else if (s[i] == ')') {
      if (open.empty()) {
        s[i] = ' ';
      } else {
        open.pop_back();
      }
    }
  }
  for (size_t i : open) s[i] = ' ';
  return s;
}

// Position of the last ';' outside comments, or kNpos.
size_t LastTopLevelSemicolon(std::string_view s) {
  size_t pos = kNpos;
  int depth = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '(') {
      ++depth;
    } else if (s[i] == ')') {
      if (depth > 0) --depth;
    } else if (s[i] == ';' && depth == 0) {
      pos = i;
    }
  }
  return pos;
}

// Index of the ')' closing the '(' at `open`, or s.size() when there is none.
size_t MatchingParen(std::string_view s, size_t open) {
  int depth = 0;
  for (size_t i = open; i < s.size(); ++i) {
    if (s[i] == '(') {
      ++depth;
    } else if (s[i] == ')' && --depth == 0) {
      return i;
    }
  }
  return s.size();
}

enum class TokenKind { kWord, kComment, kSemicolon };

struct Token {
  TokenKind kind;
  std::string_view text;  // the word, or the comment without its outer parentheses
};

std::vector<Token> Lex(std::string_view s) {
  std::vector<Token> tokens;
  size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == ' ' || c == ')') {
      ++i;
    } else if (c == ';') {
      tokens.push_back({TokenKind::kSemicolon, s.substr(i, 1)});
      ++i;
    } else if (c == '(') {
      const size_t close = MatchingParen(s, i);
      tokens.push_back({TokenKind::kComment, s.substr(i + 1, close - i - 1)});
      i = close + 1;
    } else {
      size_t j = i;
      while (j < s.size() && s[j] != ' ' && s[j] != '(' && s[j] != ')' && s[j] != ';') ++j;
      tokens.push_back({TokenKind::kWord, s.substr(i, j - i)});
      i = j;
    }
  }
  return tokens;
}

// Whitespace-separated words of `s`; views into `s`.
std::vector<std::string_view> Words(std::string_view s) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    size_t j = i;
    while (j < s.size() && s[j] != ' ') ++j;
    if (j > i) words.push_back(s.substr(i, j - i));
    i = j;
  }
  return words;
}

// The comment text with nested comments blanked out.
std::string OuterText(std::string_view comment) {
  std::string out(comment.size(), ' ');
  int depth = 0;
  for (size_t i = 0; i < comment.size(); ++i) {
    const char c = comment[i];
    if (c == '(') {
      ++depth;
    } else if (c == ')') {
      if (depth > 0) --depth;
    } else if (depth == 0) {
      out[i] = c;
    }
  }
  return out;
}

bool IsPort(std::string_view s) { return AllDigits(s) && s.size() <= kMaxPortDigits; }

// Address written "[addr]", "[addr]:port" or "[v4:port]". Sets *attempted when `w` has the
// bracket shape at all, valid or not.
std::optional<IpAddress> BracketIp(std::string_view w, bool* attempted) {
  if (w.empty() || w.front() != '[') return std::nullopt;
  *attempted = true;
  const size_t close = w.find(']');
  if (close == kNpos) return std::nullopt;
  const std::string_view inner = w.substr(1, close - 1);
  const std::string_view rest = w.substr(close + 1);
  if (!rest.empty() && (rest.front() != ':' || !IsPort(rest.substr(1)))) return std::nullopt;
  if (auto ip = IpAddress::Parse(inner)) return ip;
  const size_t colon = inner.find(':');
  if (colon != kNpos && inner.find(':', colon + 1) == kNpos && IsPort(inner.substr(colon + 1))) {
    return IpAddress::Parse(inner.substr(0, colon));
  }
  return std::nullopt;
}

// Unbracketed address such as qmail's "(1.2.3.4)", Exchange's "(2603:10a6::1)" or a webmail
// client's "from 1.2.3.4". Sets *attempted when `w` is shaped like an address.
std::optional<IpAddress> BareIp(std::string_view w, bool* attempted) {
  size_t dots = 0, colons = 0;
  bool only_v4_chars = true;
  for (char c : w) {
    if (c == '.') {
      ++dots;
    } else if (c == ':') {
      ++colons;
      only_v4_chars = false;
    } else if (!IsAsciiXDigit(c)) {
      return std::nullopt;
    } else if (!IsAsciiDigit(c)) {
      only_v4_chars = false;
    }
  }
  const bool v4_shape = only_v4_chars && dots > 0;
  const bool v6_shape = colons >= 2;
  if (!v4_shape && !v6_shape) return std::nullopt;
  *attempted = true;
  return IpAddress::Parse(w);
}

// Drops an ident or user prefix: "IDENT:root@host" -> "host", "user@[1.2.3.4]" -> "[1.2.3.4]".
std::string_view AfterAt(std::string_view w) {
  const size_t at = w.rfind('@');
  return at == kNpos ? w : w.substr(at + 1);
}

// `w` as a reverse-DNS name, or "" when it is not one ("unknown", an address, punctuation).
std::string NameOrEmpty(std::string_view w) {
  while (!w.empty() && w.back() == '.') w.remove_suffix(1);
  if (w.empty() || EqualsIgnoreCase(w, "unknown") || EqualsIgnoreCase(w, "unverified")) return "";
  for (char c : w) {
    const auto u = static_cast<unsigned char>(c);
    const bool ok = IsAsciiAlpha(c) || IsAsciiDigit(c) || c == '-' || c == '.' || c == '_' || u >= 0x80;
    if (!ok) return "";
  }
  if (IpAddress::Parse(w)) return "";
  return std::string(w);
}

// What one comment of the from clause says about the client.
struct FromComment {
  bool helo_keyword = false;  // "(HELO x)" / "(EHLO x)" (qmail, Yahoo, CommuniGate)
  bool helo_assign = false;   // Exim "helo=x"
  std::string helo;
  std::optional<IpAddress> ip;
  size_t ip_word = 0;        // 1 when a name precedes the address
  std::string name;          // that name, when it is a reverse-DNS name
  bool bad_address = false;  // address-shaped but not valid, e.g. "(unknown [])"
  std::string single_word;   // the comment is one plain word (Exim 3 "(helo) [ip]")
  bool uid = false;          // "(uid N)": local submission
};

FromComment AnalyzeFromComment(std::string_view comment) {
  FromComment fc;
  const std::string outer = OuterText(comment);
  const std::vector<std::string_view> words = Words(outer);
  if (words.empty()) return fc;
  if (EqualsIgnoreCase(words[0], "HELO") || EqualsIgnoreCase(words[0], "EHLO")) {
    fc.helo_keyword = true;
    const size_t start = static_cast<size_t>(words[0].data() - outer.data()) + words[0].size();
    fc.helo = std::string(Trim(std::string_view(outer).substr(start)));
    return fc;
  }
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string_view w = words[i];
    if (StartsWithIgnoreCase(w, "helo=") && !fc.helo_assign && !fc.helo_keyword) {
      fc.helo_assign = true;
      fc.helo = std::string(w.substr(5));
    } else if ((EqualsIgnoreCase(w, "HELO") || EqualsIgnoreCase(w, "EHLO")) &&
               i + 1 < words.size() && !fc.helo_assign && !fc.helo_keyword) {
      fc.helo_keyword = true;  // CommuniGate "(account user HELO x)"
      fc.helo = std::string(words[i + 1]);
    }
  }
  if (words.size() == 2 && EqualsIgnoreCase(words[0], "uid") && AllDigits(words[1])) {
    fc.uid = true;
    return fc;
  }
  for (size_t k = 0; k < words.size() && k <= kMaxIpWordIndex && !fc.ip; ++k) {
    const std::string_view w = words[k];
    if (w.find_first_of("<>=") != kNpos) continue;
    if (k == 1 && (words[0].find_first_of("=[<>") != kNpos || words[0].back() == ':')) break;
    std::string_view addr = AfterAt(w);
    std::string_view name = k == 1 ? AfterAt(words[0]) : std::string_view();
    const size_t bracket = addr.find('[');
    if (k == 0 && bracket != kNpos && bracket > 0) {  // "name[ip]" without a space
      name = addr.substr(0, bracket);
      addr = addr.substr(bracket);
    }
    bool attempted = false;
    std::optional<IpAddress> ip = BracketIp(addr, &attempted);
    if (!attempted && k == 0) ip = BareIp(addr, &attempted);
    if (ip) {
      fc.ip = ip;
      fc.ip_word = name.empty() ? 0 : 1;
      fc.name = NameOrEmpty(name);
    } else if (attempted) {
      fc.bad_address = true;
    }
  }
  if (words.size() == 1 && !fc.ip && !fc.bad_address && !fc.helo_assign) {
    fc.single_word = std::string(words[0]);
  }
  return fc;
}

// A word or comment of the from clause, in order.
struct FromItem {
  bool comment;
  std::string_view text;
};

// Fills helo, rdns, ip and the from-clause part of `local` from the items after "from".
// `http` is true when the protocol is HTTP or HTTPS (webmail), which has no HELO.
void AnalyzeFrom(const std::vector<FromItem>& items, bool exim, bool http, ReceivedHop* hop) {
  const bool has_w0 = !items.empty() && !items[0].comment;
  const std::string_view w0 = has_w0 ? items[0].text : std::string_view();

  std::optional<IpAddress> comment_ip, extra_ip, w0_ip;
  size_t extra_pos = kNpos, single_pos = kNpos;
  bool comment_ip_first = false, comment_ip_helo_assign = false;
  std::string comment_name, helo_value, single_word;
  bool helo_keyword = false, helo_assign = false, bad_address = false, uid = false;

  for (size_t i = 0; i < items.size(); ++i) {
    if (!items[i].comment) {
      bool attempted = false;
      std::optional<IpAddress> ip = BracketIp(items[i].text, &attempted);
      if (i == 0) {
        w0_ip = ip;
      } else if (ip && !extra_ip) {
        extra_ip = ip;
        extra_pos = i;
      } else if (attempted && !ip) {
        bad_address = true;
      }
      continue;
    }
    const FromComment fc = AnalyzeFromComment(items[i].text);
    if ((fc.helo_keyword || fc.helo_assign) && !helo_keyword && !helo_assign) {
      helo_value = fc.helo;
    }
    helo_keyword = helo_keyword || fc.helo_keyword;
    helo_assign = helo_assign || fc.helo_assign;
    bad_address = bad_address || fc.bad_address;
    uid = uid || fc.uid;
    if (fc.ip && !comment_ip) {
      comment_ip = fc.ip;
      comment_ip_first = fc.ip_word == 0;
      comment_ip_helo_assign = fc.helo_assign;
      comment_name = fc.name;
    }
    if (!fc.single_word.empty() && single_pos == kNpos) {
      single_pos = i;
      single_word = fc.single_word;
    }
  }

  // The receiver's record of the client: a comment first, then a bare "[ip]" word after the
  // first one (fetchmail, IMail "from helo [ip]"), then a leading "[ip]" (Exim, IMail, webmail)
  // unless the receiver wrote an unusable address elsewhere, which makes "[ip]" the HELO.
  // Last, webmail over HTTP/HTTPS (old Hotmail, SquirrelMail, AOL) writes its web client as an
  // unbracketed "from 192.0.2.1": HTTP has no HELO, so that word is the provider's record. Under
  // any other protocol an unbracketed leading address is HELO text and never fills `ip`.
  std::optional<IpAddress> ip;
  if (comment_ip) {
    ip = comment_ip;
  } else if (extra_ip) {
    ip = extra_ip;
  } else if (w0_ip && !bad_address) {
    ip = w0_ip;
  } else if (http && has_w0 && !bad_address) {
    bool attempted = false;
    ip = BareIp(w0, &attempted);
  }
  if (ip) hop->ip = ip->ToString();

  const bool exim3_helo = !comment_ip && extra_ip && single_pos < extra_pos;
  if (helo_keyword || helo_assign) {
    hop->helo = helo_value;
  } else if (exim3_helo) {
    hop->helo = single_word;
  } else {
    hop->helo = std::string(w0);
  }

  if (comment_ip && !comment_name.empty()) {
    hop->rdns = comment_name;  // Sendmail/Postfix "(rdns [ip])"
  } else if (comment_ip && comment_ip_first && (comment_ip_helo_assign || exim)) {
    hop->rdns = NameOrEmpty(w0);  // Exim "rdns ([ip] helo=x)"
  } else if (helo_keyword || exim3_helo) {
    hop->rdns = NameOrEmpty(w0);  // qmail "rdns (HELO x) (ip)", Exim 3 "rdns (helo) [ip]"
  }

  const bool userid = EqualsIgnoreCase(w0, "userid") && items.size() >= 2 && !items[1].comment &&
                      AllDigits(items[1].text);
  const bool pickup = EqualsIgnoreCase(w0, "mail") && items.size() >= 3 && !items[1].comment &&
                      !items[2].comment && EqualsIgnoreCase(items[1].text, "pickup") &&
                      EqualsIgnoreCase(items[2].text, "service");
  if (userid || pickup || uid) hop->local = true;
}

// True when `text` says the client authenticated ("authenticated", "Authenticated sender:",
// "AUTH: ..."), but not "not authenticated" or "unauthenticated".
bool MentionsAuthentication(std::string_view text) {
  const std::string_view trimmed = Trim(text);
  if (StartsWithIgnoreCase(trimmed, "auth:")) return true;
  constexpr std::string_view kWord = "authenticated";
  size_t pos = 0;
  while ((pos = FindIgnoreCase(text, kWord, pos)) != kNpos) {
    const size_t end = pos + kWord.size();
    const bool starts_word = pos == 0 || !IsAsciiAlpha(text[pos - 1]);
    const bool ends_word = end == text.size() || !IsAsciiAlpha(text[end]);
    const std::string_view before = Trim(text.substr(0, pos));
    const bool negated = EndsWithIgnoreCase(before, " not") || EqualsIgnoreCase(before, "not");
    if (starts_word && ends_word && !negated) return true;
    pos = end;
  }
  return false;
}

// Sets flags from a comment anywhere in the field; *exim when it names Exim.
void ScanComment(std::string_view comment, ReceivedHop* hop, bool* exim) {
  for (std::string_view m : kTlsMarkers)
    if (FindIgnoreCase(comment, m) != kNpos) hop->tls = true;
  for (std::string_view m : kLocalMarkers)
    if (FindIgnoreCase(comment, m) != kNpos) hop->local = true;
  if (MentionsAuthentication(comment)) hop->authenticated = true;
  if (StartsWithIgnoreCase(Trim(comment), "exim")) *exim = true;
}

// ---- Date ----

enum class DateTokenKind { kAlpha, kNumber, kTime, kZone };

struct DateToken {
  DateTokenKind kind;
  std::string_view text;
};

// Splits an RFC 5322 date into at most kMaxDateTokens tokens, skipping comments and punctuation.
size_t TokenizeDate(std::string_view s, std::array<DateToken, kMaxDateTokens>* out) {
  size_t n = 0, i = 0;
  int depth = 0;
  while (i < s.size() && n < out->size()) {
    const char c = s[i];
    if (c == '(') {
      ++depth;
      ++i;
    } else if (c == ')') {
      if (depth > 0) --depth;
      ++i;
    } else if (depth > 0) {
      ++i;
    } else if (IsAsciiAlpha(c)) {
      size_t j = i;
      while (j < s.size() && IsAsciiAlpha(s[j])) ++j;
      (*out)[n++] = {DateTokenKind::kAlpha, s.substr(i, j - i)};
      i = j;
    } else if (IsAsciiDigit(c)) {
      size_t j = i;
      bool time = false;
      while (j < s.size() && IsAsciiDigit(s[j])) ++j;
      while (j + 1 < s.size() && s[j] == ':' && IsAsciiDigit(s[j + 1])) {
        time = true;
        ++j;
        while (j < s.size() && IsAsciiDigit(s[j])) ++j;
      }
      (*out)[n++] = {time ? DateTokenKind::kTime : DateTokenKind::kNumber, s.substr(i, j - i)};
      i = j;
    } else if ((c == '+' || c == '-') && i + 1 < s.size() && IsAsciiDigit(s[i + 1])) {
      size_t j = i + 1;
      while (j < s.size() && (IsAsciiDigit(s[j]) || s[j] == ':')) ++j;
      (*out)[n++] = {DateTokenKind::kZone, s.substr(i, j - i)};
      i = j;
    } else {
      ++i;
    }
  }
  return n;
}

// Index (0-based) of the weekday or month whose full name starts with `w` (3+ letters), or -1.
int NameIndex(std::string_view w, const auto& names) {
  if (w.size() < 3) return -1;
  for (size_t i = 0; i < names.size(); ++i)
    if (StartsWithIgnoreCase(names[i], w)) return static_cast<int>(i);
  return -1;
}

std::optional<int> SmallNumber(std::string_view s, size_t min_digits, size_t max_digits) {
  if (s.size() < min_digits || s.size() > max_digits || !AllDigits(s)) return std::nullopt;
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int y, int m) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Days since 1970-01-01 of a proleptic Gregorian date (month 1-12).
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// "+hhmm", "-hmm", "+hh", "+hh:mm" as minutes east of UTC.
std::optional<int> NumericZone(std::string_view z) {
  const int sign = z.front() == '-' ? -1 : 1;
  std::string digits;
  for (char c : z.substr(1))
    if (c != ':') digits.push_back(c);
  std::optional<int> hours, minutes = 0;
  if (digits.size() <= 2) {
    hours = SmallNumber(digits, 1, 2);
  } else if (digits.size() <= 4) {
    hours = SmallNumber(std::string_view(digits).substr(0, digits.size() - 2), 1, 2);
    minutes = SmallNumber(std::string_view(digits).substr(digits.size() - 2), 2, 2);
  }
  if (!hours || !minutes || *hours > kMaxZoneHours || *minutes > 59) return std::nullopt;
  return sign * (*hours * 60 + *minutes);
}

// Parses "[Day,] DD Mon YYYY HH:MM[:SS] [zone]" and the common deviations: month before day,
// asctime order (time before year), 2- or 3-digit years, AM/PM, named or missing zone.
std::optional<int64_t> ParseDate(std::string_view s) {
  std::array<DateToken, kMaxDateTokens> t{};
  const size_t n = TokenizeDate(s, &t);
  size_t k = 0;
  auto is = [&](size_t i, DateTokenKind kind) { return i < n && t[i].kind == kind; };

  if (is(k, DateTokenKind::kAlpha) && NameIndex(t[k].text, kWeekdays) >= 0) ++k;
  int month = -1;
  std::optional<int> day;
  if (is(k, DateTokenKind::kNumber) && is(k + 1, DateTokenKind::kAlpha)) {
    day = SmallNumber(t[k].text, 1, kMaxDayDigits);
    month = NameIndex(t[k + 1].text, kMonths);
  } else if (is(k, DateTokenKind::kAlpha) && is(k + 1, DateTokenKind::kNumber)) {
    month = NameIndex(t[k].text, kMonths);
    day = SmallNumber(t[k + 1].text, 1, kMaxDayDigits);
  }
  if (!day || month < 0) return std::nullopt;
  k += 2;

  std::string_view year_text, time_text;
  if (is(k, DateTokenKind::kNumber) && is(k + 1, DateTokenKind::kTime)) {
    year_text = t[k].text;
    time_text = t[k + 1].text;
  } else if (is(k, DateTokenKind::kTime) && is(k + 1, DateTokenKind::kNumber)) {
    time_text = t[k].text;
    year_text = t[k + 1].text;
  } else {
    return std::nullopt;
  }
  k += 2;

  std::optional<int> year = SmallNumber(year_text, kMinYearDigits, kMaxYearDigits);
  if (!year) return std::nullopt;
  if (year_text.size() == 2) *year += *year < kTwoDigitYearPivot ? 2000 : 1900;
  if (year_text.size() == 3) *year += 1900;
  if (*year < kMinYear || *year > kMaxYear) return std::nullopt;
  const int m = month + 1;
  if (*day < 1 || *day > DaysInMonth(*year, m)) return std::nullopt;

  const std::vector<std::string_view> parts = Split(time_text, ':');
  if (parts.size() > 3) return std::nullopt;
  const std::optional<int> hour = SmallNumber(parts[0], 1, 2);
  const std::optional<int> minute = SmallNumber(parts[1], 2, 2);
  const std::optional<int> second = parts.size() == 3 ? SmallNumber(parts[2], 2, 2) : 0;
  if (!hour || !minute || !second || *hour > 23 || *minute > 59 || *second > 60) {
    return std::nullopt;
  }
  int h = *hour;
  if (is(k, DateTokenKind::kAlpha) &&
      (EqualsIgnoreCase(t[k].text, "AM") || EqualsIgnoreCase(t[k].text, "PM"))) {
    if (h < 1 || h > 12) return std::nullopt;
    h %= 12;
    if (EqualsIgnoreCase(t[k].text, "PM")) h += 12;
    ++k;
  }

  int zone = 0;
  if (is(k, DateTokenKind::kZone)) {
    const std::optional<int> z = NumericZone(t[k].text);
    if (!z) return std::nullopt;
    zone = *z;
  } else if (is(k, DateTokenKind::kAlpha)) {
    for (const NamedZone& z : kZones)
      if (EqualsIgnoreCase(t[k].text, z.name)) zone = z.minutes;
  }
  return DaysFromCivil(*year, m, *day) * kSecondsPerDay + h * 3600 + *minute * 60 + *second -
         int64_t{zone} * 60;
}

enum class Clause { kNone, kFrom, kBy, kVia, kWith, kId, kFor, kCount };

Clause ClauseOf(std::string_view w) {
  if (EqualsIgnoreCase(w, "from")) return Clause::kFrom;
  if (EqualsIgnoreCase(w, "by")) return Clause::kBy;
  if (EqualsIgnoreCase(w, "via")) return Clause::kVia;
  if (EqualsIgnoreCase(w, "with")) return Clause::kWith;
  if (EqualsIgnoreCase(w, "id")) return Clause::kId;
  if (EqualsIgnoreCase(w, "for")) return Clause::kFor;
  return Clause::kNone;
}

std::string_view StripTrailingComma(std::string_view w) {
  while (!w.empty() && w.back() == ',') w.remove_suffix(1);
  return w;
}

bool IsAlnumWord(std::string_view w) {
  if (w.empty()) return false;
  for (char c : w)
    if (!IsAsciiAlpha(c) && !IsAsciiDigit(c)) return false;
  return true;
}

// The receiving host's own address in the comment after "by host": "(10.1.2.3)", "([10.1.2.3])",
// "(2603:10b6::17)". "" when the comment holds anything else (software names, "Postfix").
std::string ByCommentIp(std::string_view comment) {
  std::string_view c = Trim(comment);
  if (!c.empty() && c.front() == '(') c.remove_prefix(1);
  if (!c.empty() && c.back() == ')') c.remove_suffix(1);
  c = Trim(c);
  if (c.size() > 2 && c.front() == '[' && c.back() == ']') c = c.substr(1, c.size() - 2);
  auto ip = IpAddress::Parse(c);
  return ip ? ip->ToString() : "";
}

}  // namespace

ReceivedHop ParseReceived(std::string_view value) {
  ReceivedHop hop;
  if (value.size() > kMaxReceivedLength) {
    value = value.substr(0, kMaxReceivedLength);
    hop.truncated = true;
  }
  const std::string text = Normalize(value);
  std::string_view head = text;
  const size_t semi = LastTopLevelSemicolon(head);
  if (semi != kNpos) {
    hop.time = ParseDate(head.substr(semi + 1));
    head = head.substr(0, semi);
  }

  std::array<bool, static_cast<size_t>(Clause::kCount)> seen{};
  Clause current = Clause::kNone;
  bool want_value = false, any_clause = false, exim = false;
  std::vector<FromItem> from_items;
  std::string_view via;
  for (const Token& tok : Lex(head)) {
    if (tok.kind == TokenKind::kSemicolon) {
      current = Clause::kNone;
      want_value = false;
      continue;
    }
    if (tok.kind == TokenKind::kComment) {
      ScanComment(tok.text, &hop, &exim);
      // Sendmail local submission: "(from user@localhost) by host ...".
      if (!any_clause && StartsWithIgnoreCase(Trim(tok.text), "from ")) hop.local = true;
      if (current == Clause::kFrom) {
        from_items.push_back({true, tok.text});
        want_value = false;
      } else if (current == Clause::kBy && !hop.by.empty() && hop.by_ip.empty()) {
        hop.by_ip = ByCommentIp(tok.text);  // Exchange: "by host (10.1.2.3)"
      }
      continue;
    }
    const Clause keyword = ClauseOf(tok.text);
    if (keyword != Clause::kNone) {
      // Smail writes "from a from [ip]": the second "from" continues the clause.
      if (keyword == Clause::kFrom && current == Clause::kFrom) continue;
      any_clause = true;
      bool& was_seen = seen[static_cast<size_t>(keyword)];
      current = was_seen ? Clause::kNone : keyword;  // a repeated clause is ignored
      want_value = !was_seen;
      was_seen = true;
      continue;
    }
    if (current == Clause::kFrom) {
      from_items.push_back({false, tok.text});
      continue;
    }
    if (!want_value) continue;
    want_value = false;
    const std::string_view w = StripTrailingComma(tok.text);
    switch (current) {
      case Clause::kBy:
        hop.by = std::string(w);
        break;
      case Clause::kWith:
        hop.protocol = std::string(w);
        break;
      case Clause::kVia:
        via = w;
        break;
      case Clause::kId:
        hop.id = std::string(w);
        break;
      case Clause::kFor: {
        std::string_view addr = w;
        if (!addr.empty() && addr.front() == '<') addr.remove_prefix(1);
        if (!addr.empty() && addr.back() == '>') addr.remove_suffix(1);
        hop.for_addr = std::string(addr);
        break;
      }
      default:
        break;
    }
  }

  // "via HTTP" (webmail) names the protocol when there is no "with".
  if (hop.protocol.empty() && IsAlnumWord(via)) hop.protocol = std::string(via);
  const bool http =
      EqualsIgnoreCase(hop.protocol, "HTTP") || EqualsIgnoreCase(hop.protocol, "HTTPS");

  const bool has_from = seen[static_cast<size_t>(Clause::kFrom)];
  hop.parsed = has_from || seen[static_cast<size_t>(Clause::kBy)];
  if (has_from) AnalyzeFrom(from_items, exim, http, &hop);

  if (InSet(hop.protocol, kAuthProtocols)) hop.authenticated = true;
  if (InSet(hop.protocol, kTlsProtocols)) hop.tls = true;
  if (EqualsIgnoreCase(hop.protocol, "local") || StartsWithIgnoreCase(hop.protocol, "local-")) {
    hop.local = true;  // Exim "local", "local-esmtp", ...
  }
  // A local submission has no network client and therefore no HELO name.
  if (hop.local && hop.ip.empty()) hop.helo.clear();
  return hop;
}

}  // namespace lapis::mail
