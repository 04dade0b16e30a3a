#include "analysis/fingerprint.h"

#include <cstdio>
#include <limits>

#include "common/sha256.h"
#include "common/strings.h"
#include "mail/urls.h"

namespace lapis::analysis {
namespace {

uint64_t Mix(uint64_t x) {  // splitmix64 finaliser
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::string Hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// For each of kMinHashSize hash functions, the high 32 bits of the smallest hash over the
// shingles. Hash function k is h1 + k * h2 (double hashing). The high half of the smallest 64-bit
// value is the smallest of the high halves, so the minimum is taken over 32-bit values, which
// the compiler does several at a time (with AVX2 where the processor has it).
__attribute__((target_clones("avx2", "default")))
void MinHash(const uint64_t* shingles, size_t n, uint32_t* out) {
  uint32_t best[kMinHashSize];
  for (int k = 0; k < kMinHashSize; ++k) best[k] = std::numeric_limits<uint32_t>::max();
  for (size_t i = 0; i < n; ++i) {
    const uint64_t h1 = Mix(shingles[i]), h2 = Mix(shingles[i] ^ 0x5bd1e9955bd1e995ULL) | 1;
    for (int k = 0; k < kMinHashSize; ++k) {
      const uint32_t v = static_cast<uint32_t>((h1 + static_cast<uint64_t>(k) * h2) >> 32);
      best[k] = v < best[k] ? v : best[k];
    }
  }
  for (int k = 0; k < kMinHashSize; ++k) out[k] = best[k];
}

}  // namespace

std::string NormalizeForFingerprint(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t words = 0;
  size_t i = 0;
  bool space = true;
  while (i < text.size() && words < kMaxFingerprintWords) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    // URLs vary per recipient (tracking ids); keep only the host.
    if ((c == 'h' || c == 'H') && (StartsWithIgnoreCase(text.substr(i), "http://") ||
                                   StartsWithIgnoreCase(text.substr(i), "https://"))) {
      size_t e = i;
      while (e < text.size() && !IsAsciiSpace(static_cast<unsigned char>(text[e])) && text[e] != '"' &&
             text[e] != '<' && text[e] != '>')
        ++e;
      mail::FoundUrl u;
      if (mail::NormalizeUrl(text.substr(i, e - i), &u)) {
        if (!space) out.push_back(' ');
        out += u.host;
        out.push_back(' ');
        ++words;
        space = true;
      }
      i = e;
      continue;
    }
    if (c >= '0' && c <= '9') {
      while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
      out.push_back('0');
      space = false;
      continue;
    }
    if (c >= 0x80 || IsAsciiAlpha(c)) {
      out.push_back(c < 0x80 ? AsciiLower(static_cast<char>(c)) : static_cast<char>(c));
      space = false;
    } else if (!space) {
      out.push_back(' ');
      ++words;
      space = true;
    }
    ++i;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

Fingerprint ComputeFingerprint(std::string_view body_text, std::string_view subject) {
  Fingerprint f;
  std::string norm = NormalizeForFingerprint(body_text);
  f.body_hash = Sha256Hex(norm);
  std::string nsub = NormalizeForFingerprint(subject);
  f.subject_hash = Sha256Hex(nsub).substr(0, 16);
  // Hash every word once, then combine kShingleWords consecutive word hashes per shingle.
  std::vector<uint64_t> word_hashes;
  word_hashes.reserve(norm.size() / 5 + 1);
  size_t pos = 0;
  while (pos < norm.size()) {
    size_t sp = norm.find(' ', pos);
    if (sp == std::string::npos) sp = norm.size();
    if (sp > pos) word_hashes.push_back(Fnv1a64(std::string_view(norm).substr(pos, sp - pos)));
    pos = sp + 1;
  }
  std::vector<uint64_t> shingle_hashes;
  if (word_hashes.empty()) return f;
  size_t n = word_hashes.size() < static_cast<size_t>(kShingleWords)
                 ? 1
                 : word_hashes.size() - kShingleWords + 1;
  shingle_hashes.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    uint64_t h = 0x243f6a8885a308d3ULL;
    for (size_t k = i; k < std::min(word_hashes.size(), i + kShingleWords); ++k) h = Mix(h ^ word_hashes[k]);
    shingle_hashes.push_back(h);
  }
  f.shingles = shingle_hashes.size();
  f.minhash.resize(kMinHashSize);
  MinHash(shingle_hashes.data(), shingle_hashes.size(), f.minhash.data());
  for (int b = 0; b < kBands; ++b) {
    uint64_t h = Mix(static_cast<uint64_t>(b) << 32);
    for (int r = 0; r < kRowsPerBand; ++r) h = Mix(h ^ f.minhash[b * kRowsPerBand + r]);
    f.bands.push_back(Hex64(h));
  }
  return f;
}

double Similarity(const Fingerprint& a, const Fingerprint& b) {
  if (a.minhash.size() != b.minhash.size() || a.minhash.empty()) return 0;
  int eq = 0;
  for (size_t i = 0; i < a.minhash.size(); ++i) eq += a.minhash[i] == b.minhash[i];
  return static_cast<double>(eq) / a.minhash.size();
}

}  // namespace lapis::analysis
