// The behaviour every Store backend must have. Runs on SQLite always and on PostgreSQL when
// LAPIS_TEST_POSTGRES_URL names a server (scripts/test.sh starts one).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <thread>
#include <tuple>

#include "store/audit.h"
#include "store/store_test_support.h"

namespace lapis::store {
namespace {

namespace fs = std::filesystem;

class StoreContract : public ::testing::TestWithParam<std::string> {
 protected:
  // A new, empty store of the backend under test.
  std::unique_ptr<Store> Fresh(const char* name) {
    auto s = OpenFreshStore(GetParam(), name);
    if (!s) {
      ADD_FAILURE() << s.error().ToString();
      return nullptr;
    }
    return std::move(*s);
  }
};

Submission Sub(const std::string& org, const std::string& sha, int64_t t) { return TestSubmission(org, sha, t); }

}  // namespace

TEST_P(StoreContract, MigratesAndReopens) {
  auto s = Fresh("migrate");
  ASSERT_TRUE(s);
  EXPECT_GE(s->SchemaVersion(), 5);
  auto again = ReopenStore(GetParam(), "migrate");
  ASSERT_TRUE(again) << again.error().ToString();
  EXPECT_EQ((*again)->SchemaVersion(), s->SchemaVersion());
}

TEST_P(StoreContract, SameBytesAreOneReportWithMoreComplaints) {
  auto s = Fresh("dup");
  ASSERT_TRUE(s);
  Store& st = *s;
  std::string sha(64, 'a');
  auto a = st.RecordSubmission(Sub("agency-a", sha, 100));
  auto b = st.RecordSubmission(Sub("agency-a", sha, 200));
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(a->new_report);
  EXPECT_FALSE(b->new_report);
  auto row = st.GetReport("agency-a", sha);
  ASSERT_TRUE(row && *row);
  EXPECT_EQ((*row)->complaints, 2);
  EXPECT_EQ((*row)->first_seen, 100);
  EXPECT_EQ((*row)->last_seen, 200);
  EXPECT_EQ((*row)->status, "pending");
}

TEST_P(StoreContract, OrganisationsSeeOnlyTheirOwnReports) {
  auto s = Fresh("tenants");
  ASSERT_TRUE(s);
  Store& st = *s;
  std::string sha(64, 'b');
  ASSERT_TRUE(st.RecordSubmission(Sub("agency-a", sha, 1)));
  auto other = st.GetReport("agency-b", sha);
  ASSERT_TRUE(other);
  EXPECT_FALSE(other->has_value());
  EXPECT_EQ(st.Count("agency-b")->reports, 0);
  EXPECT_EQ(st.Count("agency-a")->reports, 1);
  // The same bytes from another organisation are that organisation's own report.
  auto b = st.RecordSubmission(Sub("agency-b", sha, 2));
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->new_report);
}

TEST_P(StoreContract, AnalysisFailureIsRetriedThenGivenUp) {
  auto s = Fresh("retry");
  ASSERT_TRUE(s);
  Store& st = *s;
  std::string sha(64, 'c');
  ASSERT_TRUE(st.RecordSubmission(Sub("a", sha, 1)));
  for (int i = 0; i < kMaxAnalysisAttempts; ++i) {
    auto p = st.NextPending(10);
    ASSERT_TRUE(p);
    ASSERT_EQ(p->size(), 1u) << "attempt " << i;
    ASSERT_TRUE(st.MarkFailed(p->at(0).org_id, sha, "boom").ok());
  }
  EXPECT_TRUE(st.NextPending(10)->empty());
  auto row = st.GetReport("a", sha);
  EXPECT_EQ((*row)->status, "failed");
  EXPECT_EQ((*row)->last_error, "boom");
  EXPECT_EQ(st.Count("a")->failed, 1);
}

TEST_P(StoreContract, SavedAnalysisAndPersonalDataAreKeptApart) {
  auto s = Fresh("analysis");
  ASSERT_TRUE(s);
  Store& st = *s;
  std::string sha(64, 'd');
  ASSERT_TRUE(st.RecordSubmission(Sub("a", sha, 1)));
  auto p = st.NextPending(10);
  AnalysisRecord rec;
  rec.analysis_json = R"({"id":"x"})";
  rec.personal_json = R"({"to":[{"name":null,"address":"anna@example.org"}]})";
  rec.category = "phishing";
  ASSERT_TRUE(st.SaveAnalysis(p->at(0).org_id, sha, rec).ok());
  auto row = st.GetReport("a", sha);
  EXPECT_EQ((*row)->status, "analysed");
  EXPECT_EQ((*row)->analysis_json, rec.analysis_json);
  EXPECT_EQ((*row)->personal_json, rec.personal_json);
  EXPECT_EQ((*row)->category, "phishing");
  EXPECT_TRUE(st.NextPending(10)->empty());
}


TEST_P(StoreContract, BatchOfSubmissionsIsOneTransaction) {
  auto s = Fresh("batch");
  ASSERT_TRUE(s);
  std::vector<Submission> subs;
  for (char c : std::string("abcdef")) subs.push_back(Sub("org", std::string(64, c), 5));
  subs.push_back(Sub("org", std::string(64, 'a'), 6));  // duplicate inside the batch
  auto r = s->RecordSubmissions(subs);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 7u);
  EXPECT_TRUE((*r)[0].new_report);
  EXPECT_FALSE((*r)[6].new_report);
  EXPECT_EQ(s->Count("org")->reports, 6);
  EXPECT_EQ(s->Count("org")->complaints, 7);
  // A batch with an invalid submission leaves nothing behind.
  std::vector<Submission> bad = {Sub("org", std::string(64, '1'), 7), Sub("", std::string(64, '2'), 7)};
  EXPECT_FALSE(s->RecordSubmissions(bad));
  EXPECT_EQ(s->Count("org")->reports, 6);
}


TEST_P(StoreContract, TokensAreFoundByHashListedAndRevoked) {
  auto s = Fresh("tokens");
  ASSERT_TRUE(s);
  auto id = s->AddToken("agency-a", "analyst", std::string(64, '1'), "mail gateway");
  ASSERT_TRUE(id) << id.error().ToString();
  auto t = s->FindToken(std::string(64, '1'));
  ASSERT_TRUE(t && *t);
  EXPECT_EQ((*t)->org, "agency-a");
  EXPECT_EQ((*t)->role, "analyst");
  EXPECT_EQ((*t)->id, *id);
  EXPECT_EQ((*t)->label, "mail gateway");
  EXPECT_EQ(s->ListTokens("agency-a")->size(), 1u);
  EXPECT_TRUE(s->ListTokens("agency-b")->empty());
  EXPECT_EQ(s->RevokeToken("agency-b", *id).code(), Status::Code::kNotFound);  // not theirs
  ASSERT_TRUE(s->RevokeToken("agency-a", *id).ok());
  EXPECT_FALSE(*s->FindToken(std::string(64, '1')));
  EXPECT_TRUE(s->ListTokens("agency-a")->empty());
  EXPECT_EQ(s->RevokeToken("agency-a", *id).code(), Status::Code::kNotFound);
}

TEST_P(StoreContract, UsersHaveUniqueNamesAndBelongToOneOrganisation) {
  auto s = Fresh("users");
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->CreateUser("agency-a", "alice", "admin", "$argon2id$h1"));
  auto dup = s->CreateUser("agency-b", "alice", "analyst", "$argon2id$h2");
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code(), Status::Code::kAlreadyExists);
  ASSERT_TRUE(s->CreateUser("agency-b", "bob", "analyst", "$argon2id$h3"));
  auto u = s->FindUser("alice");
  ASSERT_TRUE(u && *u);
  EXPECT_EQ((*u)->org, "agency-a");
  EXPECT_EQ((*u)->role, "admin");
  EXPECT_EQ((*u)->password_hash, "$argon2id$h1");
  EXPECT_FALSE(*s->FindUser("carol"));
  auto list = s->ListUsers("agency-a");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ(list->front().name, "alice");
  // Another organisation's admin cannot change alice.
  UserChange c;
  c.role = "reporter";
  EXPECT_EQ(s->UpdateUser("agency-b", "alice", c).code(), Status::Code::kNotFound);
  ASSERT_TRUE(s->UpdateUser("agency-a", "alice", c).ok());
  EXPECT_EQ((*s->FindUser("alice"))->role, "reporter");
}

TEST_P(StoreContract, SessionsExpireAndEndWhenTheUserIsDisabledOrChangesPassword) {
  auto s = Fresh("sessions");
  ASSERT_TRUE(s);
  auto uid = s->CreateUser("agency-a", "alice", "analyst", "$argon2id$h");
  ASSERT_TRUE(uid);
  const int64_t now = 2000000000;
  ASSERT_TRUE(s->CreateSession(std::string(64, 's'), *uid, now + 100).ok());
  auto live = s->FindSession(std::string(64, 's'), now);
  ASSERT_TRUE(live && *live);
  EXPECT_EQ((*live)->user, "alice");
  EXPECT_EQ((*live)->org, "agency-a");
  EXPECT_EQ((*live)->role, "analyst");
  EXPECT_FALSE(*s->FindSession(std::string(64, 's'), now + 100));  // expired
  UserChange off;
  off.disabled = true;
  ASSERT_TRUE(s->UpdateUser("agency-a", "alice", off).ok());
  EXPECT_FALSE(*s->FindSession(std::string(64, 's'), now));
  UserChange on;
  on.disabled = false;
  ASSERT_TRUE(s->UpdateUser("agency-a", "alice", on).ok());
  ASSERT_TRUE(s->CreateSession(std::string(64, 't'), *uid, now + 100).ok());
  UserChange pw;
  pw.password_hash = "$argon2id$new";
  ASSERT_TRUE(s->UpdateUser("agency-a", "alice", pw).ok());
  EXPECT_FALSE(*s->FindSession(std::string(64, 't'), now));
  ASSERT_TRUE(s->CreateSession(std::string(64, 'u'), *uid, now + 100).ok());
  ASSERT_TRUE(s->DeleteSession(std::string(64, 'u')).ok());
  EXPECT_FALSE(*s->FindSession(std::string(64, 'u'), now));
}

TEST_P(StoreContract, AuditLogIsAHashChainThatVerifies) {
  auto s = Fresh("audit");
  ASSERT_TRUE(s);
  auto empty = VerifyAudit(*s);
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->entries, 0);
  EXPECT_EQ(empty->head, kAuditGenesis);
  for (int i = 0; i < 5; ++i) {
    AuditEvent e;
    e.org = i % 2 ? "agency-a" : "agency-b";
    e.actor = "user:alice";
    e.action = "report.read";
    e.target = std::to_string(i);
    auto r = s->AppendAudit(e);
    ASSERT_TRUE(r) << r.error().ToString();
    EXPECT_EQ(r->seq, i + 1);
    EXPECT_EQ(r->hash, AuditHash(*r));
  }
  auto v = VerifyAudit(*s);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->entries, 5);
  EXPECT_EQ(v->first_bad_seq, 0);
  auto a = s->ListAudit("agency-a", 0, 10);
  ASSERT_TRUE(a);
  ASSERT_EQ(a->size(), 2u);
  EXPECT_EQ((*a)[0].seq, 4);  // newest first
  EXPECT_EQ((*a)[1].seq, 2);
  EXPECT_EQ(s->ListAudit("agency-a", 4, 10)->size(), 1u);
  EXPECT_EQ(v->head, s->ListAudit("agency-b", 0, 1)->at(0).hash);  // entry 5
}

TEST(Audit, ChangedEntryBreaksTheHash) {
  AuditEvent e;
  e.seq = 1;
  e.at = 100;
  e.actor = "user:alice";
  e.action = "report.download";
  e.target = "abc";
  e.prev_hash = kAuditGenesis;
  std::string h = AuditHash(e);
  e.target = "abd";
  EXPECT_NE(AuditHash(e), h);
  e.target = "abc";
  e.prev_hash = std::string(64, '1');
  EXPECT_NE(AuditHash(e), h);
  // Field boundaries are part of the hash.
  AuditEvent f = e, g = e;
  f.actor = "ab";
  f.action = "c";
  g.actor = "a";
  g.action = "bc";
  EXPECT_NE(AuditHash(f), AuditHash(g));
}

// Saves an analysis for a pending report of `org`.
void Analyse(Store& st, const std::string& org, const std::string& sha, int64_t at, AnalysisRecord rec) {
  ASSERT_TRUE(st.RecordSubmission(Sub(org, sha, at)));
  auto pending = st.NextPending(100);
  ASSERT_TRUE(pending);
  for (const auto& p : *pending)
    if (p.sha256 == sha) {
      ASSERT_TRUE(st.SaveAnalysis(p.org_id, sha, rec).ok());
    }
}

TEST_P(StoreContract, AggregatesCountAnalysedReportsByDayAndValue) {
  auto s = Fresh("aggregates");
  ASSERT_TRUE(s);
  const int64_t day1 = 1700000000 / 86400 * 86400, day2 = day1 + 86400;
  AnalysisRecord phish;
  phish.analysis_json = "{}";
  phish.category = "phishing";
  phish.origin_country = "NL";
  phish.origin_asn = 1136;
  phish.indicators = {{"domain", "bank-login.example"}, {"domain", "bank-login.example"}, {"host", "x.bank-login.example"}};
  AnalysisRecord spam = phish;
  spam.category = "commercial-spam";
  spam.origin_country = "US";
  spam.origin_asn = 7018;
  spam.indicators = {{"domain", "shop.example"}};
  Analyse(*s, "a", std::string(64, '1'), day1 + 10, phish);
  Analyse(*s, "a", std::string(64, '2'), day1 + 20, phish);
  Analyse(*s, "a", std::string(64, '3'), day2 + 5, spam);
  Analyse(*s, "b", std::string(64, '4'), day2 + 5, spam);
  ASSERT_TRUE(s->RecordSubmission(Sub("a", std::string(64, '5'), day2)));  // pending: not counted
  AggregateQuery q;
  q.org = "a";
  q.dimension = "category";
  auto cats = s->Aggregate(q);
  ASSERT_TRUE(cats) << cats.error().ToString();
  ASSERT_EQ(cats->size(), 2u);
  EXPECT_EQ((*cats)[0].value, "phishing");
  EXPECT_EQ((*cats)[0].count, 2);
  EXPECT_EQ((*cats)[1].value, "commercial-spam");
  EXPECT_EQ((*cats)[1].count, 1);
  q.dimension = "domain";
  auto doms = s->Aggregate(q);
  ASSERT_TRUE(doms);
  ASSERT_EQ(doms->size(), 2u);
  EXPECT_EQ((*doms)[0].value, "bank-login.example");
  EXPECT_EQ((*doms)[0].count, 2);  // reports, not mentions
  q.dimension = "origin_asn";
  EXPECT_EQ(s->Aggregate(q)->at(0).value, "1136");
  q.dimension = "total";
  q.by_day = true;
  auto days = s->Aggregate(q);
  ASSERT_TRUE(days);
  ASSERT_EQ(days->size(), 2u);
  EXPECT_EQ((*days)[0].day, day1);
  EXPECT_EQ((*days)[0].count, 2);
  EXPECT_EQ((*days)[1].day, day2);
  EXPECT_EQ((*days)[1].count, 1);
  q.since = day2 + 100;  // whole days: the day containing `since` is included
  auto later = s->Aggregate(q);
  ASSERT_EQ(later->size(), 1u);
  EXPECT_EQ((*later)[0].day, day2);
  q.org = "nobody";
  EXPECT_TRUE(s->Aggregate(q)->empty());
}

TEST_P(StoreContract, ABatchOfAnalysesCountsEachReportOnceUnderItsOwnOrganisationAndDay) {
  auto s = Fresh("aggregates_batch");
  ASSERT_TRUE(s);
  const int64_t day1 = 1700000000 / 86400 * 86400, day2 = day1 + 86400;
  AnalysisRecord phish;
  phish.analysis_json = "{}";
  phish.category = "phishing";
  phish.indicators = {{"domain", "bank-login.example"}};
  AnalysisRecord spam = phish;
  spam.category = "commercial-spam";
  const std::vector<std::tuple<std::string, std::string, int64_t, AnalysisRecord>> reports = {
      {"a", std::string(64, '1'), day1 + 10, phish}, {"a", std::string(64, '2'), day1 + 20, phish},
      {"a", std::string(64, '3'), day2 + 5, phish},  {"a", std::string(64, '4'), day1 + 30, spam},
      {"b", std::string(64, '5'), day1 + 40, phish}};
  for (const auto& [org, sha, at, rec] : reports) ASSERT_TRUE(s->RecordSubmission(Sub(org, sha, at)));
  auto pending = s->NextPending(100);
  ASSERT_TRUE(pending && pending->size() == reports.size());
  std::vector<Store::Outcome> outcomes;
  for (const auto& p : *pending)
    for (const auto& [org, sha, at, rec] : reports)
      if (p.sha256 == sha) outcomes.push_back({p.org_id, sha, rec, ""});
  ASSERT_TRUE(s->SaveOutcomes(outcomes).ok());
  AggregateQuery q;
  q.org = "a";
  q.dimension = "category";
  q.by_day = true;
  auto cats = s->Aggregate(q);
  ASSERT_TRUE(cats) << cats.error().ToString();
  std::map<std::pair<int64_t, std::string>, int64_t> got;
  for (const auto& c : *cats) got[{c.day, c.value}] = c.count;
  const std::map<std::pair<int64_t, std::string>, int64_t> want = {
      {{day1, "phishing"}, 2}, {{day1, "commercial-spam"}, 1}, {{day2, "phishing"}, 1}};
  EXPECT_EQ(got, want);
  q.dimension = "domain";
  q.by_day = false;
  auto doms = s->Aggregate(q);
  ASSERT_TRUE(doms && doms->size() == 1);
  EXPECT_EQ(doms->at(0).count, 4);
  q.org = "b";
  q.dimension = "total";
  auto b = s->Aggregate(q);
  ASSERT_TRUE(b && b->size() == 1);
  EXPECT_EQ(b->at(0).count, 1);
}

TEST_P(StoreContract, CampaignDetailSummarisesItsMembers) {
  auto s = Fresh("campaign_detail");
  ASSERT_TRUE(s);
  AnalysisRecord rec;
  rec.analysis_json = "{}";
  rec.category = "phishing";
  rec.origin_country = "BR";
  rec.origin_asn = 28573;
  rec.indicators = {{"domain", "pay-fee.example"}, {"phone", "+447700900123"}};
  CampaignKeys keys;
  keys.strong = {"p:+447700900123"};
  for (char c : std::string("123")) {
    rec.campaign = keys;
    rec.campaign->seen = 100;
    if (c == '3') rec.origin_country = "AR";
    Analyse(*s, "a", std::string(64, c), 100, rec);
  }
  auto row = s->GetReport("a", std::string(64, '1'));
  ASSERT_TRUE(row && *row);
  ASSERT_NE((*row)->campaign, 0);
  auto c = s->GetCampaign("a", (*row)->campaign);
  ASSERT_TRUE(c && *c);
  EXPECT_EQ((*c)->reports, 3);
  ASSERT_EQ((*c)->categories.size(), 1u);
  EXPECT_EQ((*c)->categories[0].value, "phishing");
  EXPECT_EQ((*c)->categories[0].count, 3);
  ASSERT_EQ((*c)->origin_countries.size(), 2u);
  EXPECT_EQ((*c)->origin_countries[0].value, "BR");
  EXPECT_EQ((*c)->origin_countries[0].count, 2);
  EXPECT_EQ((*c)->origin_asns.at(0).value, "28573");
  ASSERT_EQ((*c)->top_indicators.size(), 2u);
  EXPECT_EQ((*c)->top_indicators[0].count, 3);
  EXPECT_FALSE(*s->GetCampaign("b", (*row)->campaign));
  // Without the facets: the same root, size and dates, and no summary.
  auto f = s->FindCampaign("a", (*row)->campaign);
  ASSERT_TRUE(f && *f);
  EXPECT_EQ((*f)->id, (*c)->id);
  EXPECT_EQ((*f)->reports, 3);
  EXPECT_EQ((*f)->first_seen, (*c)->first_seen);
  EXPECT_TRUE((*f)->categories.empty() && (*f)->top_indicators.empty());
  EXPECT_FALSE(*s->FindCampaign("b", (*row)->campaign));
  EXPECT_FALSE(*s->FindCampaign("a", 999999));
}

TEST_P(StoreContract, PendingCountCoversEveryOrganisation) {
  auto s = Fresh("pending");
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->RecordSubmission(Sub("a", std::string(64, '1'), 1)));
  ASSERT_TRUE(s->RecordSubmission(Sub("b", std::string(64, '2'), 1)));
  ASSERT_TRUE(s->RecordSubmission(Sub("b", std::string(64, '2'), 2)));  // duplicate
  EXPECT_EQ(*s->CountPending(), 2);
}

TEST_P(StoreContract, ConcurrentWritersKeepCountsAndALinearAuditChain) {
  auto s = Fresh("concurrent");
  ASSERT_TRUE(s);
  constexpr int kThreads = 8, kEach = 40;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        // Every thread submits the same 20 reports (duplicates race) and appends to the log.
        std::string sha(64, "0123456789abcdef"[i % 16]);
        sha[0] = "ab"[(i / 16) % 2];
        if (!s->RecordSubmissions({Sub(t % 2 ? "a" : "b", sha, 100 + i), Sub("a", sha, 100 + i)})) ++failures;
        AuditEvent e;
        e.org = "a";
        e.actor = "user:t" + std::to_string(t);
        e.action = "report.read";
        if (!s->AppendAudit(e)) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  auto a = s->Count("a");
  auto b = s->Count("b");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->reports, 32);
  EXPECT_EQ(a->complaints + b->complaints, 2 * kThreads * kEach);
  auto v = VerifyAudit(*s);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->entries, kThreads * kEach);
  EXPECT_EQ(v->first_bad_seq, 0) << v->problem;
}

TEST_P(StoreContract, BatchesOfTheSameReportsInOppositeOrdersAllCommit) {
  auto s = Fresh("opposite");
  ASSERT_TRUE(s);
  std::vector<Submission> forward;
  for (int i = 0; i < 16; ++i) forward.push_back(Sub("a", std::string(63, 'c') + "0123456789abcdef"[i], 1));
  std::vector<Submission> backward(forward.rbegin(), forward.rend());
  constexpr int kThreads = 6, kRounds = 15;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRounds; ++i)
        if (!s->RecordSubmissions(t % 2 ? forward : backward)) ++failures;
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  auto c = s->Count("a");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->reports, 16);
  EXPECT_EQ(c->complaints, 16 * kThreads * kRounds);
}

TEST_P(StoreContract, FailedCallsChangeNothingAndLeaveTheStoreUsable) {
  auto s = Fresh("failures");
  ASSERT_TRUE(s);
  std::string sha(64, 'e');
  ASSERT_TRUE(s->RecordSubmission(Sub("a", sha, 1)));
  auto p = s->NextPending(10);
  ASSERT_TRUE(p && p->size() == 1);
  AnalysisRecord rec;
  rec.analysis_json = "{}";
  rec.category = "phishing";
  // A batch that names a report that does not exist fails as a whole.
  Store::Outcome good{p->at(0).org_id, sha, rec, ""}, unknown{p->at(0).org_id, std::string(64, 'f'), rec, ""};
  EXPECT_FALSE(s->SaveOutcomes({good, unknown}).ok());
  EXPECT_EQ((*s->GetReport("a", sha))->status, "pending");
  AggregateQuery q;
  q.org = "a";
  q.dimension = "total";
  EXPECT_TRUE(s->Aggregate(q)->empty());
  ASSERT_TRUE(s->AddToken("a", "analyst", std::string(64, '1'), ""));
  EXPECT_FALSE(s->AddToken("a", "analyst", std::string(64, '1'), ""));  // the same hash twice
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(s->FindToken(std::string(64, '1')));
  ASSERT_TRUE(s->SaveOutcomes({good}).ok());
  EXPECT_EQ((*s->GetReport("a", sha))->status, "analysed");
  EXPECT_EQ(s->Aggregate(q)->at(0).count, 1);
}

TEST_P(StoreContract, HostileTextIsStoredWithoutFailure) {
  auto s = Fresh("hostile");
  ASSERT_TRUE(s);
  const std::string org = std::string("agency\0x\xff", 9);
  std::string sha(64, '7');
  Submission sub = Sub(org, sha, 1);
  sub.source = std::string("dir/\xc3\x28\0name", 11);
  sub.personal_json = "{\"reporter\":\"\xed\xa0\x80\"}";
  auto r = s->RecordSubmission(sub);
  ASSERT_TRUE(r) << r.error().ToString();
  auto p = s->NextPending(10);
  ASSERT_TRUE(p && p->size() == 1);
  AnalysisRecord rec;
  rec.analysis_json = "{}";
  rec.subject = std::string("Win\0 \xfe\xfe prize", 13);
  rec.body_text = "\"(* NEAR OR AND ' ; -- \\";
  rec.indicators = {{"domain", std::string("x\0.example", 10)}};
  ASSERT_TRUE(s->SaveAnalysis(p->at(0).org_id, sha, rec).ok());
  auto row = s->GetReport(org, sha);
  ASSERT_TRUE(row && *row);
  EXPECT_EQ((*row)->status, "analysed");
  ReportQuery q;
  q.org = org;
  q.text = "\"(* NEAR OR";
  auto page = s->ListReports(q);
  ASSERT_TRUE(page) << page.error().ToString();
  q.text = "' ; --";
  EXPECT_TRUE(s->ListReports(q));
  q.text = "";
  q.cursor = "garbage";
  EXPECT_FALSE(s->ListReports(q));
}

TEST_P(StoreContract, ReportListsPageFilterAndSearch) {
  auto s = Fresh("listing");
  ASSERT_TRUE(s);
  const char* subjects[] = {"Cheap watches", "Cheap pills", "Your parcel is held", "Cheap watches again"};
  for (int i = 0; i < 4; ++i) {
    AnalysisRecord rec;
    rec.analysis_json = "{}";
    rec.subject = subjects[i];
    rec.body_text = i == 2 ? "Pay the customs fee" : "Buy replica watches now";
    rec.category = i == 2 ? "phishing" : "commercial-spam";
    rec.origin_country = i % 2 ? "US" : "NL";
    rec.origin_asn = i % 2 ? 7018 : 1136;
    rec.indicators = {{"domain", i == 2 ? "parcel-fee.example" : "shop.example"}};
    if (i != 2) {
      CampaignKeys keys;
      keys.strong = {"p:+447700900123"};
      keys.seen = 100 + i;
      rec.campaign = keys;
    }
    Analyse(*s, "a", std::string(64, "1234"[i]), 100 + i, rec);
  }
  ASSERT_TRUE(s->RecordSubmission(Sub("a", std::string(64, '1'), 200)));  // a later complaint: same place
  ReportQuery q;
  q.org = "a";
  q.limit = 2;
  std::vector<std::string> seen;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = s->ListReports(q);
    ASSERT_TRUE(page) << page.error().ToString();
    for (const auto& r : page->rows) seen.push_back(r.sha256);
    if (page->next_cursor.empty()) break;
    q.cursor = page->next_cursor;
  }
  ASSERT_EQ(seen.size(), 4u);  // newest first received first
  EXPECT_EQ(seen[0], std::string(64, '4'));
  EXPECT_EQ(seen[1], std::string(64, '3'));
  EXPECT_EQ(seen[2], std::string(64, '2'));
  EXPECT_EQ(seen[3], std::string(64, '1'));
  auto ids = [&](ReportQuery rq) {
    rq.org = "a";
    std::vector<char> out;
    auto page = s->ListReports(rq);
    EXPECT_TRUE(page);
    if (page)
      for (const auto& r : page->rows) out.push_back(r.sha256[0]);
    return out;
  };
  ReportQuery t;
  t.text = "WATCHES cheap";  // every word, any case, in subject or body
  EXPECT_EQ(ids(t), (std::vector<char>{'4', '2', '1'}));
  t.text = "watches again";
  EXPECT_EQ(ids(t), (std::vector<char>{'4'}));
  t.text = "cheap parcel";
  EXPECT_TRUE(ids(t).empty());
  ReportQuery c;
  c.category = "phishing";
  EXPECT_EQ(ids(c), (std::vector<char>{'3'}));
  ReportQuery asn;
  asn.origin_asn = 7018;
  asn.origin_country = "US";
  EXPECT_EQ(ids(asn), (std::vector<char>{'4', '2'}));
  ReportQuery ind;
  ind.indicator_type = "domain";
  ind.indicator_value = "shop.example";
  EXPECT_EQ(ids(ind), (std::vector<char>{'4', '2', '1'}));
  ReportQuery time;
  time.since = 101;
  time.until = 102;
  EXPECT_EQ(ids(time), (std::vector<char>{'3', '2'}));
  auto row = s->GetReport("a", std::string(64, '1'));
  ASSERT_TRUE(row && *row && (*row)->campaign);
  ReportQuery camp;
  camp.campaign = (*row)->campaign;
  EXPECT_EQ(ids(camp), (std::vector<char>{'4', '2', '1'}));
  auto sighting = s->LookupIndicator("a", "domain", "shop.example", 2);
  ASSERT_TRUE(sighting);
  EXPECT_EQ(sighting->reports, 3);
  EXPECT_EQ(sighting->first_seen, 100);
  EXPECT_EQ(sighting->last_seen, 103);  // first received, not the last complaint
  EXPECT_EQ(sighting->report_ids, (std::vector<std::string>{std::string(64, '4'), std::string(64, '2')}));
  EXPECT_EQ(s->LookupIndicator("b", "domain", "shop.example", 2)->reports, 0);
}

namespace {

// Five reports that make one campaign: 1 and 2 share a phone number, 3 and 4 a payment id, and 5
// has both. Report i (from 0) has id LinkedSha(i), was received at 100 + i and has subject "s<i>".
constexpr size_t kLinkedReports = 5;
std::string LinkedSha(size_t i) { return std::string(64, static_cast<char>('1' + i)); }
AnalysisRecord LinkedReport(size_t i) {
  const std::vector<std::vector<std::string>> keys = {
      {"p:+447700900001"}, {"p:+447700900001"}, {"$:NL91ABNA0417164300"}, {"$:NL91ABNA0417164300"},
      {"p:+447700900001", "$:NL91ABNA0417164300"}};
  AnalysisRecord rec;
  rec.analysis_json = "{}";
  rec.subject = "s" + std::to_string(i);
  CampaignKeys k;
  k.strong = keys.at(i);
  k.seen = 100 + static_cast<int64_t>(i);
  rec.campaign = k;
  return rec;
}

}  // namespace

TEST_P(StoreContract, CampaignsMergedWithinOneBatchCountEveryMemberOnce) {
  auto s = Fresh("merge_batch");
  ASSERT_TRUE(s);
  // All five saved together: the two campaigns of the first four are merged in the batch.
  for (size_t i = 0; i < kLinkedReports; ++i)
    ASSERT_TRUE(s->RecordSubmission(Sub("a", LinkedSha(i), 100 + static_cast<int64_t>(i))));
  auto pending = s->NextPending(10);
  ASSERT_TRUE(pending && pending->size() == kLinkedReports);
  std::vector<Store::Outcome> batch;
  for (size_t i = 0; i < kLinkedReports; ++i)  // in the order the reports came
    for (const auto& p : *pending)
      if (p.sha256 == LinkedSha(i)) batch.push_back({p.org_id, p.sha256, LinkedReport(i), ""});
  ASSERT_TRUE(s->SaveOutcomes(batch).ok());
  auto list = s->ListCampaigns("a", 10, 5);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ(list->at(0).reports, 5);
  EXPECT_EQ(list->at(0).first_seen, 100);
  EXPECT_EQ(list->at(0).last_seen, 104);
  EXPECT_EQ(list->at(0).members.size(), 5u);
  auto one = s->GetReport("a", LinkedSha(0));
  ASSERT_TRUE(one && *one);
  auto c = s->FindCampaign("a", (*one)->campaign);
  ASSERT_TRUE(c && *c);
  EXPECT_EQ((*c)->id, list->at(0).id);
  EXPECT_EQ((*c)->reports, 5);
}

TEST_P(StoreContract, CampaignsAreRebuiltFromTheStoredAnalyses) {
  auto s = Fresh("recluster");
  ASSERT_TRUE(s);
  // Analysed one by one: two campaigns until the fifth report joins them.
  std::map<std::string, CampaignKeys> by_sha;
  for (size_t i = 0; i < kLinkedReports; ++i) {
    AnalysisRecord rec = LinkedReport(i);
    by_sha[LinkedSha(i)] = *rec.campaign;
    Analyse(*s, "a", LinkedSha(i), 100 + static_cast<int64_t>(i), rec);
    if (i == 3) {
      auto before = s->ListCampaigns("a", 10, 10);
      ASSERT_TRUE(before);
      EXPECT_EQ(before->size(), 2u);
    }
  }
  auto check = [&] {
    auto list = s->ListCampaigns("a", 10, 3);
    ASSERT_TRUE(list);
    ASSERT_EQ(list->size(), 1u);
    EXPECT_EQ(list->at(0).reports, 5);
    EXPECT_EQ(list->at(0).first_seen, 100);
    EXPECT_EQ(list->at(0).last_seen, 104);
    EXPECT_EQ(list->at(0).members, (std::vector<std::string>{std::string(64, '1'), std::string(64, '2'),
                                                             std::string(64, '3')}));
    EXPECT_EQ(list->at(0).subjects, (std::vector<std::string>{"s0", "s1", "s2"}));
    for (char c : std::string("12345")) {
      auto row = s->GetReport("a", std::string(64, c));
      ASSERT_TRUE(row && *row);
      EXPECT_EQ((*row)->campaign, list->at(0).id);
      auto camp = s->GetCampaign("a", (*row)->campaign);
      ASSERT_TRUE(camp && *camp);
      EXPECT_EQ((*camp)->id, list->at(0).id);
    }
  };
  check();
  ASSERT_TRUE(s->ClearCampaigns("a").ok());
  EXPECT_TRUE(s->ListCampaigns("a", 10, 3)->empty());
  EXPECT_EQ((*s->GetReport("a", std::string(64, '1')))->campaign, 0);
  std::vector<std::string> order;
  ASSERT_TRUE(s->ForEachAnalysed("a", [&](const std::string& sha, const std::string& json, int64_t seen) {
                 order.push_back(sha);
                 EXPECT_EQ(json, "{}");
                 ASSERT_TRUE(s->Cluster("a", sha, by_sha[sha]));  // the store is usable from the callback
               }).ok());
  EXPECT_EQ(order.size(), 5u);
  EXPECT_TRUE(std::is_sorted(order.begin(), order.end()));  // first seen in this order
  check();
  std::set<std::string> evidence;
  ASSERT_TRUE(s->ForEachEvidenceId([&](const std::string& id) { evidence.insert(id); }).ok());
  EXPECT_EQ(evidence.size(), 5u);
  EXPECT_FALSE(s->Cluster("nobody", std::string(64, '1'), by_sha.begin()->second));
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreContract, ::testing::ValuesIn(TestBackends()),
                         [](const auto& info) { return info.param; });

}  // namespace lapis::store

namespace lapis::store {

// Pages through a query; every row once, in page order.
std::vector<std::string> AllPages(Store& st, ReportQuery q, size_t page_size) {
  std::vector<std::string> out;
  q.limit = page_size;
  for (int guard = 0; guard < 1000; ++guard) {
    auto page = st.ListReports(q);
    if (!page) {
      ADD_FAILURE() << page.error().ToString();
      break;
    }
    for (const auto& r : page->rows) out.push_back(r.sha256);
    if (page->next_cursor.empty()) break;
    q.cursor = page->next_cursor;
  }
  return out;
}

TEST_P(StoreContract, EveryFilterPagesThroughEachMatchOnceNewestFirst) {
  auto s = Fresh("filters");
  ASSERT_TRUE(s);
  AnalysisRecord rec;
  rec.analysis_json = "{}";
  for (int i = 0; i < 30; ++i) {
    rec.category = i % 3 == 0 ? "phishing" : "commercial-spam";
    rec.origin_country = i % 2 ? "NL" : "US";
    rec.origin_asn = i % 5 == 0 ? 1136 : 7018;
    rec.subject = i % 4 == 0 ? "your parcel is waiting" : "cheap watches";
    rec.indicators = {{"domain", i % 3 == 0 ? "parcel-fee.example" : "watches.example"}};
    char c = "0123456789abcdef"[i % 16];
    std::string sha = std::string(62, c) + (i < 16 ? "0" : "1") + c;
    Analyse(*s, "a", sha, 1000 + i / 2, rec);  // pairs share a first_seen: the cursor breaks ties
  }
  ReportQuery q;
  q.org = "a";
  auto all = AllPages(*s, q, 7);
  ASSERT_EQ(all.size(), 30u);
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), 30u);
  auto by_category = [&](ReportQuery f) { return AllPages(*s, f, 4).size(); };
  ReportQuery f = q;
  f.category = "phishing";
  EXPECT_EQ(by_category(f), 10u);
  f = q;
  f.origin_country = "NL";
  EXPECT_EQ(by_category(f), 15u);
  f = q;
  f.origin_asn = 1136;
  EXPECT_EQ(by_category(f), 6u);
  f = q;
  f.indicator_type = "domain";
  f.indicator_value = "parcel-fee.example";
  EXPECT_EQ(by_category(f), 10u);
  f = q;
  f.text = "parcel";
  EXPECT_EQ(by_category(f), 8u);
  f.category = "phishing";  // i % 12 == 0
  EXPECT_EQ(by_category(f), 3u);
  f = q;
  f.since = 1005;
  f.until = 1009;
  EXPECT_EQ(by_category(f), 10u);
  // Newest first.
  auto page = s->ListReports(q);
  ASSERT_TRUE(page);
  for (size_t i = 1; i < page->rows.size(); ++i) EXPECT_GE(page->rows[i - 1].first_seen, page->rows[i].first_seen);
  q.cursor = "nonsense";
  EXPECT_FALSE(s->ListReports(q));
}

TEST_P(StoreContract, IndicatorLookupCountsReportsAndListsTheNewest) {
  auto s = Fresh("lookup");
  ASSERT_TRUE(s);
  AnalysisRecord rec;
  rec.analysis_json = "{}";
  rec.indicators = {{"ip", "192.0.2.7"}, {"ip", "192.0.2.7"}};
  for (int i = 0; i < 5; ++i) Analyse(*s, "a", std::string(63, 'a') + static_cast<char>('0' + i), 100 + i, rec);
  auto r = s->LookupIndicator("a", "ip", "192.0.2.7", 3);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reports, 5);
  EXPECT_EQ(r->first_seen, 100);
  EXPECT_EQ(r->last_seen, 104);
  ASSERT_EQ(r->report_ids.size(), 3u);
  EXPECT_EQ(r->report_ids[0], std::string(63, 'a') + "4");
  EXPECT_EQ(s->LookupIndicator("b", "ip", "192.0.2.7", 3)->reports, 0);
  EXPECT_EQ(s->LookupIndicator("a", "ip", "192.0.2.8", 3)->reports, 0);
}

}  // namespace lapis::store

namespace lapis::store {

TEST_P(StoreContract, SightingsSavedInOneBatchAreCountedOnceEachAndNotAgainOnReanalysis) {
  auto s = Fresh("sightbatch");
  ASSERT_TRUE(s);
  std::vector<Store::Outcome> batch;
  for (int i = 0; i < 3; ++i) {
    std::string sha = std::string(63, 'c') + static_cast<char>('0' + i);
    ASSERT_TRUE(s->RecordSubmission(Sub("a", sha, 200 + i)));
  }
  auto pending = s->NextPending(10);
  ASSERT_TRUE(pending && pending->size() == 3);
  for (const auto& p : *pending) {
    Store::Outcome o;
    o.org_id = p.org_id;
    o.sha256 = p.sha256;
    AnalysisRecord rec;
    rec.analysis_json = "{}";
    rec.indicators = {{"domain", "batch.example"}, {"domain", "batch.example"}, {"ip", "192.0.2.9"}};
    o.record = rec;
    batch.push_back(o);
  }
  ASSERT_TRUE(s->SaveOutcomes(batch).ok());
  auto r = s->LookupIndicator("a", "domain", "batch.example", 5);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reports, 3);
  EXPECT_EQ(r->first_seen, 200);
  EXPECT_EQ(r->last_seen, 202);
  EXPECT_EQ(s->LookupIndicator("a", "ip", "192.0.2.9", 5)->reports, 3);
  ASSERT_TRUE(s->SaveOutcomes({batch[1]}).ok());  // analysed again
  EXPECT_EQ(s->LookupIndicator("a", "domain", "batch.example", 5)->reports, 3);
}

}  // namespace lapis::store

namespace lapis::store {

TEST_P(StoreContract, AnalysingAgainReplacesTheTextAndIndicatorsAndABatchSavesAReportsLastOutcome) {
  auto s = Fresh("reindex");
  ASSERT_TRUE(s);
  const std::string sha(64, 'd');
  ASSERT_TRUE(s->RecordSubmission(Sub("a", sha, 300)));
  auto pending = s->NextPending(10);
  ASSERT_TRUE(pending && pending->size() == 1);
  const int64_t org_id = (*pending)[0].org_id;
  auto outcome = [&](const char* word, const char* domain) {
    Store::Outcome o;
    o.org_id = org_id;
    o.sha256 = sha;
    AnalysisRecord rec;
    rec.analysis_json = std::string("{\"word\":\"") + word + "\"}";
    rec.subject = word;
    rec.indicators = {{"domain", domain}};
    o.record = rec;
    return o;
  };
  Store::Outcome first = outcome("marmalade", "first.example");
  ASSERT_TRUE(s->SaveOutcomes({first}).ok());
  // Analysed again, twice in one batch: the report is saved once, as the last outcome has it.
  Store::Outcome second = outcome("quince", "second.example"), third = outcome("damson", "third.example");
  ASSERT_TRUE(s->SaveOutcomes({second, third}).ok());
  auto rows = [&](ReportQuery q) {  // of organisation "a" that the query finds
    q.org = "a";
    auto page = s->ListReports(q);
    EXPECT_TRUE(page);
    return page ? page->rows.size() : 0;
  };
  auto found = [&](const char* text) {
    ReportQuery q;
    q.text = text;
    return rows(q);
  };
  EXPECT_EQ(found("marmalade"), 0u);
  EXPECT_EQ(found("quince"), 0u);
  EXPECT_EQ(found("damson"), 1u);
  auto listed = [&](const char* domain) {
    ReportQuery q;
    q.indicator_type = "domain";
    q.indicator_value = domain;
    return rows(q);
  };
  EXPECT_EQ(listed("first.example"), 0u);
  EXPECT_EQ(listed("second.example"), 0u);
  EXPECT_EQ(listed("third.example"), 1u);
  auto row = s->GetReport("a", sha);
  ASSERT_TRUE(row && *row);
  EXPECT_EQ((*row)->analysis_json, "{\"word\":\"damson\"}");
  auto counts = s->Count("a");
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->analysed, 1);
}

}  // namespace lapis::store

namespace lapis::store {

TEST_P(StoreContract, SavingAnalysesWhileTheirReportsAreSubmittedAgainNeverStalls) {
  auto s = Fresh("resubmit");
  ASSERT_TRUE(s);
  constexpr int kReports = 64, kThreads = 12, kRounds = 20;
  std::vector<std::string> shas;
  for (int i = 0; i < kReports; ++i) {
    char sha[65];
    std::snprintf(sha, sizeof sha, "%064x", 0x5000 + i);
    shas.push_back(sha);
    ASSERT_TRUE(s->RecordSubmission(Sub("a", sha, 100)));
  }
  auto pending = s->NextPending(kReports);
  ASSERT_TRUE(pending && pending->size() == size_t{kReports});
  // More writers than a backend keeps connections, each submitting reports of the batch being
  // saved again, so that they wait for the rows the save holds.
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> submitters;
  for (int t = 0; t < kThreads; ++t)
    submitters.emplace_back([&, t] {
      for (int i = t; !stop; ++i)
        if (!s->RecordSubmissions({Sub("a", shas[i % kReports], 200), Sub("a", shas[(i * 7) % kReports], 200)}))
          ++failures;
    });
  // A save that waits forever fails the test instead of hanging it.
  std::atomic<bool> done{false};
  std::thread watchdog([&] {
    for (int i = 0; i < 1200 && !done; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (!done) {
      std::fprintf(stderr, "saving analyses stalled while their reports were submitted again\n");
      std::abort();
    }
  });
  for (int round = 0; round < kRounds; ++round) {
    std::vector<Store::Outcome> batch;
    for (const auto& p : *pending) {
      Store::Outcome o;
      o.org_id = p.org_id;
      o.sha256 = p.sha256;
      AnalysisRecord rec;
      rec.analysis_json = "{}";
      rec.subject = "round " + std::to_string(round);
      rec.indicators = {{"domain", "resubmit.example"}};
      o.record = rec;
      batch.push_back(o);
    }
    Status saved = s->SaveOutcomes(batch);
    EXPECT_TRUE(saved.ok()) << "round " << round << ": " << saved.ToString();
  }
  stop = true;
  for (auto& th : submitters) th.join();
  done = true;
  watchdog.join();
  EXPECT_EQ(failures.load(), 0);
  auto c = s->Count("a");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->analysed, kReports);
  EXPECT_EQ(s->LookupIndicator("a", "domain", "resubmit.example", 1)->reports, kReports);
}

}  // namespace lapis::store
