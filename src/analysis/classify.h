// Classification of a complaint into commercial-spam, phishing, malware, advance-fee-fraud,
// extortion, other-scam, not-spam or unknown. Transparent rules: every point of score comes with
// a reason a person can check (the phrase, the attachment, the link). Thread-safe.
#pragma once

#include "analysis/report.h"

namespace lapis::analysis {

// Bytes of the body the phrase rules examine: the first kClassifyHead and the last kClassifyTail
// (all of it when it is shorter than both together).
inline constexpr size_t kClassifyHead = 6 * 1024;
inline constexpr size_t kClassifyTail = 2 * 1024;
inline constexpr size_t kMaxClassifyText = kClassifyHead + kClassifyTail;

struct ClassifyInput {
  const Report* report;
  const mail::Message* message;  // null for SMS
};

Classification Classify(const ClassifyInput& in);

// "" when the phrase rules compiled, else the error (tests call it: a rule that does not compile
// would silently disable every phrase rule).
std::string ClassifierRulesError();

}  // namespace lapis::analysis
