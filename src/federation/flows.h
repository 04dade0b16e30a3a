// Referrals and requests between organisations on different nodes (docs/federation.md,
// "Referrals and requests"), and the directory entries of the organisations each node hosts.
//
// A referral or request sent to an organisation hosted by another node is sent to that node as a
// "coop-flow" message — the object as it is then, with the analyses of its reports (and the
// complainants' personal data only when the agreement it cites entitles the recipient to them) —
// and becomes there an object of the same kind, owned by the sending organisation, that the
// recipient answers through the same routes as any other. Every step of its lifecycle taken on
// either side is a "coop-step" message to the other node, queued in the transaction of the step
// itself; the receiving node checks it against the lifecycle as a local step would be checked. The
// sender's node is authoritative: a step of the recipient's that crossed one of the sender's (an
// acceptance and a withdrawal) is refused there with its reason, and the sender's step is applied
// on the copy whatever state it is in, so both sides end in the same state.
//
// Each node also sends the directory entry of every organisation it hosts (kind, country,
// membership, competences, its answers on how it takes requests) to every other node
// ("directory-entry"), so an agency on one node can refer to, and ask, organisations on another.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "common/status.h"
#include "coop/coop.h"
#include "federation/federation.h"
#include "store/store.h"

namespace lapis::federation {

// Registers the "coop-flow", "coop-step", "coop-objection" and "directory-entry" handlers (before
// the federation starts).
void RegisterFlows(Federation* fed);

// The observer for the node's cooperation objects: queues, with the change, each step a local
// organisation takes on a referral or request whose other side is hosted by another node.
coop::Observer FlowObserver(Federation* fed);

// Queues the referrals and requests sent to organisations on other nodes that were not sent yet;
// how many messages were queued.
Result<int64_t> SyncFlows(store::Store* store, Federation* fed);

// Queues the directory entries, of organisations hosted here, that other nodes do not have as they
// are now; how many messages were queued.
Result<int64_t> SyncDirectory(store::Store* store, Federation* fed);

// On the secretariat's node, the roster follows the network's membership (docs/federation.md,
// "Membership and the roster"): an admitted application that names its node puts that node, or
// the organisation on it, on the roster; an organisation the directory says withdrew or was
// refused leaves it, and a node left with no organisation is revoked. A new roster is signed and
// sent to every node; how many changes were made (0: none, or not the secretariat).
Result<int64_t> SyncMembership(store::Store* store, Federation* fed);

// Sends the objection of `org`, a member agency hosted here, to the application `origin_id` that
// node `node` holds ("coop-objection"); the message's id. The node that holds the application
// records it as a local objection is recorded, if it comes within the objection period.
Result<std::string> SendObjection(store::SqlDb& db, Federation& fed, const std::string& org,
                                  const std::string& actor, const std::string& node,
                                  int64_t origin_id, const std::string& reason);

// What a copy carries of the reports object `object_id` holds (shares, cases, referrals): the
// first kMaxReplicatedReports by id, each with its summary and analysis, and the complainants'
// personal data only when `personal`; `total` is how many the object holds.
Status ReportEntries(store::Store* store, int64_t object_id, bool personal, nlohmann::json* entries,
                     int64_t* total);

// The entry (JSON text) of report `sha256` as it came with node `node`'s referral or request
// `origin_id`, or nullopt.
Result<std::optional<std::string>> CopiedReport(store::SqlDb& db, const std::string& node,
                                                int64_t origin_id, const std::string& sha256);

}  // namespace lapis::federation
