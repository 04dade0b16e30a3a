// The audit log's hash chain. Each entry's hash is SHA-256 over its fields and the previous
// entry's hash, so changing, removing or reordering an entry is detected by re-walking the chain.
// (Cutting entries off the end is detected only against a head hash recorded elsewhere: the
// verification prints the head so that it can be kept.)
#pragma once

#include <string>

#include "store/store.h"

namespace lapis::store {

// Hash of the first entry's predecessor.
inline const std::string kAuditGenesis(64, '0');

// The hash of `e` chained to `e.prev_hash` (e.hash is ignored).
std::string AuditHash(const AuditEvent& e);

struct AuditVerification {
  int64_t entries = 0;
  int64_t first_bad_seq = 0;  // 0 when the chain is intact
  std::string problem;        // why the chain is broken at first_bad_seq
  std::string head;           // hash of the last entry (kAuditGenesis when empty)
};

Result<AuditVerification> VerifyAudit(Store& store);

}  // namespace lapis::store
