// Federation between nodes (docs/federation.md): signed envelopes over HTTPS with mutual TLS,
// between the nodes of a roster the secretariat signs. Messages wait in a durable outbox, written
// in the same transaction as the change they tell of, until the peer's signed receipt says it
// has them; each peer's inbox applies a message once (by id), in order within its conversation,
// in the same transaction as its effect. Every delivery that fails, and every message refused,
// is kept with the reason.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/status.h"
#include "coop/package.h"
#include "federation/envelope.h"
#include "federation/identity.h"
#include "federation/roster.h"
#include "store/sql.h"

namespace lapis::federation {

struct FederationOptions {
  std::string dir;  // DATA_DIR/federation: TLS identity, roster, secretariat key
  std::string host = "127.0.0.1";
  int port = 0;                                   // 0 = any free port
  int64_t max_skew_ms = 5 * 60 * 1000;            // a message from further in the future waits
  int64_t max_age_ms = 30LL * 24 * 3600 * 1000;   // older messages are refused
  size_t batch = 256;                             // messages per delivery request
  int64_t min_backoff_ms = 1000, max_backoff_ms = 60 * 1000;
  int64_t connect_timeout_ms = 5000, request_timeout_ms = 60000;
  int64_t roster_poll_ms = 1000;  // how often DIR/roster.json is looked at for a new roster
  // Delivered envelopes keep their row (and state) but drop their bytes after this long.
  int64_t keep_delivered_ms = 7LL * 24 * 3600 * 1000;
};

// A message accepted for its handler: from a node on the roster, signed, addressed here, new.
struct Incoming {
  Header header;
  std::string payload;
  RosterNode sender;
};

// Handlers return InvalidArgument or PermissionDenied to refuse a message for good (it is
// recorded and the conversation goes on) and must then have written nothing; any other error
// makes the sender try again later.
using Handler = std::function<Status(store::SqlTx&, const Incoming&)>;

class Federation {
 public:
  // Loads or makes the TLS identity; loads the roster when the node has one (a node without
  // one serves, but has no peers until a roster is installed).
  static Result<std::unique_ptr<Federation>> Open(store::SqlDb* db, const coop::NodeKey* key,
                                                  FederationOptions options);
  ~Federation();

  // The node's name on the roster ("" when it is not on it).
  std::string Name() const;
  std::shared_ptr<const Roster> CurrentRoster() const;
  const TlsIdentity& tls() const;
  const coop::NodeKey& key() const;
  bool IsSecretariat() const;

  // Queues a message for `to_node` in `tx`; it leaves once `tx` commits (Kick() then). The id.
  Result<std::string> Enqueue(store::SqlTx& tx, const std::string& to_node, const std::string& type,
                              const std::string& conv, const std::string& payload);
  // Registers the handler of one message type; before Start().
  void OnMessage(const std::string& type, Handler h);

  // Binds the listening socket; the port.
  Result<int> Bind();
  // Serves peers and delivers the outbox, in threads of its own, until Stop().
  void Start();
  void Stop();
  // Wakes the delivery threads (something was queued).
  void Kick();

  // Verifies and installs a roster: ignored (ok) when its serial is not higher than the held one.
  // On the secretariat's node a new roster is sent to every node on it.
  Status InstallRoster(const std::string& doc);

  // Drops what is no longer needed (run hourly while started): the bytes of envelopes delivered
  // longer than keep_delivered_ms ago, and inbox ids older than any message still accepted
  // (max_age_ms + max_skew_ms: an older replay is refused as expired anyway). How many rows.
  Result<int64_t> Prune(int64_t now_ms);

  // Prometheus text: queues, deliveries, receipts, refusals.
  std::string MetricsText();

  // Handles one delivery request from the peer whose TLS key hash is `peer_spki`: the HTTP status
  // and body (signed receipts, or problem text). Exposed for the transport and for tests.
  std::pair<int, std::string> Receive(const std::string& peer_spki, const std::string& body);

 private:
  struct Impl;
  explicit Federation(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// What `lapis federation status` and GET /api/v1/federation/status show (JSON text): the node,
// the roster's serial, each peer (queued, delivered, refused, last success, last error and why,
// failures in a row), and the latest refused messages with their reasons.
Result<std::string> StatusJson(store::SqlDb& db, const Roster* roster, const std::string& self,
                               size_t rejections = 20);

}  // namespace lapis::federation
