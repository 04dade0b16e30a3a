// Cooperation objects on every store backend: visibility, search, pages, changes and links.
#include "coop/coop.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "coop/cases.h"
#include "store/store_test_support.h"

namespace lapis::coop {
namespace {

class CoopContract : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto s = store::OpenFreshStore(GetParam(), "coop");
    ASSERT_TRUE(s) << s.error().ToString();
    store_ = std::move(*s);
    coop_ = std::make_unique<Coop>(*store_);
    for (const char* o : {"agency-a", "agency-b", "partner-p", "outsider"})
      ASSERT_TRUE(store_->EnsureOrganisation(o));
    Profile p;
    p.org = "partner-p";
    p.kind = "partner";
    p.country = "GB";
    p.data_json = R"({"sector": "isps", "display_name": "Example Telecom"})";
    ASSERT_TRUE(coop_->PutProfile(p, "cli").ok());
    p = Profile{};
    p.org = "outsider";
    p.membership = "withdrawn";
    ASSERT_TRUE(coop_->PutProfile(p, "cli").ok());
  }

  Viewer V(const std::string& org) {
    auto v = coop_->ViewerFor(org, "analyst", "user:" + org);
    EXPECT_TRUE(v) << v.error().ToString();
    return v ? *v : Viewer{};
  }

  Object Make(const std::string& org, const std::string& title, Tlp tlp, Audience a,
              double score = 0) {
    Object o;
    o.type = "case";
    o.status = "open";
    o.title = title;
    o.tlp = tlp;
    o.audience = std::move(a);
    o.score = score;
    auto r = coop_->Create(V(org), o, "search words here", {});
    EXPECT_TRUE(r) << r.error().ToString();
    return r ? *r : Object{};
  }

  bool Sees(const std::string& org, int64_t id) {
    auto r = coop_->Get(V(org), id);
    EXPECT_TRUE(r);
    return r && r->has_value();
  }

  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Coop> coop_;
};

Audience Kind(const std::string& k, std::vector<std::string> orgs = {}) {
  Audience a;
  a.kind = k;
  a.orgs = std::move(orgs);
  return a;
}

TEST_P(CoopContract, ProfilesDefaultToMemberAgencies) {
  auto a = coop_->GetProfile("agency-a");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->kind, "agency");
  EXPECT_EQ(a->membership, "member");
  auto p = coop_->GetProfile("partner-p");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->kind, "partner");
  EXPECT_EQ(p->country, "GB");
  EXPECT_FALSE(coop_->GetProfile("nobody"));
  auto found = coop_->ListProfiles("telecom", "", "", "");
  ASSERT_TRUE(found);
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].org, "partner-p");
  auto partners = coop_->ListProfiles("", "partner", "GB", "member");
  ASSERT_TRUE(partners);
  EXPECT_EQ(partners->size(), 1u);
  Profile bad;
  bad.org = "agency-a";
  bad.country = "France";
  EXPECT_FALSE(coop_->PutProfile(bad, "cli").ok());
}

TEST_P(CoopContract, EachAudienceReachesExactlyItsOrganisations) {
  auto own = Make("agency-a", "own", Tlp::kRed, Kind("organisation"));
  auto named = Make("agency-a", "named", Tlp::kRed, Kind("organisations", {"agency-b"}));
  auto agencies = Make("agency-a", "agencies", Tlp::kGreen, Kind("agencies"));
  auto network = Make("agency-a", "network", Tlp::kClear, Kind("network"));
  Audience excl = Kind("network");
  excl.exclude = {"partner-p"};
  auto excluded = Make("agency-a", "excluded", Tlp::kGreen, excl);
  struct Want {
    int64_t id;
    bool a, b, p, outsider;
  } wants[] = {{own.id, true, false, false, false},
               {named.id, true, true, false, false},
               {agencies.id, true, true, false, false},
               {network.id, true, true, true, false},
               {excluded.id, true, true, false, false}};
  for (const auto& w : wants) {
    EXPECT_EQ(Sees("agency-a", w.id), w.a) << w.id;
    EXPECT_EQ(Sees("agency-b", w.id), w.b) << w.id;
    EXPECT_EQ(Sees("partner-p", w.id), w.p) << w.id;
    EXPECT_EQ(Sees("outsider", w.id), w.outsider) << w.id;
  }
  // Lists and searches agree with reads.
  ObjectQuery q;
  q.type = "case";
  auto b = coop_->List(V("agency-b"), q);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->items.size(), 4u);  // named, agencies, network, excluded (not the partner)
  q.text = "search";
  auto p = coop_->List(V("partner-p"), q);
  ASSERT_TRUE(p);
  ASSERT_EQ(p->items.size(), 1u);
  EXPECT_EQ(p->items[0].id, network.id);
  auto o = coop_->List(V("outsider"), q);
  ASSERT_TRUE(o);
  EXPECT_TRUE(o->items.empty());
}

TEST_P(CoopContract, GroupsShareWithTheirMembersOnly) {
  Object g;
  g.type = "group";
  g.status = "active";
  g.title = "operation blue";
  g.tlp = Tlp::kGreen;
  g.audience = Kind("network");
  auto group =
      coop_->Create(V("agency-a"), g, "", {{"member", "agency-a"}, {"member", "partner-p"}});
  ASSERT_TRUE(group) << group.error().ToString();
  Audience a;
  a.kind = "groups";
  a.groups = {group->id};
  auto shared = Make("agency-a", "for the group", Tlp::kAmber, a);
  EXPECT_TRUE(Sees("partner-p", shared.id));
  EXPECT_FALSE(Sees("agency-b", shared.id));
}

TEST_P(CoopContract, OnlyTheOriginatorChangesAnObjectAndStaleVersionsAreRefused) {
  auto o = Make("agency-a", "shared", Tlp::kGreen, Kind("agencies"));
  Object ch = o;
  ch.title = "renamed";
  EXPECT_EQ(coop_->Update(V("agency-b"), ch, "", "update", "").error().code(),
            Status::Code::kPermissionDenied);
  auto r = coop_->Update(V("agency-a"), ch, "fresh words", "update", "");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->version, 2);
  EXPECT_EQ(coop_->Update(V("agency-a"), ch, "", "update", "").error().code(),
            Status::Code::kAlreadyExists);
  ObjectQuery q;
  q.type = "case";
  q.text = "fresh";
  auto found = coop_->List(V("agency-a"), q);
  ASSERT_TRUE(found);
  ASSERT_EQ(found->items.size(), 1u);
  EXPECT_EQ(found->items[0].title, "renamed");
  // Narrowing the audience takes the object away at once.
  Object narrow = *r;
  narrow.audience = Kind("organisation");
  ASSERT_TRUE(coop_->Update(V("agency-a"), narrow, "fresh words", "update", ""));
  EXPECT_FALSE(Sees("agency-b", o.id));
  auto history = coop_->Events(V("agency-a"), o.id);
  ASSERT_TRUE(history);
  EXPECT_EQ(history->size(), 3u);
  EXPECT_EQ((*history)[0].action, "create");
}

TEST_P(CoopContract, PagesByScoreVisitEveryObjectOnce) {
  for (int i = 0; i < 25; ++i)
    Make("agency-a", "case " + std::to_string(i), Tlp::kAmber, Kind("organisation"), i % 7);
  ObjectQuery q;
  q.type = "case";
  q.by_score = true;
  q.limit = 4;
  std::set<int64_t> seen;
  double last = 1e9;
  for (int pages = 0; pages < 20; ++pages) {
    auto p = coop_->List(V("agency-a"), q);
    ASSERT_TRUE(p) << p.error().ToString();
    for (const auto& o : p->items) {
      EXPECT_LE(o.score, last);
      last = o.score;
      EXPECT_TRUE(seen.insert(o.id).second);
    }
    if (p->next_cursor.empty()) break;
    q.cursor = p->next_cursor;
  }
  EXPECT_EQ(seen.size(), 25u);
  q.cursor = "garbage";
  EXPECT_FALSE(coop_->List(V("agency-a"), q));
}

TEST_P(CoopContract, SearchesFindObjectsHoldingEveryWordWhateverTheirFrequency) {
  // "common" is in every case, "beta" in three, "gamma" in one of those: searches of common and
  // rare words take different ways to the page, with the same answers.
  std::map<int64_t, std::string> titles;
  for (int i = 0; i < 40; ++i) {
    std::string t = "common case " + std::to_string(i);
    if (i % 13 == 0) t += " beta";
    if (i == 13) t += " gamma";
    titles[Make("agency-a", t, Tlp::kAmber, Kind("organisation"), i).id] = t;
  }
  auto ids = [&](const std::string& text, bool by_score) {
    ObjectQuery q;
    q.type = "case";
    q.text = text;
    q.by_score = by_score;
    q.limit = 100;
    auto p = coop_->List(V("agency-a"), q);
    EXPECT_TRUE(p) << p.error().ToString();
    std::set<int64_t> out;
    if (p)
      for (const auto& o : p->items) out.insert(o.id);
    return out;
  };
  auto want = [&](std::vector<std::string> words) {
    std::set<int64_t> out;
    for (const auto& [id, t] : titles) {
      bool all = true;
      for (const auto& w : words) all &= (" " + t + " ").find(" " + w + " ") != std::string::npos;
      if (all) out.insert(id);
    }
    return out;
  };
  for (bool by_score : {true, false}) {
    EXPECT_EQ(ids("common", by_score), want({"common"}));
    EXPECT_EQ(ids("beta", by_score).size(), 4u);
    EXPECT_EQ(ids("common beta", by_score), want({"common", "beta"}));
    EXPECT_EQ(ids("beta gamma", by_score), want({"beta", "gamma"}));
    EXPECT_EQ(ids("gamma beta common", by_score).size(), 1u);
    EXPECT_TRUE(ids("gamma nothing", by_score).empty());
  }
}

TEST_P(CoopContract, CasesCollectCampaignReportsAndScoreThem) {
  // Ten analysed reports in one campaign.
  auto org = store_->EnsureOrganisation("agency-a");
  ASSERT_TRUE(org);
  std::vector<std::string> shas;
  for (int i = 0; i < 10; ++i) {
    std::string sha(64, '0');
    sha[63] = static_cast<char>('a' + i);
    shas.push_back(sha);
    ASSERT_TRUE(store_->RecordSubmission(store::TestSubmission("agency-a", sha, 1000 + i)));
    store::AnalysisRecord a;
    a.analysis_json = "{}";
    a.category = i < 8 ? "phishing" : "commercial-spam";
    a.origin_country = i % 2 ? "FR" : "BR";
    a.campaign = store::CampaignKeys{};
    a.campaign->strong = {"p:+33612345678"};
    a.campaign->seen = 1000 + i;
    ASSERT_TRUE(store_->SaveAnalysis(*org, sha, a).ok());
  }
  auto row = store_->GetReport("agency-a", shas[0]);
  ASSERT_TRUE(row && *row && (*row)->campaign);
  CaseInput in;
  in.title = "Bank phishing";
  in.summary = "credential theft";
  in.money_lost = 1000;
  CaseSources src;
  src.campaigns = {(*row)->campaign};
  auto c = CreateCase(*coop_, V("agency-a"), in, src);
  ASSERT_TRUE(c) << c.error().ToString();
  auto n = coop_->CountLinks(V("agency-a"), c->id, "report");
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 10);
  EXPECT_GT(c->score, 0);
  EXPECT_NE(c->data_json.find("\"countries\":[\"BR\",\"FR\"]"), std::string::npos) << c->data_json;
  // Extending with reports already there adds nothing and leaves the score.
  CaseSources again;
  again.reports = {shas[0], shas[1]};
  auto ext = ExtendCase(*coop_, V("agency-a"), c->id, again);
  ASSERT_TRUE(ext) << ext.error().ToString();
  EXPECT_EQ(ext->score, c->score);
  EXPECT_NE(ext->data_json.find("\"reports\":10"), std::string::npos) << ext->data_json;
  // A partner owns no cases; another organisation's reports cannot be added.
  EXPECT_FALSE(CreateCase(*coop_, V("partner-p"), in, src));
  EXPECT_FALSE(CreateCase(*coop_, V("agency-b"), in, src));
  // Closing needs an outcome.
  EXPECT_FALSE(UpdateCase(*coop_, V("agency-a"), c->id, 0, R"({"status": "closed"})"));
  auto closed =
      UpdateCase(*coop_, V("agency-a"), c->id, 0,
                 R"({"status": "closed", "outcome": {"kind": "fine", "detail": "EUR 50,000"}})");
  ASSERT_TRUE(closed) << closed.error().ToString();
  EXPECT_EQ(closed->status, "closed");
}

INSTANTIATE_TEST_SUITE_P(Backends, CoopContract, ::testing::ValuesIn(store::TestBackends()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace lapis::coop
