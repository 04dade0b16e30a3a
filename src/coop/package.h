// Evidence packages (docs/cooperation.md, "Evidence packages"): a zip with a case's raw messages,
// their analyses, a manifest of SHA-256 hashes signed with the node's Ed25519 key, and the chain
// of custody — who did what to the case and its evidence, and when. `lapis evidence verify`
// checks one without the node that made it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace lapis::coop {

inline constexpr const char* kPackageFormat = "lapis-evidence-package/1";
inline constexpr uint64_t kMaxPackageBytes = 1ull << 30;  // raw evidence in one package, at most

// The node's long-term signing key (libsodium Ed25519), kept in DATA_DIR/node.key (mode 0600).
struct NodeKey {
  std::string public_key;  // 32 bytes
  std::string secret_key;  // 64 bytes
  std::string PublicHex() const;
};
Result<NodeKey> LoadOrCreateNodeKey(const std::string& data_dir);

struct PackageFile {
  std::string path;  // inside the zip: evidence/SHA.eml, analysis/SHA.json, personal/SHA.json, ...
  std::string bytes;
};

// A zip holding `files`, then manifest.json (`manifest` with "files": path, sha256 and size of
// each added) and manifest.sig (the manifest's Ed25519 signature, hex).
// `manifest_json` is a JSON object without "files"; "format" and "node_key" are set here.
Result<std::string> BuildPackage(const std::vector<PackageFile>& files,
                                 const std::string& manifest_json, const NodeKey& key);

struct PackageCheck {
  bool ok = false;
  int64_t files = 0;
  std::string node_key;               // hex, as the manifest names it
  std::vector<std::string> problems;  // empty when ok
};

// Checks the package's signature (against `pinned_key_hex` when not empty), every file against
// the manifest, that evidence files are named by their hash, and that nothing was added.
PackageCheck VerifyPackage(const std::string& zip_bytes, const std::string& pinned_key_hex);

}  // namespace lapis::coop
