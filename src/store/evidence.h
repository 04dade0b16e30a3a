// Content-addressed, append-only store of raw complaint bytes: DIR/ab/cd/<sha256>. A blob is
// written to a temporary file, synced, renamed into place and its directory synced, so a blob
// that Put() reported is on disk whatever happens next. Blobs are never modified. Thread-safe.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace lapis::store {

struct PutResult {
  std::string sha256;
  bool created = false;  // false when the same bytes were already stored
};

struct VerifyStats {
  uint64_t blobs = 0;
  uint64_t bytes = 0;
  uint64_t corrupt = 0;
};

class EvidenceStore {
 public:
  // Creates DIR if needed.
  static Result<EvidenceStore> Open(const std::string& dir);

  // With `sync` false the blob is written and renamed into place but not yet synced: call Sync()
  // before acknowledging it (one Sync() covers many blobs).
  Result<PutResult> Put(std::string_view bytes, bool sync = true) const;
  // Flushes every blob written so far, and the renames that put them in place, to disk.
  Status Sync() const;
  Result<std::string> Get(const std::string& sha256) const;
  bool Contains(const std::string& sha256) const;
  std::string PathOf(const std::string& sha256) const;

  // Re-hashes every blob; calls `on_corrupt(sha256, problem)` for each one whose bytes no longer
  // match its name, or that cannot be read.
  VerifyStats Verify(const std::function<void(const std::string&, const std::string&)>& on_corrupt) const;

 private:
  explicit EvidenceStore(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
};

bool IsSha256Hex(std::string_view s);

}  // namespace lapis::store
