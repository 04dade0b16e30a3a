// Two nodes in one process, over real HTTPS with mutual TLS on 127.0.0.1: delivery, exactly
// once and in order, receipts, peers down and back, and every kind of refused message.
#include "federation/federation.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "coop/workflow.h"
#include "federation/flows.h"
#include "federation/messages.h"
#include "store/store_test_support.h"

namespace lapis::federation {
namespace {

using json = nlohmann::json;

struct Node {
  std::string name, dir;
  std::unique_ptr<store::Store> store;
  coop::NodeKey key;
  std::unique_ptr<Federation> fed;
  int port = 0;
  std::mutex mu;
  std::vector<std::pair<std::string, std::string>> got;  // (conv, payload), as applied
};

class FederationTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    base_ = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") + "/lapis-fed-" +
            std::to_string(getpid());
    std::filesystem::remove_all(base_);
    for (const char* n : {"node-a", "node-b"}) {
      auto node = std::make_unique<Node>();
      node->name = n;
      node->dir = base_ + "/" + n;
      std::filesystem::create_directories(node->dir);
      auto s = store::OpenFreshStore(GetParam(), std::string("fed-") + n);
      ASSERT_TRUE(s) << s.error().ToString();
      node->store = std::move(*s);
      for (const char* org : {"agency-a", "agency-b", "tenant-a"}) ASSERT_TRUE(node->store->EnsureOrganisation(org));
      auto k = coop::LoadOrCreateNodeKey(node->dir);
      ASSERT_TRUE(k);
      node->key = *k;
      nodes_.push_back(std::move(node));
    }
    for (auto& n : nodes_) Open(*n, 0);
    // node-a is the secretariat.
    roster_.network = "test";
    roster_.serial = 1;
    for (auto& n : nodes_)
      roster_.nodes.push_back({n->name, "https://127.0.0.1:" + std::to_string(n->port), n->key.PublicHex(),
                               n->fed->tls().spki_sha256, {n->name == "node-a" ? "agency-a" : "agency-b"}});
    for (auto& n : nodes_) {
      ASSERT_TRUE(SaveSecretariatKey(n->dir + "/federation", A().key.PublicHex()).ok());
      ASSERT_TRUE(n->fed->InstallRoster(SignRoster(roster_, A().key)).ok());
    }
    for (auto& n : nodes_) n->fed->Start();
  }

  void TearDown() override {
    for (auto& n : nodes_)
      if (n->fed) n->fed->Stop();
    std::filesystem::remove_all(base_);
  }

  void Open(Node& n, int port, int64_t backoff_ms = 50) {
    FederationOptions o;
    o.dir = n.dir + "/federation";
    o.port = port;
    o.min_backoff_ms = backoff_ms;
    o.max_backoff_ms = std::max<int64_t>(200, backoff_ms);
    o.roster_poll_ms = 50;
    auto f = Federation::Open(&n.store->Sql(), &n.key, o);
    ASSERT_TRUE(f) << f.error().ToString();
    n.fed = std::move(*f);
    Node* np = &n;
    n.fed->OnMessage("note", [np](store::SqlTx&, const Incoming& m) -> lapis::Status {
      if (m.payload == "refuse me") return Status::InvalidArgument("the payload says so");
      std::lock_guard<std::mutex> l(np->mu);
      np->got.emplace_back(m.header.conv, m.payload);
      return Status::Ok();
    });
    RegisterOrgMessages(n.fed.get());
    RegisterFlows(n.fed.get());
    auto p = n.fed->Bind();
    ASSERT_TRUE(p) << p.error().ToString();
    n.port = *p;
  }

  Node& A() { return *nodes_[0]; }
  Node& B() { return *nodes_[1]; }

  void Send(Node& from, const std::string& to, const std::string& conv, const std::string& payload,
            const std::string& type = "note") {
    Status s = from.store->Sql().Write([&](store::SqlTx& tx) -> lapis::Status {
      auto id = from.fed->Enqueue(tx, to, type, conv, payload);
      return id ? Status::Ok() : id.error();
    });
    ASSERT_TRUE(s.ok()) << s.ToString();
    from.fed->Kick();
  }

  json StatusOf(Node& n) {
    auto s = StatusJson(n.store->Sql(), n.fed->CurrentRoster().get(), n.fed->Name());
    EXPECT_TRUE(s) << s.error().ToString();
    return json::parse(*s);
  }

  json Peer(Node& n, const std::string& peer) {
    const json s = StatusOf(n);
    for (const auto& p : s["peers"])
      if (p["name"] == peer) return p;
    return json();
  }

  // Waits until `pred` holds (at most 30 s).
  template <typename P>
  bool WaitFor(P pred) {
    for (int i = 0; i < 600; ++i) {
      if (pred()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return pred();
  }

  size_t Got(Node& n) {
    std::lock_guard<std::mutex> l(n.mu);
    return n.got.size();
  }

  // A delivery request as node-a would make it, handed to node-b's receiver directly.
  std::pair<int, json> Deliver(const std::string& spki, const std::vector<std::string>& wires) {
    std::string body = "{\"messages\":[";
    for (size_t i = 0; i < wires.size(); ++i) body += (i ? "," : "") + wires[i];
    body += "]}";
    auto [code, text] = B().fed->Receive(spki, body);
    if (code != 200) return {code, json::parse(text, nullptr, false)};
    auto opened = OpenDocument(text, B().key.PublicHex());
    EXPECT_TRUE(opened) << "receipts are signed by the receiver";
    return {code, opened ? json::parse(*opened)["receipts"] : json()};
  }

  Header H(int64_t seq, const std::string& conv = "direct") {
    Header h;
    h.id = NewMessageId();
    h.from = "node-a";
    h.to = "node-b";
    h.at = std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
               .count();
    h.type = "note";
    h.conv = conv;
    h.seq = seq;
    return h;
  }

  std::vector<std::string> RefusalReasons(Node& n) {
    std::vector<std::string> out;
    const json s = StatusOf(n);
    for (const auto& r : s["refused"]) out.push_back(r["reason"]);
    return out;
  }

  std::string base_;
  std::vector<std::unique_ptr<Node>> nodes_;
  Roster roster_;
};

bool AnyContains(const std::vector<std::string>& v, const std::string& s) {
  for (const auto& x : v)
    if (x.find(s) != std::string::npos) return true;
  return false;
}

TEST_P(FederationTest, MessagesArriveOnceInOrderAndAreReceipted) {
  for (int i = 0; i < 300; ++i) Send(A(), "node-b", i % 2 ? "odd" : "even", std::to_string(i));
  ASSERT_TRUE(WaitFor([&] { return Got(B()) == 300; })) << Got(B());
  std::map<std::string, int> last{{"odd", -1}, {"even", -1}};
  for (const auto& [conv, payload] : B().got) {
    int v = std::stoi(payload);
    EXPECT_GT(v, last[conv]) << "in order within " << conv;
    last[conv] = v;
  }
  ASSERT_TRUE(WaitFor([&] { return Peer(A(), "node-b")["delivered"] == 300 + 1; })) << Peer(A(), "node-b").dump();
  json p = Peer(A(), "node-b");
  EXPECT_EQ(p["queued"], 0);
  EXPECT_EQ(p["on_roster"], true);
  EXPECT_EQ(Peer(B(), "node-a")["received"].get<int>(), 300 + 1) << "the roster the secretariat sent, too";
  // The answer goes back the other way.
  Send(B(), "node-a", "odd", "answer");
  ASSERT_TRUE(WaitFor([&] { return Got(A()) == 1; }));
  // Counted once its transaction has committed, just after the handler ran.
  EXPECT_TRUE(WaitFor([&] { return A().fed->MetricsText().find("lapis_federation_received_total 1") != std::string::npos; }));
}

TEST_P(FederationTest, APeerThatIsDownGetsEverythingWhenItIsBack) {
  B().fed->Stop();
  B().fed.reset();
  for (int i = 0; i < 100; ++i) Send(A(), "node-b", "c", std::to_string(i));
  ASSERT_TRUE(WaitFor([&] { return Peer(A(), "node-b").contains("last_error"); }));
  json p = Peer(A(), "node-b");
  EXPECT_NE(p["last_error"].get<std::string>().find("cannot deliver to https://127.0.0.1:"), std::string::npos)
      << p.dump();
  EXPECT_GE(p["failures"].get<int>(), 1);
  EXPECT_GE(p["queued"].get<int>(), 100) << "and perhaps the roster";
  EXPECT_TRUE(p.contains("oldest_queued_at"));
  Open(B(), B().port);
  B().fed->Start();
  ASSERT_TRUE(WaitFor([&] { return Got(B()) == 100; })) << Got(B());
  for (int i = 0; i < 100; ++i) EXPECT_EQ(B().got[i].second, std::to_string(i));
  ASSERT_TRUE(WaitFor([&] { return Peer(A(), "node-b")["queued"] == 0; }));
  EXPECT_EQ(Peer(A(), "node-b")["failures"], 0);
}

TEST_P(FederationTest, ANodeThatComesBackSaysHelloAndEndsItsPeersBackoff) {
  A().fed->Stop();
  Open(A(), A().port, 10 * 60 * 1000);  // without the hello, node-a would wait 5 to 10 minutes
  A().fed->Start();
  B().fed->Stop();
  B().fed.reset();
  Send(A(), "node-b", "c", "waiting");
  ASSERT_TRUE(WaitFor([&] { return Peer(A(), "node-b")["failures"].get<int>() >= 1; }));
  Open(B(), B().port);
  B().fed->Start();
  EXPECT_TRUE(WaitFor([&] { return Got(B()) == 1; })) << Peer(A(), "node-b").dump();
}

TEST_P(FederationTest, AReplayIsNotAppliedAgainAndIsLoggedAsOne) {
  const std::string wire = Seal(H(1), "once", A().key);
  auto [c1, r1] = Deliver(A().fed->tls().spki_sha256, {wire});
  ASSERT_EQ(c1, 200);
  EXPECT_EQ(r1[0]["status"], "delivered");
  auto [c2, r2] = Deliver(A().fed->tls().spki_sha256, {wire});
  ASSERT_EQ(c2, 200);
  EXPECT_EQ(r2[0]["status"], "duplicate");
  EXPECT_EQ(Got(B()), 1u);
  EXPECT_TRUE(AnyContains(RefusalReasons(B()), "replay: message")) << StatusOf(B()).dump();
}

TEST_P(FederationTest, TamperedUnsignedMisaddressedAndForeignMessagesAreRefusedWithTheReason) {
  const std::string spki = A().fed->tls().spki_sha256;
  json tampered = json::parse(Seal(H(1), "original", A().key));
  tampered["payload"] = "changed";
  json unsigned_ = json::parse(Seal(H(1), "x", A().key));
  unsigned_.erase("signature");
  Header to_c = H(1);
  to_c.to = "node-c";
  Header as_b = H(1);
  as_b.from = "node-b";
  auto [code, r] = Deliver(spki, {tampered.dump(), unsigned_.dump(), Seal(to_c, "x", A().key),
                                  Seal(as_b, "x", B().key), Seal(H(1), "x", B().key), "{\"bad\":1}"});
  ASSERT_EQ(code, 200);
  ASSERT_EQ(r.size(), 6u);
  for (const auto& x : r) EXPECT_EQ(x["status"], "rejected") << x.dump();
  EXPECT_EQ(r[0]["reason"], "payload does not match its hash (tampered)");
  EXPECT_EQ(r[1]["reason"], "unsigned");
  EXPECT_NE(r[2]["reason"].get<std::string>().find("wrong recipient: addressed to node node-c"), std::string::npos);
  EXPECT_NE(r[3]["reason"].get<std::string>().find("sender mismatch"), std::string::npos);
  EXPECT_EQ(r[4]["reason"], "bad signature (not the sender's key)");
  EXPECT_NE(r[5]["reason"].get<std::string>().find("malformed envelope"), std::string::npos);
  EXPECT_EQ(Got(B()), 0u);
  auto reasons = RefusalReasons(B());
  for (const char* s : {"tampered", "unsigned", "wrong recipient", "sender mismatch", "bad signature", "malformed"})
    EXPECT_TRUE(AnyContains(reasons, s)) << s;
  // A node that is not on the roster is turned away whole.
  auto [c2, p] = Deliver(std::string(64, '7'), {Seal(H(1), "x", A().key)});
  EXPECT_EQ(c2, 403);
  EXPECT_NE(p["detail"].get<std::string>().find("unknown node"), std::string::npos);
  EXPECT_TRUE(AnyContains(RefusalReasons(B()), "unknown node: its TLS key"));
}

TEST_P(FederationTest, OldDeliveriesArePrunedButReplaysStayRefused) {
  Send(A(), "node-b", "c", "kept once");
  ASSERT_TRUE(WaitFor([&] { return Got(B()) == 1 && Peer(A(), "node-b")["queued"] == 0; }));
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  auto none = A().fed->Prune(now);
  ASSERT_TRUE(none);
  EXPECT_EQ(*none, 0) << "nothing is old yet";
  std::string wire;
  ASSERT_TRUE(A().store->Sql().Read([&](store::SqlTx& tx) -> lapis::Status {
    auto r = tx.Query("t", "SELECT envelope FROM fed_outbox WHERE type = 'note'");
    if (!r || r->empty()) return lapis::Status::NotFound("no row");
    wire = (*r)[0].Text(0);
    return lapis::Status::Ok();
  }).ok());
  auto pruned = A().fed->Prune(now + 8LL * 86400 * 1000);
  ASSERT_TRUE(pruned);
  EXPECT_GE(*pruned, 1);
  EXPECT_EQ(Peer(A(), "node-b")["delivered"].get<int>(), 2) << "the record stays";
  auto inbox = B().fed->Prune(now + 31LL * 86400 * 1000);
  ASSERT_TRUE(inbox);
  EXPECT_GE(*inbox, 1);
  // The delivered envelope's bytes are gone; its row and state stay.
  ASSERT_TRUE(A().store->Sql().Read([&](store::SqlTx& tx) -> lapis::Status {
    auto r = tx.Query("t", "SELECT envelope, state FROM fed_outbox WHERE type = 'note'");
    EXPECT_TRUE(r && r->size() == 1 && (*r)[0].Text(0).empty() && (*r)[0].Text(1) == "delivered");
    return lapis::Status::Ok();
  }).ok());
  EXPECT_FALSE(wire.empty());
}

TEST_P(FederationTest, GarbageAndHostileRequestsGetAClearAnswer) {
  const std::string spki = A().fed->tls().spki_sha256;
  for (const std::string body : {std::string("garbage \xff\xfe"), std::string("{}"), std::string("{\"messages\": 5}"),
                                 std::string(200000, '['), std::string("[") + std::string(100000, '{')}) {
    auto [code, text] = B().fed->Receive(spki, body);
    EXPECT_EQ(code, 400) << body.substr(0, 20);
    EXPECT_NE(text.find("the body is not"), std::string::npos);
  }
  std::string many = "{\"messages\":[";
  for (int i = 0; i < 1025; ++i) many += (i ? ",{}" : "{}");
  many += "]}";
  EXPECT_EQ(B().fed->Receive(spki, many).first, 413);
  auto [code, r] = Deliver(spki, {"5", "\"text\"", "{\"header\": 1, \"payload\": \"\"}", "null"});
  ASSERT_EQ(code, 200);
  ASSERT_EQ(r.size(), 4u);
  for (const auto& x : r) {
    EXPECT_EQ(x["status"], "rejected");
    EXPECT_NE(x["reason"].get<std::string>().find("malformed envelope"), std::string::npos);
  }
  EXPECT_EQ(Got(B()), 0u);
}

TEST_P(FederationTest, OldFutureAndOutOfOrderMessagesAreHandledByTheRules) {
  const std::string spki = A().fed->tls().spki_sha256;
  Header old = H(1), future = H(1), ahead = H(2, "order");
  old.at -= 31LL * 86400 * 1000;
  future.at += 3600 * 1000;
  auto [code, r] = Deliver(spki, {Seal(old, "x", A().key), Seal(future, "x", A().key), Seal(ahead, "x", A().key)});
  ASSERT_EQ(code, 200);
  EXPECT_EQ(r[0]["status"], "rejected");
  EXPECT_NE(r[0]["reason"].get<std::string>().find("expired"), std::string::npos);
  EXPECT_EQ(r[1]["status"], "retry");
  EXPECT_NE(r[1]["reason"].get<std::string>().find("in the future"), std::string::npos);
  EXPECT_EQ(r[2]["status"], "retry");
  EXPECT_NE(r[2]["reason"].get<std::string>().find("waiting for seq 1"), std::string::npos);
  // Once the first arrives, the second goes in; an old seq under a new id is refused.
  auto [c3, r3] = Deliver(spki, {Seal(H(1, "order"), "first", A().key), Seal(ahead, "x", A().key),
                                 Seal(H(2, "order"), "again", A().key)});
  EXPECT_EQ(r3[0]["status"], "delivered");
  EXPECT_EQ(r3[1]["status"], "delivered");
  EXPECT_EQ(r3[2]["status"], "rejected");
  EXPECT_NE(r3[2]["reason"].get<std::string>().find("out of order"), std::string::npos);
}

TEST_P(FederationTest, AMessageTheHandlerRefusesIsRecordedAndTheConversationGoesOn) {
  Send(A(), "node-b", "c", "refuse me");
  Send(A(), "node-b", "c", "after");
  Send(A(), "node-b", "c", "x", "no-such-type");
  ASSERT_TRUE(WaitFor([&] { return Got(B()) == 1; }));
  ASSERT_TRUE(WaitFor([&] { return Peer(A(), "node-b")["refused"] == 2; })) << Peer(A(), "node-b").dump();
  json s = StatusOf(A());
  ASSERT_EQ(s["refused_by_peers"].size(), 2u);
  EXPECT_NE(s["refused_by_peers"][0]["reason"].get<std::string>().find("unknown message type"), std::string::npos);
  EXPECT_NE(s["refused_by_peers"][1]["reason"].get<std::string>().find("the payload says so"), std::string::npos);
  EXPECT_EQ(B().got[0].second, "after");
}

TEST_P(FederationTest, ARevokedNodeIsTurnedAwayAndTheRosterReachesEveryNode) {
  Roster r2 = roster_;
  r2.serial = 2;
  const RosterNode b = r2.nodes[1];
  r2.nodes.pop_back();
  r2.revoked.push_back({b.name, b.sign_key, b.tls_key, "withdrew from the network", 1});
  // The secretariat installs it from its roster file, as `lapis federation roster revoke` leaves it.
  ASSERT_TRUE(SaveRosterDocument(A().dir + "/federation", SignRoster(r2, A().key)).ok());
  ASSERT_TRUE(WaitFor([&] { return A().fed->CurrentRoster()->serial == 2; }));
  // Node-a sent no roster to node-b, which is no longer on it; node-b still talks to node-a.
  Send(B(), "node-a", "c", "from a revoked node");
  ASSERT_TRUE(WaitFor([&] { return Peer(B(), "node-a").contains("last_error"); }));
  EXPECT_NE(Peer(B(), "node-a")["last_error"].get<std::string>().find("revoked sender: node node-b"),
            std::string::npos)
      << Peer(B(), "node-a").dump();
  EXPECT_TRUE(AnyContains(RefusalReasons(A()), "revoked sender"));
  EXPECT_EQ(Got(A()), 0u);
}

TEST_P(FederationTest, ANewRosterFromTheSecretariatIsSentToEveryNode) {
  Roster r2 = roster_;
  r2.serial = 2;
  r2.nodes[1].orgs.push_back("isp-b");
  ASSERT_TRUE(A().fed->InstallRoster(SignRoster(r2, A().key)).ok());
  ASSERT_TRUE(WaitFor([&] { return B().fed->CurrentRoster()->serial == 2; }));
  EXPECT_EQ(B().fed->CurrentRoster()->HomeOf("isp-b")->name, "node-b");
  // A roster not signed by the secretariat is not installed.
  Roster r3 = r2;
  r3.serial = 3;
  EXPECT_FALSE(B().fed->InstallRoster(SignRoster(r3, B().key)).ok());
  EXPECT_EQ(B().fed->CurrentRoster()->serial, 2);
}

TEST_P(FederationTest, AKeyThatIsNotTheOneOnTheRosterIsNotTalkedTo) {
  Roster r2 = roster_;
  r2.serial = 2;
  r2.nodes[1].tls_key = std::string(64, '5');
  ASSERT_TRUE(A().fed->InstallRoster(SignRoster(r2, A().key)).ok());
  Send(A(), "node-b", "c", "to an impostor");
  ASSERT_TRUE(WaitFor([&] {
    json p = Peer(A(), "node-b");
    return p.contains("last_error") &&
           p["last_error"].get<std::string>().find("not the one on the roster") != std::string::npos;
  })) << Peer(A(), "node-b").dump();
  EXPECT_EQ(Got(B()), 0u);
}

TEST_P(FederationTest, OrganisationsWriteToEachOtherAcrossNodesAndOnTheirOwn) {
  auto sent = SendOrgMessage(A().store->Sql(), *A().fed, "agency-a", "agency-b", "", "Referral", "Please look", "ana");
  ASSERT_TRUE(sent) << sent.error().ToString();
  EXPECT_EQ(sent->to_node, "node-b");
  EXPECT_EQ(sent->seq, 1);
  auto in = [&] { return *ListOrgMessages(B().store->Sql(), "agency-b", sent->conversation, 10); };
  ASSERT_TRUE(WaitFor([&] { return in().size() == 1; }));
  EXPECT_EQ(in()[0].text, "Please look");
  EXPECT_EQ(in()[0].peer_org, "agency-a");
  EXPECT_EQ(in()[0].node, "node-a");
  EXPECT_EQ(in()[0].direction, "in");
  auto reply = SendOrgMessage(B().store->Sql(), *B().fed, "agency-b", "agency-a", sent->conversation, "Re: Referral",
                              "Taken", "bo");
  ASSERT_TRUE(reply);
  ASSERT_TRUE(WaitFor([&] { return ListOrgMessages(A().store->Sql(), "agency-a", sent->conversation, 10)->size() == 2; }));
  auto mine = *ListOrgMessages(A().store->Sql(), "agency-a", sent->conversation, 10);
  EXPECT_EQ(mine[0].direction, "in");
  EXPECT_EQ(mine[0].text, "Taken");
  EXPECT_EQ(mine[1].delivery, "delivered");
  // Other organisations do not see the conversation.
  EXPECT_TRUE(ListOrgMessages(A().store->Sql(), "tenant-a", "", 10)->empty());
  // A tenant of the same node gets it at once.
  auto local = SendOrgMessage(A().store->Sql(), *A().fed, "agency-a", "tenant-a", "", "Hello", "Local", "ana");
  ASSERT_TRUE(local);
  EXPECT_EQ(local->to_node, "");
  EXPECT_EQ(ListOrgMessages(A().store->Sql(), "tenant-a", "", 10)->at(0).text, "Local");
  EXPECT_FALSE(SendOrgMessage(A().store->Sql(), *A().fed, "agency-a", "nobody", "", "", "x", "ana"));
  EXPECT_FALSE(SendOrgMessage(A().store->Sql(), *A().fed, "agency-a", "agency-b", "Bad Conv", "", "x", "ana"));
}

TEST_P(FederationTest, ANodeCannotWriteForAnOrganisationItDoesNotHost) {
  json forged = {{"from_org", "agency-b"}, {"to_org", "agency-b"}, {"conversation", "c1"}, {"text", "x"}};
  Header h = H(1, "msg:c1");
  h.type = "org-message";
  auto [code, r] = Deliver(A().fed->tls().spki_sha256, {Seal(h, forged.dump(), A().key)});
  ASSERT_EQ(code, 200);
  EXPECT_EQ(r[0]["status"], "rejected");
  EXPECT_NE(r[0]["reason"].get<std::string>().find("agency-b is not hosted by node node-a"), std::string::npos);
  EXPECT_TRUE(ListOrgMessages(B().store->Sql(), "agency-b", "", 10)->empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, FederationTest, ::testing::ValuesIn(store::TestBackends()),
                         [](const auto& info) { return info.param; });


// --- referrals and requests across nodes (federation/flows.h) ---

class FlowTest : public FederationTest {
 protected:
  void SetUp() override {
    FederationTest::SetUp();
    for (auto& n : nodes_) {
      Node* np = n.get();
      auto c = std::make_unique<coop::Coop>(*n->store);
      // The node's federation is opened again when a test restarts it.
      c->SetObserver([np](store::SqlTx& tx, const coop::Viewer& by, const coop::Object* before,
                          const coop::Object& after) { return FlowObserver(np->fed.get())(tx, by, before, after); },
                     [np] { np->fed->Kick(); });
      coops_.push_back(std::move(c));
    }
    Profile(A(), Coop(A()), "agency-a", "FR");
    Profile(B(), Coop(B()), "agency-b", "DE");
  }

  coop::Coop& Coop(Node& n) { return *coops_[&n == &A() ? 0 : 1]; }

  void Profile(Node&, coop::Coop& c, const std::string& org, const std::string& country) {
    coop::Profile p;
    p.org = org;
    p.kind = "agency";
    p.country = country;
    p.membership = "member";
    p.data_json = R"({"display_name": "Agency )" + country + R"(", "competences": ["consumer-protection"]})";
    ASSERT_TRUE(c.PutProfile(p, "cli").ok());
  }

  static coop::Viewer V(const std::string& org) {
    coop::Viewer v;
    v.org = org;
    v.role = "coordinator";
    v.actor = "user:" + org;
    v.member = v.agency = true;
    return v;
  }

  void Sync(Node& n) {
    auto q = SyncDirectory(n.store.get(), n.fed.get());
    ASSERT_TRUE(q) << q.error().ToString();
    auto f = SyncFlows(n.store.get(), n.fed.get());
    ASSERT_TRUE(f) << f.error().ToString();
  }

  coop::Object Referral(const std::string& title) {
    coop::Object o;
    o.type = "referral";
    o.status = "sent";
    o.title = title;
    o.tlp = coop::Tlp::kAmber;
    o.audience.kind = "organisations";
    o.audience.orgs = {"agency-b"};
    o.data_json = json({{"to", "agency-b"}, {"summary", "parcel phishing sent from DE"}, {"country", "DE"},
                        {"personal_data", false}, {"timeline", {{"sent", "2026-12-06T10:00:00Z"}}}})
                      .dump();
    auto made = Coop(A()).Create(V("agency-a"), o, "parcel phishing", {{"recipient", "agency-b", 0, ""}});
    EXPECT_TRUE(made) << made.error().ToString();
    return made ? *made : o;
  }

  // The copy of node-a's object `origin_id` on node-b, as agency-b sees it.
  std::optional<coop::Object> CopyOn(Node& n, const std::string& org, int64_t origin_id) {
    coop::ObjectQuery q;
    q.type = "referral";
    auto page = Coop(n).List(V(org), q);
    q.type = "request";
    auto page2 = Coop(n).List(V(org), q);
    if (!page || !page2) return std::nullopt;
    page->items.insert(page->items.end(), page2->items.begin(), page2->items.end());
    for (const auto& o : page->items) {
      json d = json::parse(o.data_json);
      if (d.contains("federation") && d["federation"]["id"] == origin_id) return o;
    }
    return std::nullopt;
  }

  // Moves `id` on node `n` as organisation `org` would through the API.
  Result<coop::Object> Step(Node& n, const std::string& org, int64_t id, const std::string& type,
                            const std::string& to, const json& extra = json::object()) {
    return Coop(n).Change(
        V(org), id, type,
        [&](coop::Object& o) -> Status {
          auto step = coop::FindStep(type, o.status, to);
          if (!step) return step.error();
          json d = json::parse(o.data_json);
          for (const auto& [k, v] : extra.items()) d[k] = v;
          d["timeline"][to] = "2026-12-06T11:00:00Z";
          o.status = to;
          o.data_json = d.dump();
          return Status::Ok();
        },
        "status:->" + to, "");
  }

  // Referrals and requests the node has still to send.
  int64_t Pending(Node& n) {
    int64_t c = -1;
    EXPECT_TRUE(n.store->Sql()
                    .Read([&](store::SqlTx& tx) -> lapis::Status {
                      auto r = tx.Query("pending", "SELECT COUNT(*) FROM fed_flow_pending");
                      if (!r) return r.error();
                      c = (*r)[0].Int(0);
                      return Status::Ok();
                    })
                    .ok());
    return c;
  }

  std::string StatusOn(Node& n, int64_t id) {
    auto o = Coop(n).GetAny(id);
    return o && *o ? (*o)->status : "";
  }

  std::vector<std::unique_ptr<coop::Coop>> coops_;
};

TEST_P(FlowTest, DirectoryEntriesReachTheOtherNodes) {
  Sync(A());
  Sync(B());
  ASSERT_TRUE(WaitFor([&] {
    auto p = Coop(A()).GetProfile("agency-b");
    return p && p->country == "DE";
  }));
  auto p = Coop(A()).GetProfile("agency-b");
  EXPECT_EQ(p->kind, "agency");
  EXPECT_EQ(p->membership, "member");
  EXPECT_EQ(json::parse(p->data_json)["node"], "node-b");
  EXPECT_EQ(json::parse(p->data_json)["display_name"], "Agency DE");
  // A node does not send what it was told of others, nor the same entry twice.
  auto again = SyncDirectory(A().store.get(), A().fed.get());
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, 0);
  // A change is sent again.
  Profile(B(), Coop(B()), "agency-b", "AT");
  Sync(B());
  EXPECT_TRUE(WaitFor([&] {
    auto q = Coop(A()).GetProfile("agency-b");
    return q && q->country == "AT";
  }));
}

TEST_P(FlowTest, AReferralToAnotherNodeIsAnsweredThereAndEveryStepComesBack) {
  Sync(B());
  coop::Object r = Referral("Parcel scam from DE");
  EXPECT_EQ(Pending(A()), 1);
  // Not sent before the pass: a step taken by its sender then leaves with it.
  Sync(A());
  EXPECT_EQ(Pending(A()), 0);
  ASSERT_TRUE(WaitFor([&] { return CopyOn(B(), "agency-b", r.id).has_value(); }));
  coop::Object copy = *CopyOn(B(), "agency-b", r.id);
  EXPECT_EQ(copy.org, "agency-a");
  EXPECT_EQ(copy.status, "sent");
  EXPECT_EQ(copy.title, "Parcel scam from DE");
  EXPECT_EQ(json::parse(copy.data_json)["federation"]["node"], "node-a");
  EXPECT_FALSE(CopyOn(B(), "tenant-a", r.id).has_value()) << "only its recipient sees it";
  coop::ObjectQuery nq;
  nq.type = "notification";
  auto notes = Coop(B()).List(V("agency-b"), nq);
  ASSERT_TRUE(notes);
  ASSERT_EQ(notes->items.size(), 1u);
  EXPECT_EQ(json::parse(notes->items[0].data_json)["event"], "referral.sent");

  ASSERT_TRUE(Step(B(), "agency-b", copy.id, "referral", "received"));
  ASSERT_TRUE(Step(B(), "agency-b", copy.id, "referral", "accepted"));
  ASSERT_TRUE(WaitFor([&] { return StatusOn(A(), r.id) == "accepted"; })) << StatusOn(A(), r.id);
  ASSERT_TRUE(Step(B(), "agency-b", copy.id, "referral", "closed",
                   {{"outcome", {{"kind", "fine"}, {"detail", "EUR 20,000"}}}}));
  ASSERT_TRUE(WaitFor([&] { return StatusOn(A(), r.id) == "closed"; }));
  auto back = Coop(A()).GetAny(r.id);
  json d = json::parse((*back)->data_json);
  EXPECT_EQ(d["outcome"]["kind"], "fine");
  EXPECT_EQ(d["timeline"]["accepted"], "2026-12-06T11:00:00Z");
  auto told = Coop(A()).List(V("agency-a"), nq);
  ASSERT_TRUE(told);
  EXPECT_EQ(told->items.size(), 3u) << "received, accepted, closed";
  EXPECT_TRUE(RefusalReasons(A()).empty());
  EXPECT_TRUE(RefusalReasons(B()).empty());
}

TEST_P(FlowTest, AnAssistanceRequestsWholeLifecycleCrossesNodes) {
  Sync(B());
  coop::Object o;
  o.type = "request";
  o.status = "draft";
  o.title = "Identify the sender";
  o.tlp = coop::Tlp::kAmber;
  o.audience.kind = "organisations";
  o.audience.orgs = {"agency-b"};
  o.due_at = 1798000000;
  o.data_json = json({{"to", "agency-b"}, {"kind", "assistance"}, {"question", "Who holds 198.51.100.7?"},
                      {"actions", {"identify-sender"}}})
                    .dump();
  auto made = Coop(A()).Create(V("agency-a"), o, "", {{"recipient", "agency-b", 0, ""}});
  ASSERT_TRUE(made);
  Sync(A());
  EXPECT_EQ(Pending(A()), 0) << "a draft is not to be sent";
  EXPECT_FALSE(CopyOn(B(), "agency-b", made->id).has_value()) << "a draft stays home";
  ASSERT_TRUE(Step(A(), "agency-a", made->id, "request", "sent"));
  Sync(A());
  ASSERT_TRUE(WaitFor([&] { return CopyOn(B(), "agency-b", made->id).has_value(); }));
  coop::Object copy = *CopyOn(B(), "agency-b", made->id);
  EXPECT_EQ(copy.status, "sent");
  ASSERT_TRUE(copy.due_at);
  EXPECT_EQ(*copy.due_at, 1798000000);
  for (const char* s : {"acknowledged", "in-progress"}) ASSERT_TRUE(Step(B(), "agency-b", copy.id, "request", s));
  ASSERT_TRUE(Step(B(), "agency-b", copy.id, "request", "answered",
                   {{"answer", {{"text", "A customer of AS64500, named in the attached record"}}}}));
  ASSERT_TRUE(WaitFor([&] { return StatusOn(A(), made->id) == "answered"; }));
  auto got = Coop(A()).GetAny(made->id);
  EXPECT_EQ(json::parse((*got)->data_json)["answer"]["text"], "A customer of AS64500, named in the attached record");
  ASSERT_TRUE(Step(A(), "agency-a", made->id, "request", "closed", {{"outcome", {{"kind", "warning"}}}}));
  ASSERT_TRUE(WaitFor([&] { return StatusOn(B(), copy.id) == "closed"; }));
  EXPECT_EQ(json::parse((*Coop(B()).GetAny(copy.id))->data_json)["outcome"]["kind"], "warning");
}

TEST_P(FlowTest, WhenStepsCrossTheSendersNodeDecidesAndTheRefusalSaysWhy) {
  Sync(B());
  coop::Object r = Referral("Crossing steps");
  Sync(A());
  ASSERT_TRUE(WaitFor([&] { return CopyOn(B(), "agency-b", r.id).has_value(); }));
  const int64_t copy = CopyOn(B(), "agency-b", r.id)->id;
  ASSERT_TRUE(Step(B(), "agency-b", copy, "referral", "received"));
  ASSERT_TRUE(WaitFor([&] { return StatusOn(A(), r.id) == "received"; }));
  // node-b is away: agency-a withdraws while agency-b accepts.
  B().fed->Stop();
  ASSERT_TRUE(Step(A(), "agency-a", r.id, "referral", "withdrawn", {{"withdraw_reason", "sent in error"}}));
  ASSERT_TRUE(Step(B(), "agency-b", copy, "referral", "accepted"));
  Open(B(), B().port);
  B().fed->Start();
  ASSERT_TRUE(WaitFor([&] { return StatusOn(B(), copy) == "withdrawn"; })) << StatusOn(B(), copy);
  EXPECT_EQ(StatusOn(A(), r.id), "withdrawn");
  EXPECT_EQ(json::parse((*Coop(B()).GetAny(copy))->data_json)["withdraw_reason"], "sent in error");
  ASSERT_TRUE(WaitFor([&] { return !RefusalReasons(A()).empty(); }));
  EXPECT_TRUE(AnyContains(RefusalReasons(A()), "the referral is withdrawn on node node-a"))
      << RefusalReasons(A())[0];
}

TEST_P(FlowTest, ANodeCannotSendForAnOrganisationItDoesNotHostNorStepOnAnotherNodesObject) {
  Sync(B());
  // node-b claims a referral of agency-a's.
  Status s = B().store->Sql().Write([&](store::SqlTx& tx) -> lapis::Status {
    json p = {{"origin_node", "node-b"}, {"origin_id", 7},     {"type", "referral"}, {"org", "agency-a"},
              {"to", "agency-a"},        {"title", "forged"}, {"status", "sent"},   {"data", json::object()}};
    auto id = B().fed->Enqueue(tx, "node-a", "coop-flow", "flow:7", p.dump());
    if (!id) return id.error();
    json step = {{"origin_node", "node-a"}, {"origin_id", 1}, {"type", "referral"}, {"to", "accepted"},
                 {"by_org", "agency-a"}};
    auto id2 = B().fed->Enqueue(tx, "node-a", "coop-step", "forged-step", step.dump());
    if (!id2) return id2.error();
    // From an organisation node-b does host, but with members of the wrong type.
    json odd = {{"origin_node", "node-b"}, {"origin_id", 8},  {"type", "referral"}, {"org", "agency-b"},
                {"to", "agency-a"},        {"status", 5},     {"data", json::object()}};
    auto id3 = B().fed->Enqueue(tx, "node-a", "coop-flow", "flow:8", odd.dump());
    return id3 ? Status::Ok() : id3.error();
  });
  ASSERT_TRUE(s.ok());
  B().fed->Kick();
  ASSERT_TRUE(WaitFor([&] { return RefusalReasons(A()).size() >= 3; }));
  EXPECT_TRUE(AnyContains(RefusalReasons(A()), "organisation agency-a is not hosted by node node-b"));
  EXPECT_TRUE(AnyContains(RefusalReasons(A()), "malformed payload"));
  coop::ObjectQuery q;
  q.type = "referral";
  EXPECT_TRUE(Coop(A()).List(V("agency-a"), q)->items.empty()) << "nothing of them was applied";
}

TEST_P(FlowTest, TheRosterFollowsMembershipOnTheSecretariatsNode) {
  // The secretariat's directory says agency-b withdrew; node-b still says it is a member.
  coop::Profile p;
  p.org = "agency-b";
  p.kind = "agency";
  p.country = "DE";
  p.membership = "withdrawn";
  ASSERT_TRUE(Coop(A()).PutProfile(p, "cli").ok());
  Sync(B());
  ASSERT_TRUE(WaitFor([&] {
    auto q = Coop(A()).GetProfile("agency-b");
    return q && json::parse(q->data_json).value("node", "") == "node-b";
  }));
  EXPECT_EQ(Coop(A()).GetProfile("agency-b")->membership, "withdrawn") << "the secretariat decides";
  auto n = SyncMembership(A().store.get(), A().fed.get());
  ASSERT_TRUE(n) << n.error().ToString();
  EXPECT_EQ(*n, 1);
  auto r = A().fed->CurrentRoster();
  EXPECT_EQ(r->serial, 2);
  EXPECT_EQ(r->ByName("node-b"), nullptr);
  const Revocation* gone = r->RevocationOf("node-b", B().key.PublicHex());
  ASSERT_NE(gone, nullptr);
  EXPECT_EQ(gone->reason, "its organisations left the network");
  EXPECT_EQ(*SyncMembership(B().store.get(), B().fed.get()), 0) << "only the secretariat's node changes it";

  // tenant-a is admitted and names its own node.
  coop::Profile t;
  t.org = "tenant-a";
  t.kind = "agency";
  t.country = "IT";
  ASSERT_TRUE(Coop(A()).PutProfile(t, "cli").ok());
  coop::Object app;
  app.type = "application";
  app.status = "admitted";
  app.title = "tenant-a applies to join as an agency";
  app.tlp = coop::Tlp::kGreen;
  app.audience.kind = "agencies";
  app.data_json = json({{"kind", "agency"},
                        {"node",
                         {{"name", "node-x"},
                          {"endpoint", "https://127.0.0.1:9"},
                          {"sign_key", std::string(64, 'a')},
                          {"tls_key", std::string(64, 'c')}}}})
                      .dump();
  ASSERT_TRUE(Coop(A()).Create(V("tenant-a"), app, "", {}));
  n = SyncMembership(A().store.get(), A().fed.get());
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 1);
  r = A().fed->CurrentRoster();
  EXPECT_EQ(r->serial, 3);
  ASSERT_NE(r->HomeOf("tenant-a"), nullptr);
  EXPECT_EQ(r->HomeOf("tenant-a")->name, "node-x");
  EXPECT_EQ(*SyncMembership(A().store.get(), A().fed.get()), 0) << "nothing more to change";
  // The roster the node runs with is the one on disk, signed by the secretariat.
  auto doc = LoadRosterDocument(A().dir + "/federation");
  ASSERT_TRUE(doc);
  auto onfile = VerifyRoster(*doc, A().key.PublicHex());
  ASSERT_TRUE(onfile);
  EXPECT_EQ(onfile->serial, 3);
}

INSTANTIATE_TEST_SUITE_P(Backends, FlowTest, ::testing::ValuesIn(store::TestBackends()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace lapis::federation
