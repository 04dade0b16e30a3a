// Signed envelopes (docs/federation.md, "Messages"): every message between nodes is
// {"header": TEXT, "signature": HEX, "payload": TEXT}. The header names the sender and the
// recipient node, the message's id, when it was made, its type, its conversation and place in
// it, and the SHA-256 of the payload; the sender's Ed25519 key signs the header's bytes.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "coop/package.h"

namespace lapis::federation {

struct Header {
  int v = 1;
  std::string id;    // 32 hex digits, random
  std::string from;  // sender node
  std::string to;    // recipient node
  int64_t at = 0;    // ms since the epoch
  std::string type;  // message, roster, ...
  std::string conv;  // conversation: messages of one are applied in seq order
  int64_t seq = 0;   // 1, 2, ... within (from, to, conv)
  std::string payload_sha256;
};

struct Envelope {
  Header header;
  std::string header_text, signature, payload;
};

// A new random message id.
std::string NewMessageId();
// The envelope's wire form, signed with `key` (header.payload_sha256 is set here).
std::string Seal(Header header, const std::string& payload, const coop::NodeKey& key);
// Parses an envelope without checking its signature: InvalidArgument naming what is missing.
Result<Envelope> ParseEnvelope(const std::string& wire);
// Checks the signature against `sign_key_hex` and the payload against its hash: the reason when
// either fails ("unsigned", "bad signature", "payload does not match its hash").
Status CheckEnvelope(const Envelope& e, const std::string& sign_key_hex);

}  // namespace lapis::federation
