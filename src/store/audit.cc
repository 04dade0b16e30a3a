#include "store/audit.h"

#include "common/sha256.h"

namespace lapis::store {
namespace {

// Length-prefixed so that no two different entries encode the same.
void Field(Sha256& h, std::string_view v) {
  h.Update(std::to_string(v.size()));
  h.Update(":");
  h.Update(v);
  h.Update(";");
}

}  // namespace

std::string AuditHash(const AuditEvent& e) {
  Sha256 h;
  Field(h, "lapis-audit-v1");
  Field(h, std::to_string(e.seq));
  Field(h, std::to_string(e.at));
  Field(h, e.org);
  Field(h, e.actor);
  Field(h, e.action);
  Field(h, e.target);
  Field(h, e.detail);
  Field(h, e.prev_hash);
  return h.HexDigest();
}

Result<AuditVerification> VerifyAudit(Store& store) {
  AuditVerification v;
  v.head = kAuditGenesis;
  int64_t expect_seq = 1;
  Status s = store.ForEachAudit(1, [&](const AuditEvent& e) {
    ++v.entries;
    if (e.seq != expect_seq) {
      v.first_bad_seq = expect_seq;
      v.problem = "entry " + std::to_string(expect_seq) + " is missing (next entry is " + std::to_string(e.seq) + ")";
    } else if (e.prev_hash != v.head) {
      v.first_bad_seq = e.seq;
      v.problem = "entry does not chain to the previous entry's hash";
    } else if (AuditHash(e) != e.hash) {
      v.first_bad_seq = e.seq;
      v.problem = "entry was changed after it was written (hash mismatch)";
    }
    if (v.first_bad_seq) return false;
    v.head = e.hash;
    ++expect_seq;
    return true;
  });
  if (!s.ok()) return Fail(s);
  return v;
}

}  // namespace lapis::store
