// Reading SMS reports for `analyze --sms` and `ingest --sms`.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "analysis/analyzer.h"

namespace lapis::cli {

inline constexpr size_t kMaxSmsLine = 64 * 1024;  // longer lines are cut

// Reads one SMS report per line from each path ("-" = stdin) and hands each to `fn` with its file
// and 1-based line number. Files that cannot be opened and unusable lines are reported on stderr
// (blank lines are skipped silently). Returns the number of problems reported.
size_t ReadSmsReports(const std::vector<std::string>& paths,
                      const std::function<void(analysis::SmsReport&&, const std::string&, int64_t)>& fn);

}  // namespace lapis::cli
