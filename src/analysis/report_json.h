// JSON form of a Report (docs/analysis.md). Output is always valid UTF-8 JSON on one line.
#pragma once

#include <string>

#include "analysis/report.h"

namespace lapis::analysis {

inline constexpr int kSchemaVersion = 1;

std::string ReportToJson(const Report& r, bool pretty = false);

}  // namespace lapis::analysis
