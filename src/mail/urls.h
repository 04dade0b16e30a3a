// Finds URLs in plain text, including the forms spammers obfuscate, and normalises them.
// Pure functions; thread-safe (libcurl's URL API is used for parsing and normalisation).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace lapis::mail {

inline constexpr size_t kMaxUrlLength = 2048;     // longer URLs are cut and flagged
inline constexpr size_t kMaxUrlsPerText = 1000;   // extraction stops here; caller records a defect

struct FoundUrl {
  std::string url;          // normalised absolute URL (scheme and host lower-case, default port dropped,
                            // IDN host as punycode, percent-encoding made valid)
  std::string host;         // normalised host (lower-case, punycode), or the IP literal
  std::string original;     // the text as it appeared
  bool deobfuscated = false;  // hxxp://, [.], (dot), " . " and similar were undone
  bool truncated = false;
};

// Normalises one URL string. Schemeless "www.example.com/x" becomes "http://www.example.com/x".
// Returns false if it is not a usable http/https/ftp URL with a plausible host.
bool NormalizeUrl(std::string_view in, FoundUrl* out);

// Extracts every URL from text (plain text or already-extracted HTML text). Stops after `max` URLs
// and sets *hit_limit. Order of first appearance, duplicates kept out.
std::vector<FoundUrl> ExtractUrls(std::string_view text, size_t max = kMaxUrlsPerText,
                                  bool* hit_limit = nullptr);

}  // namespace lapis::mail
