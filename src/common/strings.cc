#include "common/strings.h"

#include <cstdint>
#include <cstring>
#include <ctime>

namespace lapis {

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  return true;
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && EqualsIgnoreCase(s.substr(0, p.size()), p);
}

bool EndsWithIgnoreCase(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && EqualsIgnoreCase(s.substr(s.size() - p.size()), p);
}

size_t FindIgnoreCase(std::string_view h, std::string_view n, size_t from) {
  if (n.empty()) return from <= h.size() ? from : std::string_view::npos;
  if (h.size() < n.size()) return std::string_view::npos;
  const char first = AsciiLower(n[0]);
  for (size_t i = from; i + n.size() <= h.size(); ++i) {
    if (AsciiLower(h[i]) != first) continue;
    if (EqualsIgnoreCase(h.substr(i, n.size()), n)) return i;
  }
  return std::string_view::npos;
}

std::string_view Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (b < e && ws(s[b])) ++b;
  while (e > b && ws(s[e - 1])) --e;
  return s.substr(b, e - b);
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

std::string CollapseWhitespace(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      space = !out.empty();
    } else {
      if (space) out.push_back(' ');
      space = false;
      out.push_back(c);
    }
  }
  return out;
}

std::string HexEncode(const uint8_t* data, size_t n) {
  static const char* kHex = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[data[i] >> 4];
    out[2 * i + 1] = kHex[data[i] & 15];
  }
  return out;
}

// Length of the valid UTF-8 sequence starting at s[i], or 0 if invalid.
static size_t Utf8SeqLen(std::string_view s, size_t i) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  unsigned char c = p[i];
  size_t n = s.size() - i;
  if (c < 0x80) return 1;
  auto cont = [&](size_t k) { return k < n && (p[i + k] & 0xC0) == 0x80; };
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    unsigned char c1 = p[i + 1];
    if (c == 0xE0 && c1 < 0xA0) return 0;
    if (c == 0xED && c1 > 0x9F) return 0;
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    unsigned char c1 = p[i + 1];
    if (c == 0xF0 && c1 < 0x90) return 0;
    if (c == 0xF4 && c1 > 0x8F) return 0;
    return 4;
  }
  return 0;
}

bool IsValidUtf8(std::string_view s) {
  const size_t size = s.size();
  for (size_t i = 0; i < size;) {
    // ASCII, eight bytes at a time: most text checked here is mostly ASCII.
    uint64_t word;
    while (i + 8 <= size && (memcpy(&word, s.data() + i, 8), (word & 0x8080808080808080ULL) == 0))
      i += 8;
    if (i >= size) break;
    size_t n = Utf8SeqLen(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

static inline bool SafeAscii(unsigned char c) {
  return (c >= 0x20 && c < 0x80) || c == '\t' || c == '\n' || c == '\r';
}

std::string SanitizeUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t run = i;
    while (run < s.size() && SafeAscii(static_cast<unsigned char>(s[run]))) ++run;
    if (run > i) {
      out.append(s.data() + i, run - i);
      i = run;
      if (i >= s.size()) break;
    }
    size_t n = Utf8SeqLen(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      unsigned char c = static_cast<unsigned char>(s[i]);
      if (n == 1 && c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
        out.push_back(' ');  // control characters are not useful in decoded text
      } else {
        out.append(s.substr(i, n));
      }
      i += n;
    }
  }
  return out;
}

std::string FormatRfc3339(int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  if (!gmtime_r(&tt, &tm)) return "";
  if (tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999) return "";  // not representable
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

uint64_t Fnv1a64(std::string_view s, uint64_t h) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

}  // namespace lapis
