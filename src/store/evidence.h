// Content-addressed, append-only store of raw complaint bytes, addressed by their SHA-256.
//
// Blobs are appended to pack files (DIR/packs/NNNNNNNN.pack): each record is a 48-byte header
// (magic "LPR1", flags, length, SHA-256) followed by the bytes. A process that writes owns one
// pack at a time, held under an exclusive flock(2) while it is open, so several processes (a
// server and a bulk import) may write to one store. A full pack is sealed: synced, and given a
// sorted index (NNNNNNNN.idx) that is mapped into memory for lookups. A pack left unsealed by a
// process that died is recovered when the store is next opened for writing: its records are
// re-hashed, a torn tail (bytes written but never synced, so never acknowledged) is moved to
// DIR/quarantine/ and cut off, and the pack is sealed. The format is described in
// docs/evidence.md.
//
// Durability: Put(bytes, sync=false) appends without syncing; Sync() makes every blob appended
// so far durable with one fdatasync. Blobs are never modified. Stores written by earlier versions
// (one file per blob, DIR/ab/cd/<sha256>) are still read and verified. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
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

// Where a blob's bytes are: the file, and the offset and length of the bytes in it.
struct EvidenceLocation {
  std::string file;
  uint64_t offset = 0;
  uint64_t length = 0;
};

class EvidenceStore {
 public:
  struct Options {
    uint64_t pack_limit = uint64_t{256} << 20;  // a pack is sealed once it holds this many bytes
  };

  // Creates DIR if needed and recovers packs left unsealed by processes that died.
  static Result<EvidenceStore> Open(const std::string& dir) { return Open(dir, Options{}); }
  static Result<EvidenceStore> Open(const std::string& dir, const Options& options);

  // With `sync` false the blob is appended but not yet synced: call Sync() before acknowledging
  // it (one Sync() covers every blob appended before it).
  Result<PutResult> Put(std::string_view bytes, bool sync = true) const;
  Status Sync() const;
  // The bytes, re-hashed on the way out: NotFound when absent, Corruption when they no longer
  // match their SHA-256.
  Result<std::string> Get(const std::string& sha256) const;
  bool Contains(const std::string& sha256) const;
  std::optional<EvidenceLocation> Locate(const std::string& sha256) const;

  // How many times a lookup has searched the sorted index of a sealed pack. A pack's Bloom filter
  // spares the search of nearly every pack that does not hold the blob, so this grows with the
  // lookups, not with lookups times sealed packs.
  uint64_t IndexSearches() const;

  // Re-hashes every blob; calls `on_corrupt(sha256, problem)` for each one whose bytes no longer
  // match its SHA-256 or that cannot be read (sha256 is empty when a record is unreadable).
  VerifyStats Verify(const std::function<void(const std::string&, const std::string&)>& on_corrupt) const;

 private:
  struct Impl;
  explicit EvidenceStore(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

bool IsSha256Hex(std::string_view s);

}  // namespace lapis::store
