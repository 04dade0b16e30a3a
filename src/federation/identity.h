// A node's identities in the network (docs/federation.md, "Identity"): its long-term Ed25519
// signing key (coop::NodeKey, DATA_DIR/node.key) and its TLS key and self-signed certificate
// (DATA_DIR/federation/tls.key, tls.crt), made on the first start. Peers know each other's TLS
// key by the SHA-256 of its SubjectPublicKeyInfo, as the signed roster names it; certificates are
// not checked against any authority.
#pragma once

#include <string>

#include "common/status.h"
#include "coop/package.h"

namespace lapis::federation {

struct TlsIdentity {
  std::string cert_pem, key_pem;
  std::string spki_sha256;  // hex, lower case
};

// Loads DIR/tls.key and DIR/tls.crt, or makes them (a P-256 key, a certificate valid 20 years).
Result<TlsIdentity> LoadOrCreateTlsIdentity(const std::string& dir);
// The SHA-256 (hex) of the SubjectPublicKeyInfo of the PEM certificate.
Result<std::string> SpkiSha256OfPem(const std::string& cert_pem);
// The hex SPKI hash as libcurl's pinned-key form: "sha256//BASE64".
std::string PinOfSpkiHex(const std::string& spki_hex);

// Ed25519 over `text` with the node's key: the signature (64 bytes) as hex.
std::string SignHex(const std::string& text, const coop::NodeKey& key);
// True when `signature_hex` is a valid signature of `text` by `public_key_hex` (32 bytes, hex).
bool VerifyHex(const std::string& text, const std::string& signature_hex,
               const std::string& public_key_hex);

// Signed documents: {"signed": TEXT, "signature": HEX} — the signature is over TEXT's bytes as
// they travel, so nothing depends on how JSON is re-encoded.
std::string SignDocument(const std::string& text, const coop::NodeKey& key);
// The signed text when the document's signature is `public_key_hex`'s; otherwise why not.
Result<std::string> OpenDocument(const std::string& doc, const std::string& public_key_hex);

}  // namespace lapis::federation
