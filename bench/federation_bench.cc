// Federation figures between two nodes in one process, over HTTPS with mutual TLS on 127.0.0.1,
// each node with its own SQLite database (synchronous=FULL, as a node runs):
//   - queueing: messages/s sealed (Ed25519) and written to the outbox, one transaction each;
//   - catch-up: a peer that was down comes back to N queued messages; the time until every one
//     is applied at the receiver (verified, deduplicated, in order) and receipted at the sender;
//   - the baseline of the same run: Ed25519 sign + verify of the same envelopes alone.
//   federation_bench [--messages N] [--payload BYTES]
#include <sodium.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>

#include "federation/federation.h"
#include "store/sqlite/sqlite_store.h"

using namespace lapis;
using Clock = std::chrono::steady_clock;

namespace {

double Seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

struct Node {
  std::string name, dir;
  std::unique_ptr<store::Store> store;
  coop::NodeKey key;
  std::unique_ptr<federation::Federation> fed;
  std::atomic<int64_t> applied{0};
  int port = 0;
};

void Open(Node& n, int port) {
  federation::FederationOptions o;
  o.dir = n.dir + "/federation";
  o.port = port;
  // Default backoff (1 s doubling to 60 s): node-a backs off all the while node-b is down.
  auto f = federation::Federation::Open(&n.store->Sql(), &n.key, o);
  if (!f) {
    std::fprintf(stderr, "%s\n", f.error().ToString().c_str());
    std::exit(1);
  }
  n.fed = std::move(*f);
  Node* np = &n;
  n.fed->OnMessage("bench", [np](store::SqlTx&, const federation::Incoming&) -> Status {
    ++np->applied;
    return Status::Ok();
  });
  auto p = n.fed->Bind();
  if (!p) std::exit(1);
  n.port = *p;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t n_messages = 100000;
  size_t payload_size = 1024;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--messages")) n_messages = std::atoll(argv[i + 1]);
    if (!std::strcmp(argv[i], "--payload")) payload_size = static_cast<size_t>(std::atoll(argv[i + 1]));
  }
  if (sodium_init() < 0) return 1;
  const std::string base = std::filesystem::temp_directory_path() / ("lapis-fed-bench-" + std::to_string(getpid()));
  std::filesystem::remove_all(base);
  Node a, b;
  for (Node* n : {&a, &b}) {
    n->name = n == &a ? "node-a" : "node-b";
    n->dir = base + "/" + n->name;
    std::filesystem::create_directories(n->dir);
    auto s = store::OpenSqliteStore(n->dir + "/lapis.db");
    if (!s) return 1;
    n->store = std::move(*s);
    n->key = *coop::LoadOrCreateNodeKey(n->dir);
    Open(*n, 0);
  }
  federation::Roster r;
  r.network = "bench";
  r.serial = 1;
  for (Node* n : {&a, &b})
    r.nodes.push_back({n->name, "https://127.0.0.1:" + std::to_string(n->port), n->key.PublicHex(),
                       n->fed->tls().spki_sha256, {n->name}});
  for (Node* n : {&a, &b}) {
    federation::SaveSecretariatKey(n->dir + "/federation", a.key.PublicHex());
    if (!n->fed->InstallRoster(federation::SignRoster(r, a.key)).ok()) return 1;
  }
  // node-b is down while node-a queues.
  b.fed.reset();
  a.fed->Start();
  const std::string payload(payload_size, 'x');
  auto t0 = Clock::now();
  const int64_t kPerTx = 1;
  for (int64_t i = 0; i < n_messages; i += kPerTx) {
    Status s = a.store->Sql().Write([&](store::SqlTx& tx) -> Status {
      auto id = a.fed->Enqueue(tx, "node-b", "bench", "conv-" + std::to_string(i % 16), payload);
      return id ? Status::Ok() : id.error();
    });
    if (!s.ok()) {
      std::fprintf(stderr, "%s\n", s.ToString().c_str());
      return 1;
    }
  }
  auto t1 = Clock::now();
  std::printf("queued: %lld messages of %zu bytes in %.2f s = %.0f messages/s (one transaction each)\n",
              static_cast<long long>(n_messages), payload_size, Seconds(t0, t1), n_messages / Seconds(t0, t1));
  // node-b comes back.
  auto t2 = Clock::now();
  Open(b, b.port);
  b.fed->Start();
  while (b.applied == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  auto t2b = Clock::now();
  while (b.applied < n_messages) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto t3 = Clock::now();
  for (;;) {
    auto st = federation::StatusJson(a.store->Sql(), a.fed->CurrentRoster().get(), "node-a");
    if (st && st->find("\"queued\": 0") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  auto t4 = Clock::now();
  std::printf("catch-up: node-b back at 0 s, first message applied after %.2f s (node-b's hello ends node-a's backoff), all %lld "
              "applied after %.2f s, all receipted at node-a after %.2f s\n",
              Seconds(t2, t2b), static_cast<long long>(n_messages), Seconds(t2, t3), Seconds(t2, t4));
  std::printf("throughput: %.0f messages/s between the two nodes (signed, verified, applied once, receipted)\n",
              n_messages / Seconds(t2b, t3));
  // Baseline: the signatures alone (seal at the sender, verify at the receiver), one thread.
  const int64_t nb = std::min<int64_t>(n_messages, 20000);
  auto t5 = Clock::now();
  for (int64_t i = 0; i < nb; ++i) {
    federation::Header h;
    h.id = federation::NewMessageId();
    h.from = "node-a";
    h.to = "node-b";
    h.type = "bench";
    h.conv = "c";
    h.seq = i + 1;
    auto e = federation::ParseEnvelope(federation::Seal(h, payload, a.key));
    if (!e || !federation::CheckEnvelope(*e, a.key.PublicHex()).ok()) return 1;
  }
  auto t6 = Clock::now();
  const double sig_rate = nb / Seconds(t5, t6);
  std::printf("baseline: seal + parse + verify alone %.0f messages/s (one thread); the transfer runs at %.2f of it\n",
              sig_rate, (n_messages / Seconds(t2b, t3)) / sig_rate);
  a.fed->Stop();
  b.fed->Stop();
  a.fed.reset();
  b.fed.reset();
  std::filesystem::remove_all(base);
  return 0;
}
