// Small string helpers shared by every module. All functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lapis {

// ASCII character classes: those of <cctype> in the C locale, but inline and without the locale
// lookup each <cctype> call makes, for loops over whole message texts. Bytes >= 0x80 are in none.
constexpr bool IsAsciiDigit(unsigned char c) { return c >= '0' && c <= '9'; }
constexpr bool IsAsciiUpper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
constexpr bool IsAsciiAlpha(unsigned char c) { return (c >= 'a' && c <= 'z') || IsAsciiUpper(c); }
constexpr bool IsAsciiAlnum(unsigned char c) { return IsAsciiAlpha(c) || IsAsciiDigit(c); }
constexpr bool IsAsciiSpace(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
constexpr bool IsAsciiXDigit(unsigned char c) {
  return IsAsciiDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
constexpr char AsciiLower(char c) { return IsAsciiUpper(static_cast<unsigned char>(c)) ? static_cast<char>(c + 32) : c; }

std::string ToLower(std::string_view s);  // ASCII only
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix);
bool EndsWithIgnoreCase(std::string_view s, std::string_view suffix);
size_t FindIgnoreCase(std::string_view haystack, std::string_view needle, size_t from = 0);
std::string_view Trim(std::string_view s);
std::vector<std::string_view> Split(std::string_view s, char sep);
// The views would dangle: split a named string instead.
std::vector<std::string_view> Split(std::string&& s, char sep) = delete;
std::string CollapseWhitespace(std::string_view s);  // runs of space/tab/CR/LF to one space, trimmed
std::string HexEncode(const uint8_t* data, size_t n);
// Replaces every invalid UTF-8 sequence with U+FFFD; output is always valid UTF-8.
std::string SanitizeUtf8(std::string_view s);
bool IsValidUtf8(std::string_view s);
// Formats seconds since the epoch as RFC 3339 in UTC ("2002-08-22T12:34:56Z").
std::string FormatRfc3339(int64_t epoch_seconds);
// 64-bit FNV-1a; stable across runs and machines (used in fingerprints).
uint64_t Fnv1a64(std::string_view s, uint64_t seed = 0xcbf29ce484222325ULL);

}  // namespace lapis
