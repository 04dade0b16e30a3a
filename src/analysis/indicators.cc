#include "analysis/indicators.h"

#include <phonenumbers/logger.h>
#include <phonenumbers/phonenumbermatch.h>
#include <phonenumbers/phonenumbermatcher.h>
#include <phonenumbers/phonenumberutil.h>

#include <cstring>
#include <mutex>
#include <set>

#include "common/sha256.h"
#include "common/strings.h"
#include "mail/domains.h"

namespace lapis::analysis {
namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberMatch;
using i18n::phonenumbers::PhoneNumberMatcher;
using i18n::phonenumbers::PhoneNumberUtil;

constexpr int kPhoneMaxTries = 200;
constexpr size_t kPhoneWindowMargin = 24;  // bytes around a digit run given to the matcher
constexpr size_t kMaxPhoneWindows = 32;

PhoneNumberUtil* Phones() {
  static PhoneNumberUtil* util = [] {
    PhoneNumberUtil* u = PhoneNumberUtil::GetInstance();
    u->SetLogger(new i18n::phonenumbers::NullLogger());
    return u;
  }();
  return util;
}

bool IsLocalChar(char c) {
  return IsAsciiAlnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' || c == '+' ||
         c == '%' || c == '\'';
}
bool IsDomainChar(char c) {
  return IsAsciiAlnum(static_cast<unsigned char>(c)) || c == '.' || c == '-';
}

const std::string kBase58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

bool Base58Check(std::string_view s, size_t expected_len) {
  std::vector<uint8_t> bytes(expected_len, 0);
  for (char c : s) {
    size_t v = kBase58.find(c);
    if (v == std::string::npos) return false;
    uint32_t carry = static_cast<uint32_t>(v);
    for (size_t i = expected_len; i-- > 0;) {
      carry += 58u * bytes[i];
      bytes[i] = carry & 0xFF;
      carry >>= 8;
    }
    if (carry) return false;
  }
  std::string payload(reinterpret_cast<char*>(bytes.data()), expected_len - 4);
  std::string check = Sha256Raw(Sha256Raw(payload));
  return std::memcmp(check.data(), bytes.data() + expected_len - 4, 4) == 0;
}

uint32_t Bech32Polymod(const std::vector<uint8_t>& v) {
  static const uint32_t kGen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
  uint32_t chk = 1;
  for (uint8_t x : v) {
    uint8_t top = chk >> 25;
    chk = (chk & 0x1ffffff) << 5 ^ x;
    for (int i = 0; i < 5; ++i)
      if ((top >> i) & 1) chk ^= kGen[i];
  }
  return chk;
}

bool Bech32Valid(std::string_view s) {
  static const std::string kCharset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
  std::string lower = ToLower(s);
  size_t sep = lower.rfind('1');
  if (sep == std::string::npos || sep == 0 || sep + 7 > lower.size()) return false;
  std::vector<uint8_t> v;
  for (char c : lower.substr(0, sep)) v.push_back(static_cast<uint8_t>(c) >> 5);
  v.push_back(0);
  for (char c : lower.substr(0, sep)) v.push_back(static_cast<uint8_t>(c) & 31);
  for (char c : lower.substr(sep + 1)) {
    size_t d = kCharset.find(c);
    if (d == std::string::npos) return false;
    v.push_back(static_cast<uint8_t>(d));
  }
  uint32_t pm = Bech32Polymod(v);
  return pm == 1 || pm == 0x2bc830a3;  // bech32 or bech32m
}

void AddPayment(std::vector<PaymentIndicator>* out, const char* type, std::string value) {
  for (const auto& p : *out)
    if (p.value == value) return;
  if (out->size() < kMaxPaymentsPerText) out->push_back({type, std::move(value)});
}

}  // namespace

void ExtractEmails(std::string_view t, std::vector<std::string>* out) {
  size_t pos = 0;
  while ((pos = t.find('@', pos)) != std::string_view::npos && out->size() < kMaxEmailsPerText) {
    size_t b = pos;
    while (b > 0 && IsLocalChar(t[b - 1]) && pos - b < 64) --b;
    size_t e = pos + 1;
    while (e < t.size() && IsDomainChar(t[e]) && e - pos < 255) ++e;
    std::string_view local = t.substr(b, pos - b);
    std::string_view domain = t.substr(pos + 1, e - pos - 1);
    while (!domain.empty() && (domain.back() == '.' || domain.back() == '-')) domain.remove_suffix(1);
    while (!local.empty() && (local.front() == '.' || local.front() == '\'')) local.remove_prefix(1);
    pos = e > pos ? e : pos + 1;
    if (local.empty() || domain.find('.') == std::string_view::npos) continue;
    std::string host = mail::NormalizeHost(domain);
    if (host.empty() || !mail::HasKnownSuffix(host)) continue;
    std::string addr = ToLower(local) + "@" + host;
    bool dup = false;
    for (const auto& x : *out) dup = dup || x == addr;
    if (!dup) out->push_back(std::move(addr));
  }
}

bool ParsePhone(std::string_view text, std::string_view region, PhoneIndicator* out) {
  PhoneNumber n;
  std::string reg = region.empty() ? "ZZ" : std::string(region);
  if (Phones()->Parse(std::string(text), reg, &n) != PhoneNumberUtil::NO_PARSING_ERROR) return false;
  if (!Phones()->IsValidNumber(n)) return false;
  Phones()->Format(n, PhoneNumberUtil::E164, &out->number);
  Phones()->GetRegionCodeForNumber(n, &out->country);
  out->e164 = true;
  out->raw = std::string(text);
  return true;
}

void ExtractPhones(std::string_view text, std::string_view region, const std::string& source,
                   std::vector<PhoneIndicator>* out) {
  if (text.size() > kMaxPhoneScanBytes) text = text.substr(0, kMaxPhoneScanBytes);
  // The matcher is costly (ICU regular expressions): run it only on windows around runs of at
  // least seven digits, which every phone number has.
  std::vector<std::pair<size_t, size_t>> windows;
  int digits = 0;
  size_t run_start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    char c = i < text.size() ? text[i] : '\0';
    if (c >= '0' && c <= '9') {
      if (digits++ == 0) run_start = i;
      continue;
    }
    bool sep = c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '/' || c == '+';
    if (sep && digits > 0 && i + 1 < text.size()) continue;
    if (digits >= 7) {
      size_t b = run_start > kPhoneWindowMargin ? run_start - kPhoneWindowMargin : 0;
      size_t e = std::min(text.size(), i + kPhoneWindowMargin);
      if (!windows.empty() && b <= windows.back().second) windows.back().second = e;
      else if (windows.size() < kMaxPhoneWindows) windows.emplace_back(b, e);
    }
    digits = 0;
  }
  std::string reg = region.empty() ? "ZZ" : std::string(region);
  for (const auto& [b, e] : windows) {
    std::string_view win = text.substr(b, e - b);
    // Without a region only international numbers ("+44 ...") can be read.
    if (region.empty() && win.find('+') == std::string_view::npos) continue;
    std::string input = SanitizeUtf8(win);
    PhoneNumberMatcher matcher(*Phones(), input, reg, PhoneNumberMatcher::VALID, kPhoneMaxTries);
    while (matcher.HasNext() && out->size() < kMaxPhonesPerText) {
      PhoneNumberMatch m;
      if (!matcher.Next(&m)) break;
      PhoneIndicator p;
      Phones()->Format(m.number(), PhoneNumberUtil::E164, &p.number);
      Phones()->GetRegionCodeForNumber(m.number(), &p.country);
      p.e164 = true;
      p.raw = m.raw_string();
      p.source = source;
      bool dup = false;
      for (const auto& x : *out) dup = dup || x.number == p.number;
      if (!dup) out->push_back(std::move(p));
    }
  }
}

bool IsValidBitcoinAddress(std::string_view s) {
  if (s.size() >= 26 && s.size() <= 35 && (s[0] == '1' || s[0] == '3')) return Base58Check(s, 25);
  if (s.size() >= 14 && s.size() <= 74 && StartsWithIgnoreCase(s, "bc1")) return Bech32Valid(s);
  return false;
}

bool IsValidIban(std::string_view c) {
  if (c.size() < 15 || c.size() > 34) return false;
  if (!isupper(static_cast<unsigned char>(c[0])) || !isupper(static_cast<unsigned char>(c[1])) ||
      !isdigit(static_cast<unsigned char>(c[2])) || !isdigit(static_cast<unsigned char>(c[3])))
    return false;
  std::string re(c.substr(4));
  re += c.substr(0, 4);
  int mod = 0;
  for (char ch : re) {
    if (isdigit(static_cast<unsigned char>(ch))) {
      mod = (mod * 10 + (ch - '0')) % 97;
    } else if (isupper(static_cast<unsigned char>(ch))) {
      int v = ch - 'A' + 10;
      mod = (mod * 100 + v) % 97;
    } else {
      return false;
    }
  }
  return mod == 1;
}

void ExtractPayments(std::string_view t, std::vector<PaymentIndicator>* out) {
  size_t i = 0;
  while (i < t.size()) {
    if (!IsAsciiAlnum(static_cast<unsigned char>(t[i]))) {
      ++i;
      continue;
    }
    size_t s = i;
    while (i < t.size() && IsAsciiAlnum(static_cast<unsigned char>(t[i]))) ++i;
    std::string_view w = t.substr(s, i - s);
    if (s > 0 && (IsAsciiAlnum(static_cast<unsigned char>(t[s - 1])))) continue;
    if (w.size() >= 26 && w.size() <= 74 && IsValidBitcoinAddress(w)) {
      AddPayment(out, "bitcoin", std::string(w));
    } else if (w.size() == 42 && w[0] == '0' && (w[1] == 'x' || w[1] == 'X')) {
      bool hex = true;
      for (char c : w.substr(2)) hex = hex && IsAsciiXDigit(c);
      if (hex) AddPayment(out, "ethereum", ToLower(w));
    } else if (w.size() == 95 && w[0] == '4') {
      bool b58 = true;
      for (char c : w) b58 = b58 && kBase58.find(c) != std::string::npos;
      if (b58) AddPayment(out, "monero", std::string(w));
    } else if ((w.size() >= 26 && w.size() <= 34 && (w[0] == 'L' || w[0] == 'M') &&
                Base58Check(w, 25)) ||
               (StartsWithIgnoreCase(w, "ltc1") && Bech32Valid(w))) {
      AddPayment(out, "litecoin", std::string(w));
    } else if (w.size() >= 4 && w.size() <= 34 && isupper(static_cast<unsigned char>(w[0])) &&
               isupper(static_cast<unsigned char>(w[1])) && isdigit(static_cast<unsigned char>(w[2])) &&
               isdigit(static_cast<unsigned char>(w[3]))) {
      // IBANs are often written in groups of four separated by spaces.
      std::string compact(w);
      size_t j = i;
      while (j + 1 < t.size() && t[j] == ' ' && isalnum(static_cast<unsigned char>(t[j + 1])) &&
             compact.size() < 34) {
        size_t k = j + 1;
        while (k < t.size() && isalnum(static_cast<unsigned char>(t[k]))) ++k;
        if (k - j - 1 > 4) break;
        compact.append(t.substr(j + 1, k - j - 1));
        j = k;
      }
      std::string upper;
      for (char c : compact) upper.push_back(static_cast<char>(toupper(static_cast<unsigned char>(c))));
      if (IsValidIban(upper)) {
        AddPayment(out, "iban", upper);
        i = j;
      }
    }
  }
}

std::string RegionForTld(std::string_view host) {
  size_t dot = host.rfind('.');
  if (dot == std::string_view::npos) return "";
  std::string tld = ToLower(host.substr(dot + 1));
  if (tld.size() != 2) return "";
  // ccTLDs widely sold as generic names say nothing about the country.
  static const char* kGenericUse[] = {"io", "co", "me", "tv", "ai", "ly", "to", "cc", "ws", "fm",
                                      "gg", "la", "nu", "tk", "ml", "ga", "cf", "gq", "su", "eu"};
  for (const char* g : kGenericUse)
    if (tld == g) return "";
  if (tld == "uk") return "GB";
  std::string region;
  for (char c : tld) region.push_back(static_cast<char>(toupper(static_cast<unsigned char>(c))));
  static const std::set<std::string> supported = [] {
    std::set<std::string> s;
    Phones()->GetSupportedRegions(&s);
    return s;
  }();
  return supported.count(region) ? region : "";
}

}  // namespace lapis::analysis
