// Classification of a complaint into commercial-spam, phishing, malware, advance-fee-fraud,
// extortion, other-scam, not-spam or unknown. Transparent rules: every point of score comes with
// a reason a person can check (the phrase, the attachment, the link). Thread-safe.
#pragma once

#include "analysis/report.h"

namespace lapis::analysis {

inline constexpr size_t kMaxClassifyText = 16 * 1024;  // bytes of subject + body examined

struct ClassifyInput {
  const Report* report;
  const mail::Message* message;  // null for SMS
};

Classification Classify(const ClassifyInput& in);

// "" when the phrase rules compiled, else the error (tests call it: a rule that does not compile
// would silently disable every phrase rule).
std::string ClassifierRulesError();

}  // namespace lapis::analysis
