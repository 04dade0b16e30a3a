// Near-duplicate fingerprint for campaign clustering (docs/analysis.md, "fingerprint").
//
// The body text is normalised (lower-case; URLs reduced to their host; every digit run becomes
// "0"; punctuation dropped; whitespace collapsed) and cut into overlapping shingles of
// kShingleWords words. MinHash keeps, for each of kMinHashSize seeded 64-bit hash functions, the
// smallest hash over all shingles (low 32 bits). Two bodies whose shingle sets have Jaccard
// similarity J agree on each MinHash value with probability J. The values are grouped into
// kBands bands of kRowsPerBand rows; each band's key is a hash of its rows, so two reports share
// at least one band key with probability 1 - (1 - J^kRowsPerBand)^kBands (0.99 at J = 0.7,
// 0.64 at J = 0.5, 0.12 at J = 0.3). A store indexes band keys and compares only reports that
// share one: clustering a new report costs the same whatever the size of the store.
#pragma once

#include <string_view>

#include "analysis/report.h"

namespace lapis::analysis {

inline constexpr int kShingleWords = 4;
inline constexpr int kMinHashSize = 64;
inline constexpr int kBands = 16;
inline constexpr int kRowsPerBand = 4;
inline constexpr size_t kMaxFingerprintWords = 3000;

std::string NormalizeForFingerprint(std::string_view text);
Fingerprint ComputeFingerprint(std::string_view body_text, std::string_view subject);
// Estimated Jaccard similarity of two fingerprints (fraction of equal MinHash values).
double Similarity(const Fingerprint& a, const Fingerprint& b);

}  // namespace lapis::analysis
