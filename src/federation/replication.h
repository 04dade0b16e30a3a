// Shared objects across nodes (docs/federation.md, "Shared objects"): a share made on this node
// whose audience names organisations on other nodes is sent to each of those nodes as a
// "coop-object" message — its marking, audience, summary and the analyses of its reports (never
// the complainants' personal data nor the raw messages) — and every later version follows: an
// update, a withdrawal, or the end of a node's access when the audience no longer names it. The
// owner node is authoritative; the receiving node keeps a read-only copy, keyed by (origin node,
// origin id), seen only by the organisations the audience names among those it hosts.
//
// What was sent to which node is kept (fed_replicas), and a pass compares it with the objects as
// they are, so a change made while the process dies is still sent after the restart.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "federation/federation.h"
#include "store/store.h"

namespace lapis::federation {

// Analyses carried per share message; a share with more reports says how many there are.
inline constexpr size_t kMaxReplicatedReports = 200;

class Replicator {
 public:
  Replicator(store::Store* store, Federation* fed) : store_(store), fed_(fed) {}
  ~Replicator() { Stop(); }
  // Registers the "coop-object" handler, and those of referrals, requests and directory entries
  // (federation/flows.h), with the federation (before it starts).
  void Register();
  // Queues the directory entries, referrals and requests (federation/flows.h) and shares' versions
  // not yet sent; how many messages were queued.
  Result<int64_t> SyncOnce();
  // Runs SyncOnce every `interval_ms` (and at once after Kick()) until Stop().
  void Start(int64_t interval_ms = 1000);
  void Stop();
  void Kick();

 private:
  void Loop(int64_t interval_ms);
  store::Store* store_;
  Federation* fed_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false, kicked_ = false;
  std::thread thread_;
};

// A copy of another node's object, as an organisation here sees it.
struct Mirror {
  std::string origin_node;
  int64_t origin_id = 0;
  std::string type, org, title, status, tlp, audience_json, data_json;
  int64_t version = 0, updated_at = 0, received_at = 0;
  int64_t reports = 0;  // analyses held
};

// The copies `org` may see, most recently changed first; `type` "" = any.
Result<std::vector<Mirror>> ListMirrors(store::SqlDb& db, const std::string& org, const std::string& type,
                                        size_t limit);
// One copy with its reports' entries (JSON objects), when `org` may see it.
Result<std::optional<std::pair<Mirror, std::vector<std::string>>>> GetMirror(store::SqlDb& db, const std::string& org,
                                                                             const std::string& node, int64_t id);

}  // namespace lapis::federation
