// Aggregates over many reports: counts by category, origin country and network, spamvertised
// registrable domains, languages and defects. Not thread-safe; feed from one thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "analysis/report.h"

namespace lapis::analysis {

class Summary {
 public:
  void Add(const Report& r);
  std::string ToText(size_t top) const;
  std::string ToJson(size_t top) const;
  uint64_t messages() const { return messages_; }

 private:
  uint64_t messages_ = 0, bytes_ = 0, with_origin_ = 0, wrapped_ = 0, with_defects_ = 0;
  std::map<std::string, uint64_t> categories_, countries_, asns_, domains_, languages_, defects_,
      origin_kinds_;
};

}  // namespace lapis::analysis
