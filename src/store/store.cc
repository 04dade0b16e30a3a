#include "store/store.h"

namespace lapis::store {

bool IsRole(const std::string& role) {
  for (const char* r : kRoles)
    if (role == r) return true;
  return false;
}

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
