#include "store/store.h"

#include <charconv>
#include <cstdlib>

namespace lapis::store {

bool IsRole(const std::string& role) {
  for (const char* r : kRoles)
    if (role == r) return true;
  return false;
}

int64_t SqlRow::Int(size_t i) const {
  if (Null(i)) return 0;
  int64_t x = 0;
  const std::string& v = *cols[i];
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (ec != std::errc() || p != v.data() + v.size()) return static_cast<int64_t>(std::strtod(v.c_str(), nullptr));
  return x;
}

double SqlRow::Real(size_t i) const { return Null(i) ? 0 : std::strtod(cols[i]->c_str(), nullptr); }

Result<SubmitResult> Store::RecordSubmission(const Submission& s) {
  auto r = RecordSubmissions({s});
  if (!r) return Fail(r.error());
  return r->front();
}

Status Store::SaveAnalysis(int64_t org_id, const std::string& sha256, const AnalysisRecord& a) {
  Outcome o;
  o.org_id = org_id;
  o.sha256 = sha256;
  o.record = a;
  return SaveOutcomes({o});
}

Status Store::MarkFailed(int64_t org_id, const std::string& sha256, const std::string& error) {
  Outcome o;
  o.org_id = org_id;
  o.sha256 = sha256;
  o.error = error;
  return SaveOutcomes({o});
}

}  // namespace lapis::store
