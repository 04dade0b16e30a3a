#include "store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace lapis::store {
namespace {

namespace fs = std::filesystem;

std::string TempDb(const char* name) {
  fs::path d = fs::temp_directory_path() / (std::string("lapis_sqlite_") + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return (d / "lapis.db").string();
}

Submission Sub(const std::string& org, const std::string& sha, int64_t t) {
  Submission s;
  s.org = org;
  s.sha256 = sha;
  s.size = 10;
  s.kind = "email";
  s.channel = "ingest";
  s.received_at = t;
  return s;
}

}  // namespace

TEST(SqliteStore, MigratesAndReopens) {
  std::string path = TempDb("migrate");
  {
    auto s = OpenSqliteStore(path);
    ASSERT_TRUE(s) << s.error().ToString();
    EXPECT_GE((*s)->SchemaVersion(), 1);
  }
  auto again = OpenSqliteStore(path);
  ASSERT_TRUE(again);
  EXPECT_GE((*again)->SchemaVersion(), 1);
}

TEST(SqliteStore, SameBytesAreOneReportWithMoreComplaints) {
  auto s = OpenSqliteStore(TempDb("dup"));
  ASSERT_TRUE(s);
  Store& st = **s;
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

TEST(SqliteStore, OrganisationsSeeOnlyTheirOwnReports) {
  auto s = OpenSqliteStore(TempDb("tenants"));
  ASSERT_TRUE(s);
  Store& st = **s;
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

TEST(SqliteStore, AnalysisFailureIsRetriedThenGivenUp) {
  auto s = OpenSqliteStore(TempDb("retry"));
  ASSERT_TRUE(s);
  Store& st = **s;
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

TEST(SqliteStore, SavedAnalysisAndPersonalDataAreKeptApart) {
  auto s = OpenSqliteStore(TempDb("analysis"));
  ASSERT_TRUE(s);
  Store& st = **s;
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

}  // namespace lapis::store

namespace lapis::store {

TEST(SqliteStore, BatchOfSubmissionsIsOneTransaction) {
  auto s = OpenSqliteStore(TempDb("batch"));
  ASSERT_TRUE(s);
  std::vector<Submission> subs;
  for (char c : std::string("abcdef")) subs.push_back(Sub("org", std::string(64, c), 5));
  subs.push_back(Sub("org", std::string(64, 'a'), 6));  // duplicate inside the batch
  auto r = (*s)->RecordSubmissions(subs);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 7u);
  EXPECT_TRUE((*r)[0].new_report);
  EXPECT_FALSE((*r)[6].new_report);
  EXPECT_EQ((*s)->Count("org")->reports, 6);
  EXPECT_EQ((*s)->Count("org")->complaints, 7);
  // A batch with an invalid submission leaves nothing behind.
  std::vector<Submission> bad = {Sub("org", std::string(64, '1'), 7), Sub("", std::string(64, '2'), 7)};
  EXPECT_FALSE((*s)->RecordSubmissions(bad));
  EXPECT_EQ((*s)->Count("org")->reports, 6);
}

}  // namespace lapis::store
