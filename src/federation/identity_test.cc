// Node identities, the signed roster and signed envelopes.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "federation/envelope.h"
#include "federation/identity.h"
#include "federation/roster.h"
#include "common/test_dir.h"

namespace lapis::federation {
namespace {

using json = nlohmann::json;

std::string FreshDir(const std::string& name) {
  return FreshTestDir("lapis-fed-id-" + name).string();
}

coop::NodeKey Key(const std::string& name) {
  auto k = coop::LoadOrCreateNodeKey(FreshDir(name));
  EXPECT_TRUE(k) << k.error().ToString();
  return *k;
}

TEST(TlsIdentity, IsMadeOnceKeptPrivateAndLoadedAgain) {
  const std::string dir = FreshDir("tls") + "/federation";
  auto a = LoadOrCreateTlsIdentity(dir);
  ASSERT_TRUE(a) << a.error().ToString();
  EXPECT_EQ(a->spki_sha256.size(), 64u);
  struct stat st;
  ASSERT_EQ(stat((dir + "/tls.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto b = LoadOrCreateTlsIdentity(dir);
  ASSERT_TRUE(b);
  EXPECT_EQ(a->spki_sha256, b->spki_sha256);
  EXPECT_EQ(a->cert_pem, b->cert_pem);
  auto h = SpkiSha256OfPem(a->cert_pem);
  ASSERT_TRUE(h);
  EXPECT_EQ(*h, a->spki_sha256);
  EXPECT_FALSE(SpkiSha256OfPem("not a certificate"));
}

TEST(TlsIdentity, PinIsBase64OfTheHash) {
  EXPECT_EQ(PinOfSpkiHex(std::string(64, '0')), "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
}

TEST(SignedDocument, OpensOnlyWithTheSignersKey) {
  auto k = Key("doc"), other = Key("other");
  std::string doc = SignDocument("{\"x\":1}", k);
  auto t = OpenDocument(doc, k.PublicHex());
  ASSERT_TRUE(t);
  EXPECT_EQ(*t, "{\"x\":1}");
  EXPECT_FALSE(OpenDocument(doc, other.PublicHex()));
  json j = json::parse(doc);
  j["signed"] = "{\"x\":2}";
  EXPECT_EQ(OpenDocument(j.dump(), k.PublicHex()).error().message(), "bad signature");
  j.erase("signature");
  EXPECT_EQ(OpenDocument(j.dump(), k.PublicHex()).error().message(), "unsigned");
}

Roster TwoNodes(const coop::NodeKey& a, const coop::NodeKey& b) {
  Roster r;
  r.network = "test";
  r.serial = 1;
  r.nodes.push_back({"node-a", "https://127.0.0.1:1", a.PublicHex(), std::string(64, 'a'), {"agency-a"}});
  r.nodes.push_back({"node-b", "https://127.0.0.1:2", b.PublicHex(), std::string(64, 'b'), {"agency-b", "isp-b"}});
  return r;
}

TEST(Roster, RoundTripsAndAnswersLookups) {
  auto a = Key("ra"), b = Key("rb");
  Roster r = TwoNodes(a, b);
  r.revoked.push_back({"node-c", std::string(64, 'c'), std::string(64, 'd'), "left the network", 5});
  auto back = ParseRoster(RosterJson(r));
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(back->serial, 1);
  ASSERT_EQ(back->nodes.size(), 2u);
  EXPECT_EQ(back->HomeOf("isp-b")->name, "node-b");
  EXPECT_EQ(back->HomeOf("nobody"), nullptr);
  EXPECT_EQ(back->BySignKey(a.PublicHex())->name, "node-a");
  EXPECT_EQ(back->ByTlsKey(std::string(64, 'b'))->name, "node-b");
  ASSERT_NE(back->RevocationOfTls(std::string(64, 'd')), nullptr);
  EXPECT_EQ(back->RevocationOfTls(std::string(64, 'd'))->reason, "left the network");
}

TEST(Roster, RefusesWhatWouldMakeItAmbiguous) {
  auto a = Key("ambig-a"), b = Key("ambig-b");
  Roster r = TwoNodes(a, b);
  r.nodes[1].orgs.push_back("agency-a");
  EXPECT_NE(ParseRoster(RosterJson(r)).error().message().find("hosted by two nodes"), std::string::npos);
  r = TwoNodes(a, b);
  r.nodes[1].name = "node-a";
  EXPECT_NE(ParseRoster(RosterJson(r)).error().message().find("named twice"), std::string::npos);
  r = TwoNodes(a, b);
  r.nodes[1].sign_key = a.PublicHex();
  EXPECT_NE(ParseRoster(RosterJson(r)).error().message().find("another node's key"), std::string::npos);
  r = TwoNodes(a, b);
  r.nodes[0].endpoint = "http://127.0.0.1:1";
  EXPECT_NE(ParseRoster(RosterJson(r)).error().message().find("not https"), std::string::npos);
  r = TwoNodes(a, b);
  r.nodes[0].name = "Node A";
  EXPECT_FALSE(ParseRoster(RosterJson(r)));
  EXPECT_FALSE(ParseRoster("{]"));
  EXPECT_FALSE(ParseRoster("{\"format\":\"lapis-roster/1\"}"));
}

TEST(Roster, VerifiesOnlyWithTheSecretariatsKey) {
  auto a = Key("va"), b = Key("vb");
  std::string doc = SignRoster(TwoNodes(a, b), a);
  EXPECT_TRUE(VerifyRoster(doc, a.PublicHex()));
  auto bad = VerifyRoster(doc, b.PublicHex());
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("not signed by the secretariat"), std::string::npos);
}

TEST(Roster, FilesAreKeptInTheFederationDirectory) {
  const std::string dir = FreshDir("files") + "/federation";
  EXPECT_EQ(LoadRosterDocument(dir).error().code(), Status::Code::kNotFound);
  EXPECT_EQ(LoadSecretariatKey(dir).error().code(), Status::Code::kNotFound);
  EXPECT_FALSE(SaveSecretariatKey(dir, "xyz").ok());
  ASSERT_TRUE(SaveSecretariatKey(dir, std::string(64, 'e')).ok());
  EXPECT_EQ(*LoadSecretariatKey(dir), std::string(64, 'e'));
  ASSERT_TRUE(SaveRosterDocument(dir, "doc").ok());
  EXPECT_EQ(*LoadRosterDocument(dir), "doc");
}

Header H() {
  Header h;
  h.id = NewMessageId();
  h.from = "node-a";
  h.to = "node-b";
  h.at = 1700000000000;
  h.type = "t";
  h.conv = "c";
  h.seq = 1;
  return h;
}

TEST(Envelope, SealedIsVerifiedWithTheSendersKey) {
  auto a = Key("ea"), b = Key("eb");
  std::string wire = Seal(H(), "payload bytes", a);
  auto e = ParseEnvelope(wire);
  ASSERT_TRUE(e) << e.error().ToString();
  EXPECT_EQ(e->header.from, "node-a");
  EXPECT_EQ(e->payload, "payload bytes");
  EXPECT_TRUE(CheckEnvelope(*e, a.PublicHex()).ok());
  EXPECT_EQ(CheckEnvelope(*e, b.PublicHex()).message(), "bad signature (not the sender's key)");
}

TEST(Envelope, TamperingAndMissingSignaturesAreNamed) {
  auto a = Key("ta");
  json j = json::parse(Seal(H(), "the payload", a));
  j["payload"] = "another payload";
  auto e = ParseEnvelope(j.dump());
  ASSERT_TRUE(e);
  EXPECT_EQ(CheckEnvelope(*e, a.PublicHex()).message(), "payload does not match its hash (tampered)");
  j = json::parse(Seal(H(), "the payload", a));
  j["header"] = std::string(j["header"]).replace(std::string(j["header"]).find("node-b"), 6, "node-c");
  e = ParseEnvelope(j.dump());
  ASSERT_TRUE(e);
  EXPECT_EQ(CheckEnvelope(*e, a.PublicHex()).message(), "bad signature (not the sender's key)");
  j.erase("signature");
  e = ParseEnvelope(j.dump());
  ASSERT_TRUE(e);
  EXPECT_EQ(CheckEnvelope(*e, a.PublicHex()).message(), "unsigned");
}

TEST(Envelope, MalformedIsRefusedWithWhatIsMissing) {
  EXPECT_FALSE(ParseEnvelope("garbage \xff"));
  EXPECT_EQ(ParseEnvelope("{}").error().message(), "no header");
  EXPECT_EQ(ParseEnvelope(R"({"header":"[]","payload":""})").error().message(), "the header is not a JSON object");
  EXPECT_EQ(ParseEnvelope(R"({"header":"{\"v\":2}","payload":""})").error().message(), "unknown envelope version");
  Header h = H();
  h.id = "short";
  auto a = Key("ma");
  EXPECT_EQ(ParseEnvelope(Seal(h, "", a)).error().message(), "the message id is not 32 hex digits");
  h = H();
  h.seq = 0;
  EXPECT_EQ(ParseEnvelope(Seal(h, "", a)).error().message(), "the header has no seq");
}

}  // namespace
}  // namespace lapis::federation
