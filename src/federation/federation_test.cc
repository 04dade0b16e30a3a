// Two nodes in one process, over real HTTPS with mutual TLS on 127.0.0.1: delivery, exactly
// once and in order, receipts, peers down and back, and every kind of refused message.
#include "federation/federation.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

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
  EXPECT_NE(A().fed->MetricsText().find("lapis_federation_received_total 1"), std::string::npos);
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

}  // namespace
}  // namespace lapis::federation
