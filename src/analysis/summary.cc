#include "analysis/summary.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>
#include <sstream>

namespace lapis::analysis {
namespace {

std::vector<std::pair<std::string, uint64_t>> Top(const std::map<std::string, uint64_t>& m, size_t n) {
  std::vector<std::pair<std::string, uint64_t>> v(m.begin(), m.end());
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  if (v.size() > n) v.resize(n);
  return v;
}

}  // namespace

void Summary::Add(const Report& r) {
  ++messages_;
  bytes_ += r.size;
  ++categories_[r.classification.category];
  ++languages_[r.language.empty() ? "unknown" : r.language];
  if (r.wrapper) ++wrapped_;
  if (r.origin) {
    ++with_origin_;
    ++origin_kinds_[r.origin->kind];
    ++countries_[r.origin->info.country.empty() ? "unknown" : r.origin->info.country];
    std::string asn = r.origin->info.asn ? "AS" + std::to_string(r.origin->info.asn) + " " + r.origin->info.as_org
                                         : "unknown";
    ++asns_[asn];
  }
  std::set<std::string> seen;
  for (const auto& u : r.indicators.urls)
    if (!u.registrable.empty() && seen.insert(u.registrable).second) ++domains_[u.registrable];
  std::set<std::string> codes;
  for (const auto& d : r.defects) codes.insert(d.code);
  for (const auto& c : codes) ++defects_[c];
  if (!codes.empty()) ++with_defects_;
}

std::string Summary::ToText(size_t top) const {
  std::ostringstream o;
  o << "messages: " << messages_ << " (" << bytes_ << " bytes)\n";
  o << "with origin: " << with_origin_ << ", opened wrappers: " << wrapped_
    << ", with defects: " << with_defects_ << "\n";
  auto section = [&](const char* title, const std::map<std::string, uint64_t>& m, size_t n) {
    o << "\n" << title << ":\n";
    for (const auto& [k, v] : Top(m, n)) {
      char line[512];
      std::snprintf(line, sizeof line, "  %8llu  %5.1f%%  %s\n", static_cast<unsigned long long>(v),
                    messages_ ? 100.0 * v / messages_ : 0.0, k.c_str());
      o << line;
    }
  };
  section("categories", categories_, 100);
  section("origin kinds", origin_kinds_, 10);
  section("top origin countries", countries_, top);
  section("top origin networks", asns_, top);
  section("top registrable domains in links", domains_, top);
  section("languages", languages_, top);
  section("defects (messages with at least one)", defects_, 100);
  return o.str();
}

std::string Summary::ToJson(size_t top) const {
  using nlohmann::json;
  auto arr = [&](const std::map<std::string, uint64_t>& m, size_t n) {
    json a = json::array();
    for (const auto& [k, v] : Top(m, n)) a.push_back({{"key", k}, {"count", v}});
    return a;
  };
  json j = {{"messages", messages_},
            {"bytes", bytes_},
            {"with_origin", with_origin_},
            {"wrapped", wrapped_},
            {"with_defects", with_defects_},
            {"categories", arr(categories_, 100)},
            {"origin_kinds", arr(origin_kinds_, 10)},
            {"origin_countries", arr(countries_, top)},
            {"origin_asns", arr(asns_, top)},
            {"registrable_domains", arr(domains_, top)},
            {"languages", arr(languages_, top)},
            {"defects", arr(defects_, 100)}};
  return j.dump(2, ' ', false, json::error_handler_t::replace);
}

}  // namespace lapis::analysis
