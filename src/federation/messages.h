// Secure messages between organisations (docs/federation.md, "Organisations' messages"): an
// organisation writes to an organisation of the network, on its own node or another. A message
// to another node travels as a signed "org-message" envelope in the conversation it belongs to,
// so the messages of one conversation arrive in the order they were sent; each side keeps its
// copy, and the sender sees whether the recipient's node has it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "federation/federation.h"

namespace lapis::federation {

struct OrgMessage {
  int64_t row = 0;        // place in the node's list (the page cursor)
  std::string id;         // message id (the envelope's, for messages between nodes)
  std::string org;        // the organisation whose copy this is
  std::string peer_org;   // the other organisation
  std::string direction;  // "out" (sent by org) or "in"
  std::string conversation, subject, text, actor;
  int64_t at = 0;         // ms since the epoch, when it was sent
  std::string node;       // the other organisation's node ("" when it is this node)
  std::string delivery;   // out: queued | delivered | rejected | local; in: received
  std::string delivery_error;
};

struct SendResult {
  std::string id, to_node, conversation;
  int64_t seq = 0;  // place in the conversation between the two nodes (0 for local delivery)
};

// Registers the "org-message" handler with `fed` (before Start()).
void RegisterOrgMessages(Federation* fed);

// Sends a message from `from_org` (hosted here) to `to_org` (hosted anywhere on the roster, or
// here). `conversation` "" starts a new one. InvalidArgument names what is wrong.
Result<SendResult> SendOrgMessage(store::SqlDb& db, Federation& fed, const std::string& from_org,
                                  const std::string& to_org, const std::string& conversation,
                                  const std::string& subject, const std::string& text,
                                  const std::string& actor);

// `org`'s messages, newest first; only `conversation`'s when it is not ""; only those listed
// after the one whose row is `before` when it is not 0.
Result<std::vector<OrgMessage>> ListOrgMessages(store::SqlDb& db, const std::string& org,
                                                const std::string& conversation, size_t limit,
                                                int64_t before = 0);

}  // namespace lapis::federation
