// Behaviour of the SQLite backend's own layout (the contract every backend keeps is tested in
// store_contract_test.cc).
#include "store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <filesystem>
#include <thread>

#include "common/sha256.h"
#include "store/store_test_support.h"
#include "common/test_dir.h"

namespace lapis::store {
namespace {

namespace fs = std::filesystem;

std::string TempDb(const char* name) {
  return (FreshTestDir(std::string("lapis_sqlite_") + name) / "lapis.db").string();
}

Submission Sub(const std::string& sha, int64_t t) { return TestSubmission("agency", sha, t); }

void Exec(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
}

int64_t CountRows(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) return -1;
  sqlite3_stmt* q = nullptr;
  int64_t n = -1;
  if (sqlite3_prepare_v2(db, sql, -1, &q, nullptr) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW) n = sqlite3_column_int64(q, 0);
  sqlite3_finalize(q);
  sqlite3_close(db);
  return n;
}

}  // namespace

TEST(SqliteStore, AnalysesLiveOutsideTheReportRowAndOlderInRowAnalysesStillRead) {
  std::string path = TempDb("layout");
  std::string old_sha(64, 'a'), new_sha(64, 'b');
  {
    auto s = OpenSqliteStore(path);
    ASSERT_TRUE(s);
    ASSERT_TRUE((*s)->RecordSubmission(Sub(old_sha, 1)));
    ASSERT_TRUE((*s)->RecordSubmission(Sub(new_sha, 2)));
    auto p = (*s)->NextPending(10);
    ASSERT_TRUE(p && p->size() == 2);
    AnalysisRecord rec;
    rec.analysis_json = R"({"id":"new"})";
    ASSERT_TRUE((*s)->SaveAnalysis(p->at(0).org_id, new_sha, rec).ok());
    rec.analysis_json = R"({"id":"again"})";
    ASSERT_TRUE((*s)->SaveAnalysis(p->at(0).org_id, new_sha, rec).ok());  // re-analysis replaces
  }
  // A report analysed by an earlier version keeps its analysis in its own row.
  Exec(path, ("UPDATE reports SET status = 'analysed', analysis = '{\"id\":\"old\"}' WHERE sha256 = '" + old_sha + "'").c_str());
  auto s = OpenSqliteStore(path);
  ASSERT_TRUE(s);
  EXPECT_EQ((*(*s)->GetReport("agency", new_sha))->analysis_json, R"({"id":"again"})");
  EXPECT_EQ((*(*s)->GetReport("agency", old_sha))->analysis_json, R"({"id":"old"})");
  std::vector<std::string> seen;
  ASSERT_TRUE((*s)->ForEachAnalysed("agency", [&](const std::string&, const std::string& json, int64_t) {
                     seen.push_back(json);
                   }).ok());
  EXPECT_EQ(seen, (std::vector<std::string>{R"({"id":"old"})", R"({"id":"again"})"}));
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* q = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM report_analysis", -1, &q, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(q, 0), 1);  // the replaced analysis is gone
  sqlite3_finalize(q);
  sqlite3_close(db);
}

TEST(SqliteStore, AnalysesAreStoredPackedAndThoseStoredAsTextStillRead) {
  std::string path = TempDb("packed");
  std::string packed_sha(64, 'c'), text_sha(64, 'd');
  std::string json = R"({"schema_version":1,"received":[)";
  for (int i = 0; i < 30; ++i)
    json += std::string(i ? "," : "") + R"({"helo":"relay.example.net","ip":"192.0.2.)" + std::to_string(i) +
            R"(","protocol":"ESMTP","flags":[],"trusted":true})";
  json += "]}";
  {
    auto s = OpenSqliteStore(path);
    ASSERT_TRUE(s);
    ASSERT_TRUE((*s)->RecordSubmission(Sub(packed_sha, 1)));
    ASSERT_TRUE((*s)->RecordSubmission(Sub(text_sha, 2)));
    auto p = (*s)->NextPending(10);
    ASSERT_TRUE(p && p->size() == 2);
    AnalysisRecord rec;
    rec.analysis_json = json;
    ASSERT_TRUE((*s)->SaveAnalysis(p->at(0).org_id, packed_sha, rec).ok());
    ASSERT_TRUE((*s)->SaveAnalysis(p->at(0).org_id, text_sha, rec).ok());
  }
  EXPECT_EQ(CountRows(path, "SELECT COUNT(*) FROM report_analysis WHERE typeof(analysis) = 'blob'"), 2);
  EXPECT_LT(CountRows(path, "SELECT MAX(length(analysis)) FROM report_analysis") * 4, static_cast<int64_t>(json.size()));
  // As an earlier version stored it: the JSON text itself.
  Exec(path, ("UPDATE report_analysis SET analysis = '{\"id\":\"text\"}' WHERE id = "
              "(SELECT analysis_id FROM reports WHERE sha256 = '" + text_sha + "')").c_str());
  auto s = OpenSqliteStore(path);
  ASSERT_TRUE(s);
  EXPECT_EQ((*(*s)->GetReport("agency", packed_sha))->analysis_json, json);
  EXPECT_EQ((*(*s)->GetReport("agency", text_sha))->analysis_json, R"({"id":"text"})");
  std::vector<std::string> seen;
  ASSERT_TRUE((*s)->ForEachAnalysed("agency", [&](const std::string&, const std::string& j, int64_t) {
                     seen.push_back(j);
                   }).ok());
  EXPECT_EQ(seen, (std::vector<std::string>{json, R"({"id":"text"})"}));
  // A damaged packed value is an error of that report, not a crash or a wrong analysis.
  Exec(path, ("UPDATE report_analysis SET analysis = X'01DEADBEEF' WHERE id = "
              "(SELECT analysis_id FROM reports WHERE sha256 = '" + packed_sha + "')").c_str());
  auto damaged = (*s)->GetReport("agency", packed_sha);
  ASSERT_FALSE(damaged.has_value());
  EXPECT_EQ(damaged.error().code(), Status::Code::kCorruption);
}

TEST(SqliteStore, PendingReportsComeOldestFirst) {
  auto s = OpenSqliteStore(TempDb("fifo"));
  ASSERT_TRUE(s);
  for (int i = 0; i < 20; ++i) {
    char sha[65];
    std::snprintf(sha, sizeof sha, "%064x", (i * 37) % 101);  // hash order is not arrival order
    ASSERT_TRUE((*s)->RecordSubmission(Sub(sha, 1000 + i * 10)));
  }
  auto p = (*s)->NextPending(20);
  ASSERT_TRUE(p && p->size() == 20);
  std::vector<int64_t> seen;
  for (const auto& r : *p) seen.push_back((*(*s)->GetReport("agency", r.sha256))->first_seen);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
}

TEST(SqliteStore, TheWriteAheadLogStaysBoundedUnderContinuousWrites) {
  std::string path = TempDb("wal");
  auto s = OpenSqliteStore(path, INT_MAX, SqliteLogLimits{2048, 8192});
  ASSERT_TRUE(s);
  std::string pad(3000, 'x');
  for (int batch = 0; batch < 300; ++batch) {
    std::vector<Submission> subs;
    for (int i = batch * 100; i < batch * 100 + 100; ++i) {
      char sha[65];
      std::snprintf(sha, sizeof sha, "%064x", i);
      subs.push_back(Sub(sha, i));
      subs.back().source = pad;  // about one page per submission
    }
    ASSERT_TRUE((*s)->RecordSubmissions(subs));
  }
  // 30,000 pages were written; the log is started again once it holds 8,192.
  EXPECT_LT(fs::file_size(path + "-wal"), uint64_t{8192 + 1024} * 4096);
}

TEST(SqliteStore, ACommitThatGrowsTheLogPastAThresholdWakesTheCheckpointerAtOnce) {
  std::string path = TempDb("ckpt_wake");
  // The checkpointer's own timer first fires a second from now.
  auto s = OpenSqliteStore(path, INT_MAX, SqliteLogLimits{2048, 8192});
  ASSERT_TRUE(s);
  const auto before = fs::file_size(path);
  std::vector<Submission> subs;
  for (int i = 0; i < 25; ++i) {
    char sha[65];
    std::snprintf(sha, sizeof sha, "%064x", i);
    subs.push_back(Sub(sha, i));
    subs.back().source = std::string(400 * 1024, 'x');  // about a hundred pages each
  }
  ASSERT_TRUE((*s)->RecordSubmissions(subs));
  // About 2,500 pages are now in the log only; the checkpointer copies them into the database
  // file, without waiting for its timer and without the committing connection doing it.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(800);
  while (fs::file_size(path) < before + 2000 * 4096 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_GE(fs::file_size(path), before + 2000 * 4096);
}

TEST(SqliteStore, ABatchSavedInAnyOrderIsWrittenToTheSearchIndexesOnce) {
  std::string path = TempDb("fts_runs");
  auto s = OpenSqliteStore(path);
  ASSERT_TRUE(s);
  std::vector<Store::Outcome> outcomes;
  for (int i = 0; i < 40; ++i) {
    char sha[65];
    std::snprintf(sha, sizeof sha, "%064x", i);
    ASSERT_TRUE((*s)->RecordSubmission(Sub(sha, 1000)));  // arrival order: search ids ascend
    Store::Outcome o;
    o.sha256 = sha;
    o.record.emplace();
    o.record->analysis_json = "{}";
    o.record->subject = "offer " + std::to_string(i);
    o.record->body_text = "cheap pills number " + std::to_string(i) + " from pharmacy" + std::to_string(i % 7);
    o.record->indicators = {{"domain", "shop" + std::to_string(i) + ".example"}, {"ip", "192.0.2." + std::to_string(i)}};
    outcomes.insert(outcomes.begin(), std::move(o));  // saved newest first
  }
  auto pending = (*s)->NextPending(1);
  ASSERT_TRUE(pending && pending->size() == 1);
  for (auto& o : outcomes) o.org_id = pending->front().org_id;
  // With merging off, every time an index writes out what it holds it leaves a segment of its own.
  Exec(path, "INSERT INTO report_text(report_text, rank) VALUES ('automerge', 0);"
             "INSERT INTO report_indicator_terms(report_indicator_terms, rank) VALUES ('automerge', 0);");
  ASSERT_TRUE((*s)->SaveOutcomes(outcomes).ok());
  // A segment of these few rows is one leaf; beside it the structure and the averages records.
  EXPECT_LE(CountRows(path, "SELECT COUNT(*) FROM report_text_data"), 4);
  EXPECT_LE(CountRows(path, "SELECT COUNT(*) FROM report_indicator_terms_data"), 4);
  ReportQuery q;
  q.org = "agency";
  q.text = "pharmacy3";
  auto page = (*s)->ListReports(q);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->rows.size(), 6u);  // i = 3, 10, 17, 24, 31, 38
}

TEST(SqliteStore, ABatchOfMoreReportsThanATransactionHoldsIsSavedWhole) {
  std::string path = TempDb("big_batch");
  auto s = OpenSqliteStore(path);
  ASSERT_TRUE(s);
  constexpr int kReports = 2500;  // more than two transactions' worth
  std::vector<Store::Outcome> outcomes;
  for (int i = 0; i < kReports; ++i) {
    char sha[65];
    std::snprintf(sha, sizeof sha, "%064x", i + 1);
    ASSERT_TRUE((*s)->RecordSubmission(Sub(sha, 1000 + i)));
    Store::Outcome o;
    o.sha256 = sha;
    o.record.emplace();
    o.record->analysis_json = "{}";
    o.record->subject = "offer " + std::to_string(i);
    o.record->body_text = "parcel held at customs number " + std::to_string(i);
    o.record->indicators = {{"domain", "shop" + std::to_string(i % 50) + ".example"}};
    outcomes.push_back(std::move(o));
  }
  auto pending = (*s)->NextPending(1);
  ASSERT_TRUE(pending && pending->size() == 1);
  for (auto& o : outcomes) o.org_id = pending->front().org_id;
  ASSERT_TRUE((*s)->SaveOutcomes(outcomes).ok());
  auto c = (*s)->Count("agency");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->analysed, kReports);
  EXPECT_EQ(c->pending, 0);
  EXPECT_EQ(CountRows(path, "SELECT COUNT(*) FROM report_text"), kReports);
}

TEST(SqliteStore, TheReportFiltersIndexOnlyTheReportsThatHaveTheirValue) {
  std::string path = TempDb("partial");
  auto s = OpenSqliteStore(path);
  ASSERT_TRUE(s);
  std::string a(64, 'a'), b(64, 'b');
  ASSERT_TRUE((*s)->RecordSubmission(Sub(a, 10)));
  ASSERT_TRUE((*s)->RecordSubmission(Sub(b, 20)));
  // Entries in the leaves of an index (dbstat): none for reports still waiting for analysis.
  auto entries = [&](const std::string& index) {
    return CountRows(path, ("SELECT COALESCE(SUM(ncell), 0) FROM dbstat WHERE name = '" + index +
                            "' AND pagetype = 'leaf'").c_str());
  };
  const char* kFilters[] = {"reports_org_asn", "reports_org_country", "reports_org_category", "reports_campaign"};
  for (const char* index : kFilters) EXPECT_EQ(entries(index), 0) << index;
  auto p = (*s)->NextPending(10);
  ASSERT_TRUE(p && p->size() == 2);
  AnalysisRecord rec;
  rec.analysis_json = "{}";
  rec.category = "phishing";
  rec.origin_country = "NL";
  rec.origin_asn = 64500;
  CampaignKeys keys;
  keys.seen = 10;
  keys.strong = {"d:parcel.example"};
  rec.campaign = keys;
  ASSERT_TRUE((*s)->SaveAnalysis(p->at(0).org_id, a, rec).ok());
  for (const char* index : kFilters) EXPECT_EQ(entries(index), 1) << index;
  // Each filter, and the campaign summary, still finds the report.
  ReportQuery q;
  q.org = "agency";
  q.category = "phishing";
  auto page = (*s)->ListReports(q);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->rows.size(), 1u);
  EXPECT_EQ(page->rows[0].sha256, a);
  q.category.clear();
  q.origin_asn = 64500;
  page = (*s)->ListReports(q);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->rows.size(), 1u);
  q.origin_asn = 0;
  q.origin_country = "NL";
  page = (*s)->ListReports(q);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->rows.size(), 1u);
  auto report = (*s)->GetReport("agency", a);
  ASSERT_TRUE(report && *report && (*report)->campaign);
  q.origin_country.clear();
  q.campaign = (*report)->campaign;
  page = (*s)->ListReports(q);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->rows.size(), 1u);
  auto campaign = (*s)->GetCampaign("agency", (*report)->campaign);
  ASSERT_TRUE(campaign && *campaign);
  ASSERT_EQ((*campaign)->categories.size(), 1u);
  EXPECT_EQ((*campaign)->categories[0].value, "phishing");
}

// Saves the analysis of a new report `sha` that has the phone number `phone` (a campaign key taken
// as it is), with `personal` as its personal data; the report's campaign (0 for none).
Result<int64_t> SaveWithPhone(Store& s, const std::string& sha, const std::string& phone, const std::string& personal) {
  if (auto r = s.RecordSubmission(Sub(sha, 10)); !r) return Fail(r.error());
  auto p = s.NextPending(10);
  if (!p || p->empty()) return Fail(Status::Internal("not pending"));
  AnalysisRecord rec;
  rec.analysis_json = "{}";
  rec.personal_json = personal;
  CampaignKeys keys;
  keys.seen = 10;
  keys.strong = {"p:" + phone};
  rec.campaign = keys;
  if (Status st = s.SaveAnalysis(p->at(0).org_id, sha, rec); !st.ok()) return Fail(st);
  auto report = s.GetReport("agency", sha);
  if (!report || !*report) return Fail(Status::Internal("no report"));
  return (*report)->campaign;
}

// The number of reports of campaign `id` as the store tells it; -1 when there is no such campaign.
int64_t CampaignReports(Store& s, int64_t id) {
  auto c = s.GetCampaign("agency", id);
  return c && *c ? (*c)->reports : -1;
}

TEST(SqliteStore, ACampaignChangedByAnotherProcessIsReadAgainBeforeTheNextReportJoinsIt) {
  std::string path = TempDb("campaign_other_writer");
  auto s = OpenSqliteStore(path);
  ASSERT_TRUE(s);
  auto first = SaveWithPhone(**s, std::string(64, 'a'), "+31201234567", "{}");
  ASSERT_TRUE(first && *first);
  auto second = SaveWithPhone(**s, std::string(64, 'b'), "+31201234567", "{}");
  ASSERT_TRUE(second);
  EXPECT_EQ(*second, *first);
  EXPECT_EQ(CampaignReports(**s, *first), 2);
  // Another process (a `lapis recluster`, say) empties the campaigns.
  Exec(path, "DELETE FROM campaign_keys; DELETE FROM campaigns; UPDATE reports SET campaign_id = NULL");
  auto third = SaveWithPhone(**s, std::string(64, 'c'), "+31201234567", "{}");
  ASSERT_TRUE(third && *third);
  EXPECT_EQ(CampaignReports(**s, *third), 1) << "joined campaign " << *third << ", which is gone";
}

TEST(SqliteStore, ACampaignCreatedInATransactionThatIsRolledBackIsNotJoinedLater) {
  std::string path = TempDb("campaign_rollback");
  auto s = OpenSqliteStore(path);
  ASSERT_TRUE(s);
  // Saving personal data that says so fails: the whole save is rolled back, after the report was
  // given a new campaign.
  Exec(path, "CREATE TRIGGER fail_save BEFORE INSERT ON report_personal_data WHEN NEW.data = '{\"fail\":1}' "
             "BEGIN SELECT RAISE(ABORT, 'refused'); END");
  EXPECT_FALSE(SaveWithPhone(**s, std::string(64, 'a'), "+31201234567", "{\"fail\":1}"));
  EXPECT_EQ(CountRows(path, "SELECT count(*) FROM campaigns"), 0);
  auto next = SaveWithPhone(**s, std::string(64, 'b'), "+31201234567", "{}");
  ASSERT_TRUE(next && *next);
  EXPECT_EQ(CampaignReports(**s, *next), 1) << "joined campaign " << *next << ", which was rolled back";
}

TEST(SqliteStore, ReportsTakeIdsInArrivalOrderAndTheirComplaintsAndPersonalDataFollowThatId) {
  std::string path = TempDb("ids");
  auto s = OpenSqliteStore(path);
  ASSERT_TRUE(s);
  std::string a(64, 'f'), b(64, '0');  // b sorts first by hash, arrives second
  ASSERT_TRUE((*s)->RecordSubmission(Sub(a, 10)));
  ASSERT_TRUE((*s)->RecordSubmission(Sub(b, 20)));
  auto again = (*s)->RecordSubmission(Sub(a, 30));  // the same evidence, one more complaint
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->new_report);
  EXPECT_EQ(CountRows(path, ("SELECT id FROM reports WHERE sha256 = '" + a + "'").c_str()), 1);
  EXPECT_EQ(CountRows(path, ("SELECT id FROM reports WHERE sha256 = '" + b + "'").c_str()), 2);
  EXPECT_EQ(CountRows(path, ("SELECT COUNT(*) FROM complaints WHERE report_id = 1 AND sha256 = '" + a + "'").c_str()), 2);
  EXPECT_EQ(CountRows(path, "SELECT COUNT(*) FROM complaints WHERE report_id = 2"), 1);
  auto p = (*s)->NextPending(10);
  ASSERT_TRUE(p && p->size() == 2);
  AnalysisRecord rec;
  rec.analysis_json = "{}";
  rec.subject = "prize";
  rec.personal_json = R"({"recipients":["victim@example.org"]})";
  ASSERT_TRUE((*s)->SaveAnalysis(p->at(0).org_id, b, rec).ok());
  EXPECT_EQ(CountRows(path, "SELECT COUNT(*) FROM report_personal_data WHERE report_id = 2"), 1);
  EXPECT_EQ((*(*s)->GetReport("agency", b))->personal_json, rec.personal_json);
  EXPECT_EQ((*(*s)->GetReport("agency", a))->personal_json, "");
  // Saving an analysis for a report the store does not hold fails, and saves nothing else.
  std::vector<Store::Outcome> outcomes(2);
  outcomes[0].org_id = outcomes[1].org_id = p->at(0).org_id;
  outcomes[0].sha256 = a;
  outcomes[0].record = rec;
  outcomes[1].sha256 = std::string(64, '9');
  outcomes[1].record = rec;
  EXPECT_FALSE((*s)->SaveOutcomes(outcomes).ok());
  EXPECT_EQ((*(*s)->GetReport("agency", a))->status, "pending");
}

// A store written before reports had ids of their own (schema 12): its reports take their search
// ids as ids, so the full-text and indicator indexes, personal data and complaints still find them.
TEST(SqliteStore, AStoreFromBeforeReportIdsIsUpgradedWithEverythingStillFound) {
  std::string path = TempDb("upgrade13");
  {
    auto s = OpenSqliteStore(path, 12);
    ASSERT_TRUE(s);
  }
  std::string x(64, 'e'), y(64, '1');
  // The indicator's term as the store makes it (IndicatorTerm): organisation, type and value hashed.
  const std::string term = "x" + Sha256Hex(std::string("1\0domain\0parcel.example", 23)).substr(0, 24);
  Exec(path, ("INSERT INTO organisations(id, name, created_at) VALUES (1, 'agency', 0);"
              "INSERT INTO reports(org_id, sha256, kind, size, first_seen, last_seen, complaints, status, category) "
              "  VALUES (1, '" + x + "', 'email', 10, 100, 100, 1, 'analysed', 'phishing'),"
              "         (1, '" + y + "', 'email', 10, 200, 300, 2, 'pending', NULL);"
              "INSERT INTO report_search_ids(id, org_id, sha256) VALUES (7, 1, '" + x + "'), (9, 1, '" + y + "');"
              "INSERT INTO report_text(rowid, subject, body) VALUES (7, 'parcel', 'customs fee unpaid');"
              "INSERT INTO report_indicator_list(report_id, type, value) VALUES (7, 'domain', 'parcel.example');"
              "INSERT INTO report_indicator_terms(rowid, terms) VALUES (7, '" + term + "');"
              "INSERT INTO report_personal_data(org_id, sha256, data) VALUES (1, '" + x + "', '{\"who\":1}');"
              "INSERT INTO complaints(org_id, sha256, channel, received_at) VALUES (1, '" + y + "', 'api', 200),"
              "  (1, '" + x + "', 'api', 100), (1, '" + y + "', 'smtp', 300);").c_str());
  auto s = OpenSqliteStore(path);
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_EQ((*s)->SchemaVersion(), 14);
  EXPECT_EQ(CountRows(path, ("SELECT id FROM reports WHERE sha256 = '" + x + "'").c_str()), 7);
  EXPECT_EQ(CountRows(path, ("SELECT id FROM reports WHERE sha256 = '" + y + "'").c_str()), 9);
  EXPECT_EQ(CountRows(path, "SELECT COUNT(*) FROM complaints WHERE report_id = 9"), 2);
  EXPECT_EQ(CountRows(path, "SELECT COUNT(*) FROM complaints WHERE report_id = 7"), 1);
  auto rx = (*s)->GetReport("agency", x);
  ASSERT_TRUE(rx && *rx);
  EXPECT_EQ((*rx)->personal_json, R"({"who":1})");
  EXPECT_EQ((*rx)->category, "phishing");
  auto ry = (*s)->GetReport("agency", y);
  ASSERT_TRUE(ry && *ry);
  EXPECT_EQ((*ry)->complaints, 2);
  auto found = [&](ReportQuery q) {  // the reports a page lists, or an error
    q.org = "agency";
    auto page = (*s)->ListReports(q);
    std::vector<std::string> ids;
    if (!page) return std::vector<std::string>{"error: " + page.error().ToString()};
    for (const auto& r : page->rows) ids.push_back(r.sha256);
    return ids;
  };
  ReportQuery by_text;
  by_text.text = "customs";
  EXPECT_EQ(found(by_text), std::vector<std::string>{x});
  ReportQuery by_indicator;
  by_indicator.indicator_type = "domain";
  by_indicator.indicator_value = "parcel.example";
  EXPECT_EQ(found(by_indicator), std::vector<std::string>{x});
  // A report arriving after the upgrade takes the next id.
  std::string z(64, '5');
  ASSERT_TRUE((*s)->RecordSubmission(Sub(z, 400)));
  EXPECT_EQ(CountRows(path, ("SELECT id FROM reports WHERE sha256 = '" + z + "'").c_str()), 10);
  EXPECT_EQ(CountRows(path, "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'report_search_ids'"), 0);
}

}  // namespace lapis::store
