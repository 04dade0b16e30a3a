// The network's roster (docs/federation.md, "Roster"): which nodes are members, where they are,
// their keys and the organisations they host, and which were revoked. The secretariat node signs
// it; every node verifies it against the secretariat's key it was given and talks only to the
// nodes it names. A roster with a serial no higher than the one held is ignored.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "coop/package.h"

namespace lapis::federation {

struct RosterNode {
  std::string name;      // [a-z0-9-], unique in the network
  std::string endpoint;  // https://HOST:PORT
  std::string sign_key;  // Ed25519 public key, hex
  std::string tls_key;   // SHA-256 of the TLS certificate's SubjectPublicKeyInfo, hex
  std::vector<std::string> orgs;  // organisations hosted by the node
};

struct Revocation {
  std::string name, sign_key, tls_key, reason;
  int64_t at = 0;  // seconds since the epoch
};

struct Roster {
  std::string network;
  int64_t serial = 0;
  int64_t issued_at = 0;
  std::vector<RosterNode> nodes;
  std::vector<Revocation> revoked;

  const RosterNode* ByName(const std::string& name) const;
  const RosterNode* BySignKey(const std::string& key) const;
  const RosterNode* ByTlsKey(const std::string& spki) const;
  // The node that hosts `org`, or null.
  const RosterNode* HomeOf(const std::string& org) const;
  // The revocation of a node (by name or signing key), or null.
  const Revocation* RevocationOf(const std::string& name, const std::string& sign_key) const;
  const Revocation* RevocationOfTls(const std::string& spki) const;
};

std::string RosterJson(const Roster& r);
// Parses and checks a roster's text: names unique and well-formed, keys of the right size, each
// organisation hosted by one node, endpoints https.
Result<Roster> ParseRoster(const std::string& text);

// The roster as a signed document (identity.h).
std::string SignRoster(const Roster& r, const coop::NodeKey& secretariat);
// The roster in `doc` when the secretariat signed it.
Result<Roster> VerifyRoster(const std::string& doc, const std::string& secretariat_key_hex);

// Where a node keeps what it was given: DIR/roster.json (the signed document) and
// DIR/secretariat.pub (the secretariat's key, hex). NotFound when the node has no roster yet.
Result<std::string> LoadSecretariatKey(const std::string& dir);
Status SaveSecretariatKey(const std::string& dir, const std::string& key_hex);
Result<std::string> LoadRosterDocument(const std::string& dir);
Status SaveRosterDocument(const std::string& dir, const std::string& doc);

}  // namespace lapis::federation
