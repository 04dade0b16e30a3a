#include "store/sqlite/sqlite_store.h"

#include <sqlite3.h>

#include <climits>
#include <cstdio>
#include <map>
#include <mutex>
#include <tuple>

namespace lapis::store {
namespace {

// Versioned schema. A migration is applied once, in order, inside a transaction; never edit one
// that has been released — add the next.
const char* const kMigrations[] = {
    // 1: organisations, reports, complaints, personal data.
    R"sql(
CREATE TABLE organisations (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL
);
CREATE TABLE reports (
  org_id INTEGER NOT NULL REFERENCES organisations(id),
  sha256 TEXT NOT NULL,
  kind TEXT NOT NULL,
  size INTEGER NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  complaints INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  analysis TEXT,
  category TEXT,
  subject TEXT,
  origin_ip TEXT,
  origin_country TEXT,
  origin_asn INTEGER,
  message_date INTEGER,
  analysed_at INTEGER,
  PRIMARY KEY (org_id, sha256)
) WITHOUT ROWID;
CREATE INDEX reports_status ON reports(status, attempts);
CREATE INDEX reports_org_seen ON reports(org_id, last_seen);
CREATE TABLE complaints (
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL REFERENCES organisations(id),
  sha256 TEXT NOT NULL,
  channel TEXT NOT NULL,
  source TEXT,
  received_at INTEGER NOT NULL
);
CREATE INDEX complaints_report ON complaints(org_id, sha256);
-- Who complained, and personal data taken out of the analysis. Kept apart from the evidence
-- analysis so that a copy shared later can leave it out.
CREATE TABLE complaint_personal_data (
  complaint_id INTEGER PRIMARY KEY REFERENCES complaints(id),
  data TEXT NOT NULL
);
CREATE TABLE report_personal_data (
  org_id INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (org_id, sha256)
) WITHOUT ROWID;
)sql",
    // 2: campaigns (union-find over campaign ids) and the keys that join reports to them.
    R"sql(
CREATE TABLE campaigns (
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL REFERENCES organisations(id),
  parent INTEGER NOT NULL,
  reports INTEGER NOT NULL DEFAULT 0,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  representative TEXT NOT NULL
);
CREATE INDEX campaigns_org_root ON campaigns(org_id, parent, reports);
CREATE TABLE campaign_keys (
  org_id INTEGER NOT NULL,
  key TEXT NOT NULL,
  campaign_id INTEGER NOT NULL,
  PRIMARY KEY (org_id, key, campaign_id)
) WITHOUT ROWID;
ALTER TABLE reports ADD COLUMN campaign_id INTEGER;
CREATE INDEX reports_campaign ON reports(org_id, campaign_id);
)sql",
    // 3: API tokens (hashes only).
    R"sql(
CREATE TABLE api_tokens (
  token_sha256 TEXT PRIMARY KEY,
  org_id INTEGER NOT NULL REFERENCES organisations(id),
  role TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
) WITHOUT ROWID;
CREATE INDEX reports_org_page ON reports(org_id, last_seen DESC, sha256 DESC);
)sql",
    // 4: full-text search and indicator index.
    R"sql(
CREATE TABLE report_search_ids (
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  UNIQUE (org_id, sha256)
);
CREATE VIRTUAL TABLE report_text USING fts5(subject, body);  -- rowid = report_search_ids.id
CREATE TABLE report_indicators (
  org_id INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  type TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (org_id, sha256, type, value)
) WITHOUT ROWID;
CREATE INDEX report_indicators_value ON report_indicators(org_id, type, value);
CREATE INDEX reports_org_asn ON reports(org_id, origin_asn);
CREATE INDEX reports_org_country ON reports(org_id, origin_country);
)sql",
};

class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) { rc_ = sqlite3_prepare_v2(db, sql, -1, &s_, nullptr); }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  bool ok() const { return rc_ == SQLITE_OK; }
  Stmt& Bind(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& BindOrNull(int i, const std::string& v) {
    if (v.empty()) sqlite3_bind_null(s_, i);
    else Bind(i, v);
    return *this;
  }
  Stmt& Bind(int i, int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  int Step() { return sqlite3_step(s_); }
  sqlite3_stmt* raw() { return s_; }
  int64_t Int(int c) { return sqlite3_column_int64(s_, c); }
  std::string Text(int c) {
    const unsigned char* t = sqlite3_column_text(s_, c);
    return t ? std::string(reinterpret_cast<const char*>(t), sqlite3_column_bytes(s_, c)) : "";
  }

 private:
  sqlite3_stmt* s_ = nullptr;
  int rc_;
};

int64_t Now() { return static_cast<int64_t>(time(nullptr)); }

// User words as an FTS5 query: every word required, each quoted so that no character of the
// input is FTS5 syntax.
std::string FtsQuery(const std::string& text) {
  std::string out, word;
  auto flush = [&] {
    if (word.empty()) return;
    if (!out.empty()) out += " ";
    out += "\"" + word + "\"";
    word.clear();
  };
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') flush();
    else if (c == '"') word += "\"\"";
    else word.push_back(c);
  }
  flush();
  return out.empty() ? "\"\"" : out;
}

constexpr int64_t kMaxCampaignsPerKey = 50;

// The report columns every read shares; ReadReportColumns() reads them from column `first` on.
constexpr const char* kReportColumns =
    "r.sha256, r.kind, r.status, r.attempts, COALESCE(r.last_error, ''), r.first_seen, r.last_seen, "
    "r.complaints, r.size, COALESCE(r.category, ''), COALESCE(r.subject, ''), COALESCE(r.campaign_id, 0)";
constexpr int kReportColumnCount = 12;

std::string EncodeMinhash(const std::vector<uint32_t>& v) {
  std::string s;
  char buf[9];
  for (uint32_t x : v) {
    std::snprintf(buf, sizeof buf, "%08x", x);
    s += buf;
  }
  return s;
}

std::vector<uint32_t> DecodeMinhash(const std::string& s) {
  std::vector<uint32_t> v;
  for (size_t i = 0; i + 8 <= s.size(); i += 8) v.push_back(static_cast<uint32_t>(std::stoul(s.substr(i, 8), nullptr, 16)));
  return v;
}

// Campaign operations on the store's connection, for one organisation, inside the caller's
// transaction.
class SqliteCampaignOps : public CampaignOps {
 public:
  SqliteCampaignOps(sqlite3* db, int64_t org) : db_(db), org_(org) {}
  Result<std::vector<int64_t>> CampaignsWithKey(const std::string& key) override {
    Stmt q(db_, "SELECT campaign_id FROM campaign_keys WHERE org_id = ? AND key = ? LIMIT ?");
    q.Bind(1, org_).Bind(2, key).Bind(3, kMaxCampaignsPerKey);
    std::vector<int64_t> out;
    int rc;
    while ((rc = q.Step()) == SQLITE_ROW) out.push_back(q.Int(0));
    if (rc != SQLITE_DONE) return Fail(Err("campaign keys"));
    return out;
  }
  Result<int64_t> Parent(int64_t c) override {
    Stmt q(db_, "SELECT parent FROM campaigns WHERE id = ?");
    q.Bind(1, c);
    if (q.Step() != SQLITE_ROW) return Fail(Err("campaign parent"));
    return q.Int(0);
  }
  Status SetParent(int64_t c, int64_t p) override {
    Stmt u(db_, "UPDATE campaigns SET parent = ? WHERE id = ?");
    u.Bind(1, p).Bind(2, c);
    return u.Step() == SQLITE_DONE ? Status::Ok() : Err("campaign parent");
  }
  Result<std::vector<uint32_t>> Representative(int64_t c) override {
    Stmt q(db_, "SELECT representative FROM campaigns WHERE id = ?");
    q.Bind(1, c);
    if (q.Step() != SQLITE_ROW) return Fail(Err("campaign representative"));
    return DecodeMinhash(q.Text(0));
  }
  Result<int64_t> Create(const CampaignKeys& k) override {
    Stmt i(db_, "INSERT INTO campaigns(org_id, parent, reports, first_seen, last_seen, representative) "
                "VALUES (?, 0, 0, ?, ?, ?)");
    i.Bind(1, org_).Bind(2, k.seen).Bind(3, k.seen).Bind(4, EncodeMinhash(k.minhash));
    if (i.Step() != SQLITE_DONE) return Fail(Err("creating campaign"));
    int64_t id = sqlite3_last_insert_rowid(db_);
    if (Status s = SetParent(id, id); !s.ok()) return Fail(s);
    return id;
  }
  Status AddMember(int64_t root, int64_t seen) override {
    Stmt u(db_, "UPDATE campaigns SET reports = reports + 1, first_seen = MIN(first_seen, ?), "
                "last_seen = MAX(last_seen, ?) WHERE id = ?");
    u.Bind(1, seen).Bind(2, seen).Bind(3, root);
    return u.Step() == SQLITE_DONE ? Status::Ok() : Err("campaign member");
  }
  Status Absorb(int64_t root, int64_t other) override {
    Stmt u(db_, "UPDATE campaigns SET reports = reports + (SELECT reports FROM campaigns WHERE id = ?), "
                "first_seen = MIN(first_seen, (SELECT first_seen FROM campaigns WHERE id = ?)), "
                "last_seen = MAX(last_seen, (SELECT last_seen FROM campaigns WHERE id = ?)) WHERE id = ?");
    u.Bind(1, other).Bind(2, other).Bind(3, other).Bind(4, root);
    return u.Step() == SQLITE_DONE ? Status::Ok() : Err("merging campaigns");
  }
  Status AddKey(const std::string& key, int64_t c) override {
    Stmt i(db_, "INSERT OR IGNORE INTO campaign_keys(org_id, key, campaign_id) VALUES (?, ?, ?)");
    i.Bind(1, org_).Bind(2, key).Bind(3, c);
    return i.Step() == SQLITE_DONE ? Status::Ok() : Err("campaign key");
  }

 private:
  Status Err(const char* what) { return Status::IoError(std::string(what) + ": " + sqlite3_errmsg(db_)); }
  sqlite3* db_;
  int64_t org_;
};

class SqliteStore : public Store {
 public:
  explicit SqliteStore(sqlite3* db) : db_(db) {}
  ~SqliteStore() override { sqlite3_close(db_); }

  Status Init() {
    const char* pragmas =
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
        "PRAGMA busy_timeout=10000;";
    if (Status s = Exec(pragmas); !s.ok()) return s;
    if (Status s = Exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                        "applied_at INTEGER NOT NULL)");
        !s.ok())
      return s;
    int have = 0;
    {
      Stmt q(db_, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
      if (q.ok() && q.Step() == SQLITE_ROW) have = static_cast<int>(q.Int(0));
    }
    const int want = static_cast<int>(std::size(kMigrations));
    if (have > want)
      return Status::InvalidArgument("database schema version " + std::to_string(have) +
                                     " is newer than this program (" + std::to_string(want) + ")");
    for (int v = have + 1; v <= want; ++v) {
      if (Status s = Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
      Status s = Exec(kMigrations[v - 1]);
      if (s.ok()) {
        Stmt ins(db_, "INSERT INTO schema_migrations(version, applied_at) VALUES (?, ?)");
        ins.Bind(1, int64_t{v}).Bind(2, Now());
        if (ins.Step() != SQLITE_DONE) s = Error("recording migration");
      }
      if (!s.ok()) {
        Exec("ROLLBACK");
        return Status::Internal("migration " + std::to_string(v) + " failed: " + s.message());
      }
      if (Status c = Exec("COMMIT"); !c.ok()) return c;
    }
    version_ = want;
    return Status::Ok();
  }

  int SchemaVersion() override { return version_; }

  Result<int64_t> EnsureOrganisation(const std::string& name) override {
    std::lock_guard<std::mutex> l(mu_);
    return EnsureOrgLocked(name);
  }

  Result<SubmitResult> RecordSubmission(const Submission& s) override {
    auto r = RecordSubmissions({s});
    if (!r) return Fail(r.error());
    return r->front();
  }

  Result<std::vector<SubmitResult>> RecordSubmissions(const std::vector<Submission>& subs) override {
    std::lock_guard<std::mutex> l(mu_);
    if (Status st = Exec("BEGIN IMMEDIATE"); !st.ok()) return Fail(st);
    std::vector<SubmitResult> out;
    for (const auto& s : subs) {
      auto r = RecordLocked(s);
      if (!r) {
        Exec("ROLLBACK");
        return Fail(r.error());
      }
      out.push_back(*r);
    }
    if (Status st = Exec("COMMIT"); !st.ok()) return Fail(st);
    return out;
  }

  Result<std::vector<PendingReport>> NextPending(size_t limit) override {
    std::lock_guard<std::mutex> l(mu_);
    std::vector<PendingReport> out;
    // Two index range scans (reports_status): the cost does not depend on how many reports are
    // already analysed.
    const char* kQueries[] = {
        "SELECT org_id, sha256, kind, attempts FROM reports WHERE status = 'pending' LIMIT ?2",
        "SELECT org_id, sha256, kind, attempts FROM reports WHERE status = 'failed' AND attempts < ?1 LIMIT ?2"};
    for (const char* sql : kQueries) {
      if (out.size() >= limit) break;
      Stmt q(db_, sql);
      q.Bind(1, int64_t{kMaxAnalysisAttempts}).Bind(2, static_cast<int64_t>(limit - out.size()));
      int rc;
      while ((rc = q.Step()) == SQLITE_ROW)
        out.push_back({q.Int(0), q.Text(1), q.Text(2), static_cast<int>(q.Int(3))});
      if (rc != SQLITE_DONE) return Fail(Error("listing pending reports"));
    }
    return out;
  }

  Status SaveAnalysis(int64_t org_id, const std::string& sha, const AnalysisRecord& a) override {
    Outcome o;
    o.org_id = org_id;
    o.sha256 = sha;
    o.record = a;
    return SaveOutcomes({o});
  }

  Status MarkFailed(int64_t org_id, const std::string& sha, const std::string& error) override {
    Outcome o;
    o.org_id = org_id;
    o.sha256 = sha;
    o.error = error;
    return SaveOutcomes({o});
  }

  Status SaveOutcomes(const std::vector<Outcome>& outcomes) override {
    std::lock_guard<std::mutex> l(mu_);
    if (Status st = Exec("BEGIN IMMEDIATE"); !st.ok()) return st;
    for (const auto& o : outcomes) {
      Status s = o.record ? SaveLocked(o.org_id, o.sha256, *o.record) : FailLocked(o.org_id, o.sha256, o.error);
      if (!s.ok()) {
        Exec("ROLLBACK");
        return s;
      }
    }
    return Exec("COMMIT");
  }

  Result<std::optional<ReportRow>> GetReport(const std::string& org, const std::string& sha) override {
    std::lock_guard<std::mutex> l(mu_);
    std::string sql = std::string("SELECT ") + kReportColumns +
                      ", COALESCE(r.analysis, ''), COALESCE(p.data, ''), r.org_id "
                      "FROM reports r JOIN organisations o ON o.id = r.org_id "
                      "LEFT JOIN report_personal_data p ON p.org_id = r.org_id AND p.sha256 = r.sha256 "
                      "WHERE o.name = ? AND r.sha256 = ?";
    Stmt q(db_, sql.c_str());
    q.Bind(1, org).Bind(2, sha);
    int rc = q.Step();
    if (rc == SQLITE_DONE) return std::optional<ReportRow>();
    if (rc != SQLITE_ROW) return Fail(Error("reading report"));
    ReportRow r = ReadReportColumns(q, org);
    r.analysis_json = q.Text(kReportColumnCount);
    r.personal_json = q.Text(kReportColumnCount + 1);
    if (Status st = ResolveCampaign(q.Int(kReportColumnCount + 2), &r); !st.ok()) return Fail(st);
    return std::optional<ReportRow>(std::move(r));
  }

  Result<Counts> Count(const std::string& org) override {
    std::lock_guard<std::mutex> l(mu_);
    Counts c;
    Stmt q(db_,
           "SELECT COUNT(*), COALESCE(SUM(complaints), 0), "
           "COALESCE(SUM(status = 'pending'), 0), COALESCE(SUM(status = 'analysed'), 0), "
           "COALESCE(SUM(status = 'failed'), 0) FROM reports r JOIN organisations o ON o.id = r.org_id "
           "WHERE o.name = ?");
    q.Bind(1, org);
    if (q.Step() != SQLITE_ROW) return Fail(Error("counting reports"));
    c.reports = q.Int(0);
    c.complaints = q.Int(1);
    c.pending = q.Int(2);
    c.analysed = q.Int(3);
    c.failed = q.Int(4);
    return c;
  }

  Result<std::vector<CampaignRow>> ListCampaigns(const std::string& org, size_t limit, size_t members) override {
    std::lock_guard<std::mutex> l(mu_);
    auto org_id = FindOrgLocked(org);
    if (!org_id) return Fail(org_id.error());
    std::vector<CampaignRow> out;
    if (*org_id == 0) return out;
    {
      Stmt q(db_, "SELECT id, reports, first_seen, last_seen FROM campaigns WHERE org_id = ? AND parent = id "
                  "ORDER BY reports DESC, id LIMIT ?");
      q.Bind(1, *org_id).Bind(2, static_cast<int64_t>(limit));
      int rc;
      while ((rc = q.Step()) == SQLITE_ROW) {
        CampaignRow c;
        c.id = q.Int(0);
        c.reports = q.Int(1);
        c.first_seen = q.Int(2);
        c.last_seen = q.Int(3);
        out.push_back(std::move(c));
      }
      if (rc != SQLITE_DONE) return Fail(Error("listing campaigns"));
    }
    if (members == 0 || out.empty()) return out;
    std::map<int64_t, size_t> index;
    for (size_t i = 0; i < out.size(); ++i) index[out[i].id] = i;
    SqliteCampaignOps ops(db_, *org_id);
    Stmt q(db_, "SELECT sha256, campaign_id, COALESCE(subject, '') FROM reports WHERE org_id = ? AND "
                "campaign_id IS NOT NULL ORDER BY first_seen");
    q.Bind(1, *org_id);
    std::vector<std::tuple<std::string, int64_t, std::string>> rows;
    int rc;
    while ((rc = q.Step()) == SQLITE_ROW) rows.emplace_back(q.Text(0), q.Int(1), q.Text(2));
    if (rc != SQLITE_DONE) return Fail(Error("listing members"));
    for (auto& [sha, c, subject] : rows) {
      auto root = FindRoot(ops, c);
      if (!root) return Fail(root.error());
      auto it = index.find(*root);
      if (it == index.end() || out[it->second].members.size() >= members) continue;
      out[it->second].members.push_back(sha);
      out[it->second].subjects.push_back(subject);
    }
    return out;
  }

  Result<std::optional<CampaignRow>> GetCampaign(const std::string& org, int64_t id) override {
    std::lock_guard<std::mutex> l(mu_);
    auto org_id = FindOrgLocked(org);
    if (!org_id) return Fail(org_id.error());
    if (*org_id == 0) return std::optional<CampaignRow>();
    {
      Stmt own(db_, "SELECT 1 FROM campaigns WHERE id = ? AND org_id = ?");
      own.Bind(1, id).Bind(2, *org_id);
      if (own.Step() != SQLITE_ROW) return std::optional<CampaignRow>();
    }
    SqliteCampaignOps ops(db_, *org_id);
    auto root = FindRoot(ops, id);
    if (!root) return Fail(root.error());
    Stmt q(db_, "SELECT id, reports, first_seen, last_seen FROM campaigns WHERE id = ?");
    q.Bind(1, *root);
    if (q.Step() != SQLITE_ROW) return Fail(Error("reading campaign"));
    CampaignRow c;
    c.id = q.Int(0);
    c.reports = q.Int(1);
    c.first_seen = q.Int(2);
    c.last_seen = q.Int(3);
    return std::optional<CampaignRow>(std::move(c));
  }

  Status ClearCampaigns(const std::string& org) override {
    std::lock_guard<std::mutex> l(mu_);
    auto org_id = FindOrgLocked(org);
    if (!org_id) return org_id.error();
    if (Status s = Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
    Status s = Status::Ok();
    for (const char* sql : {"DELETE FROM campaign_keys WHERE org_id = ?", "DELETE FROM campaigns WHERE org_id = ?",
                            "UPDATE reports SET campaign_id = NULL WHERE org_id = ?"}) {
      Stmt d(db_, sql);
      d.Bind(1, *org_id);
      if (d.Step() != SQLITE_DONE) {
        s = Error("clearing campaigns");
        break;
      }
    }
    if (!s.ok()) {
      Exec("ROLLBACK");
      return s;
    }
    return Exec("COMMIT");
  }

  Status ForEachAnalysed(
      const std::string& org,
      const std::function<void(const std::string&, const std::string&, int64_t)>& fn) override {
    std::vector<std::tuple<std::string, std::string, int64_t>> rows;
    {
      std::lock_guard<std::mutex> l(mu_);
      Stmt q(db_, "SELECT r.sha256, r.analysis, r.first_seen FROM reports r JOIN organisations o ON o.id = r.org_id "
                  "WHERE o.name = ? AND r.status = 'analysed' ORDER BY r.first_seen, r.sha256");
      q.Bind(1, org);
      int rc;
      while ((rc = q.Step()) == SQLITE_ROW) rows.emplace_back(q.Text(0), q.Text(1), q.Int(2));
      if (rc != SQLITE_DONE) return Error("listing analysed reports");
    }
    for (const auto& [sha, json, seen] : rows) fn(sha, json, seen);
    return Status::Ok();
  }

  Result<int64_t> Cluster(const std::string& org, const std::string& sha, const CampaignKeys& keys) override {
    std::lock_guard<std::mutex> l(mu_);
    auto org_id = FindOrgLocked(org);
    if (!org_id) return Fail(org_id.error());
    if (*org_id == 0) return Fail(Status::NotFound("no organisation " + org));
    if (Status s = Exec("BEGIN IMMEDIATE"); !s.ok()) return Fail(s);
    auto c = ClusterLocked(*org_id, sha, keys);
    if (!c) {
      Exec("ROLLBACK");
      return c;
    }
    if (Status s = Exec("COMMIT"); !s.ok()) return Fail(s);
    return c;
  }

  Status AddToken(const std::string& org, const std::string& role, const std::string& hash) override {
    std::lock_guard<std::mutex> l(mu_);
    auto org_id = EnsureOrgLocked(org);
    if (!org_id) return org_id.error();
    Stmt i(db_, "INSERT INTO api_tokens(token_sha256, org_id, role, created_at) VALUES (?, ?, ?, ?)");
    i.Bind(1, hash).Bind(2, *org_id).Bind(3, role).Bind(4, Now());
    return i.Step() == SQLITE_DONE ? Status::Ok() : Error("storing token");
  }

  Result<std::optional<TokenInfo>> FindToken(const std::string& hash) override {
    std::lock_guard<std::mutex> l(mu_);
    Stmt q(db_, "SELECT o.name, t.role FROM api_tokens t JOIN organisations o ON o.id = t.org_id "
                "WHERE t.token_sha256 = ? AND t.revoked_at IS NULL");
    q.Bind(1, hash);
    int rc = q.Step();
    if (rc == SQLITE_DONE) return std::optional<TokenInfo>();
    if (rc != SQLITE_ROW) return Fail(Error("reading token"));
    return std::optional<TokenInfo>(TokenInfo{q.Text(0), q.Text(1)});
  }

  Result<ReportPage> ListReports(const ReportQuery& rq) override {
    std::lock_guard<std::mutex> l(mu_);
    auto org_id = FindOrgLocked(rq.org);
    if (!org_id) return Fail(org_id.error());
    ReportPage page;
    if (*org_id == 0) return page;
    int64_t cur_seen = INT64_MAX;
    std::string cur_sha = "g";  // sorts after every hex id
    if (!rq.cursor.empty()) {
      size_t colon = rq.cursor.find(':');
      if (colon == std::string::npos) return Fail(Status::InvalidArgument("malformed cursor"));
      try {
        cur_seen = std::stoll(rq.cursor.substr(0, colon));
      } catch (...) {
        return Fail(Status::InvalidArgument("malformed cursor"));
      }
      cur_sha = rq.cursor.substr(colon + 1);
    }
    std::string sql = std::string("SELECT ") + kReportColumns + " FROM reports r "
        "WHERE org_id = ?1 AND (last_seen < ?2 OR (last_seen = ?2 AND sha256 < ?3)) "
        "AND (?4 = '' OR category = ?4) AND (?5 = '' OR origin_country = ?5) "
        "AND (?8 IS NULL OR last_seen >= ?8) AND (?9 IS NULL OR last_seen <= ?9) "
        "AND (?10 = 0 OR origin_asn = ?10) ";
    if (!rq.text.empty())
      sql += "AND sha256 IN (SELECT m.sha256 FROM report_text t JOIN report_search_ids m ON m.id = t.rowid "
             "WHERE report_text MATCH ?11 AND m.org_id = ?1) ";
    if (!rq.indicator_type.empty())
      sql += "AND EXISTS (SELECT 1 FROM report_indicators i WHERE i.org_id = r.org_id AND i.type = ?12 "
             "AND i.value = ?13 AND i.sha256 = r.sha256) ";
    if (rq.campaign)
      sql += "AND campaign_id IN (WITH RECURSIVE tree(id) AS (SELECT ?14 UNION SELECT c.id FROM campaigns c "
             "JOIN tree t ON c.parent = t.id AND c.id != c.parent) SELECT id FROM tree) ";
    sql += "ORDER BY last_seen DESC, sha256 DESC LIMIT ?7";
    Stmt q(db_, sql.c_str());
    if (!q.ok()) return Fail(Error("preparing report query"));
    q.Bind(1, *org_id).Bind(2, cur_seen).Bind(3, cur_sha).Bind(4, rq.category).Bind(5, rq.origin_country);
    q.Bind(7, static_cast<int64_t>(rq.limit + 1));
    if (rq.since) q.Bind(8, *rq.since);
    if (rq.until) q.Bind(9, *rq.until);
    q.Bind(10, int64_t{rq.origin_asn});
    if (!rq.text.empty()) q.Bind(11, FtsQuery(rq.text));
    if (!rq.indicator_type.empty()) q.Bind(12, rq.indicator_type).Bind(13, rq.indicator_value);
    if (rq.campaign) q.Bind(14, rq.campaign);
    int rc;
    while ((rc = q.Step()) == SQLITE_ROW) page.rows.push_back(ReadReportColumns(q, rq.org));
    if (rc != SQLITE_DONE) return Fail(Error("listing reports"));
    for (auto& r : page.rows)
      if (Status st = ResolveCampaign(*org_id, &r); !st.ok()) return Fail(st);
    if (page.rows.size() > rq.limit) {
      page.rows.pop_back();
      page.next_cursor = std::to_string(page.rows.back().last_seen) + ":" + page.rows.back().sha256;
    }
    return page;
  }

  Result<IndicatorSighting> LookupIndicator(const std::string& org, const std::string& type,
                                            const std::string& value, size_t max_ids) override {
    std::lock_guard<std::mutex> l(mu_);
    auto org_id = FindOrgLocked(org);
    if (!org_id) return Fail(org_id.error());
    IndicatorSighting out;
    if (*org_id == 0) return out;
    Stmt q(db_, "SELECT r.sha256, r.first_seen, r.last_seen FROM report_indicators i JOIN reports r "
                "ON r.org_id = i.org_id AND r.sha256 = i.sha256 WHERE i.org_id = ? AND i.type = ? AND i.value = ? "
                "ORDER BY r.last_seen DESC");
    q.Bind(1, *org_id).Bind(2, type).Bind(3, value);
    int rc;
    while ((rc = q.Step()) == SQLITE_ROW) {
      ++out.reports;
      int64_t first = q.Int(1), last = q.Int(2);
      if (out.reports == 1 || first < out.first_seen) out.first_seen = first;
      if (last > out.last_seen) out.last_seen = last;
      if (out.report_ids.size() < max_ids) out.report_ids.push_back(q.Text(0));
    }
    if (rc != SQLITE_DONE) return Fail(Error("looking up indicator"));
    return out;
  }

  Status ForEachEvidenceId(const std::function<void(const std::string&)>& fn) override {
    std::lock_guard<std::mutex> l(mu_);
    Stmt q(db_, "SELECT DISTINCT sha256 FROM reports");
    int rc;
    while ((rc = q.Step()) == SQLITE_ROW) fn(q.Text(0));
    return rc == SQLITE_DONE ? Status::Ok() : Error("listing evidence");
  }

 private:
  static ReportRow ReadReportColumns(Stmt& q, const std::string& org) {
    ReportRow r;
    r.org = org;
    r.sha256 = q.Text(0);
    r.kind = q.Text(1);
    r.status = q.Text(2);
    r.attempts = static_cast<int>(q.Int(3));
    r.last_error = q.Text(4);
    r.first_seen = q.Int(5);
    r.last_seen = q.Int(6);
    r.complaints = q.Int(7);
    r.size = static_cast<uint64_t>(q.Int(8));
    r.category = q.Text(9);
    r.subject = q.Text(10);
    r.campaign = q.Int(11);
    return r;
  }

  // Replaces the report's stored campaign id (possibly merged since) by its root.
  Status ResolveCampaign(int64_t org_id, ReportRow* r) {
    if (!r->campaign) return Status::Ok();
    SqliteCampaignOps ops(db_, org_id);
    auto root = FindRoot(ops, r->campaign);
    if (!root) return root.error();
    r->campaign = *root;
    return Status::Ok();
  }

  Status SaveLocked(int64_t org_id, const std::string& sha, const AnalysisRecord& a) {
    Stmt u(db_,
           "UPDATE reports SET status = 'analysed', attempts = attempts + 1, last_error = NULL, "
           "analysis = ?, category = ?, subject = ?, origin_ip = ?, origin_country = ?, "
           "origin_asn = ?, message_date = ?, analysed_at = ? WHERE org_id = ? AND sha256 = ?");
    u.Bind(1, a.analysis_json).BindOrNull(2, a.category).BindOrNull(3, a.subject);
    u.BindOrNull(4, a.origin_ip).BindOrNull(5, a.origin_country);
    if (a.origin_asn) u.Bind(6, int64_t{a.origin_asn});
    if (a.date) u.Bind(7, *a.date);
    u.Bind(8, Now()).Bind(9, org_id).Bind(10, sha);
    if (u.Step() != SQLITE_DONE) return Error("saving analysis");
    if (Status s = IndexLocked(org_id, sha, a); !s.ok()) return s;
    if (a.campaign) {
      auto c = ClusterLocked(org_id, sha, *a.campaign);
      if (!c) return c.error();
    }
    Stmt p(db_, "INSERT INTO report_personal_data(org_id, sha256, data) VALUES (?, ?, ?) "
                "ON CONFLICT(org_id, sha256) DO UPDATE SET data = excluded.data");
    p.Bind(1, org_id).Bind(2, sha).Bind(3, a.personal_json.empty() ? std::string("{}") : a.personal_json);
    if (p.Step() != SQLITE_DONE) return Error("saving personal data");
    return Status::Ok();
  }

  Status FailLocked(int64_t org_id, const std::string& sha, const std::string& error) {
    Stmt u(db_, "UPDATE reports SET status = 'failed', attempts = attempts + 1, last_error = ? "
                "WHERE org_id = ? AND sha256 = ?");
    u.Bind(1, error).Bind(2, org_id).Bind(3, sha);
    return u.Step() == SQLITE_DONE ? Status::Ok() : Error("marking failure");
  }

  Result<SubmitResult> RecordLocked(const Submission& s) {
    auto org = EnsureOrgLocked(s.org);
    if (!org) return Fail(org.error());
    SubmitResult r;
    Stmt ins(db_,
             "INSERT INTO reports(org_id, sha256, kind, size, first_seen, last_seen, complaints) "
             "VALUES (?, ?, ?, ?, ?, ?, 1) ON CONFLICT(org_id, sha256) DO UPDATE SET "
             "complaints = complaints + 1, last_seen = MAX(last_seen, excluded.last_seen)");
    ins.Bind(1, *org).Bind(2, s.sha256).Bind(3, s.kind).Bind(4, static_cast<int64_t>(s.size));
    ins.Bind(5, s.received_at).Bind(6, s.received_at);
    if (ins.Step() != SQLITE_DONE) return Fail(Error("recording report"));
    {
      Stmt c(db_, "SELECT complaints FROM reports WHERE org_id = ? AND sha256 = ?");
      c.Bind(1, *org).Bind(2, s.sha256);
      if (c.Step() != SQLITE_ROW) return Fail(Error("reading report"));
      r.new_report = c.Int(0) == 1;
    }
    Stmt cp(db_, "INSERT INTO complaints(org_id, sha256, channel, source, received_at) VALUES (?, ?, ?, ?, ?)");
    cp.Bind(1, *org).Bind(2, s.sha256).Bind(3, s.channel).BindOrNull(4, s.source).Bind(5, s.received_at);
    if (cp.Step() != SQLITE_DONE) return Fail(Error("recording complaint"));
    r.complaint_id = sqlite3_last_insert_rowid(db_);
    if (!s.personal_json.empty()) {
      Stmt pd(db_, "INSERT INTO complaint_personal_data(complaint_id, data) VALUES (?, ?)");
      pd.Bind(1, r.complaint_id).Bind(2, s.personal_json);
      if (pd.Step() != SQLITE_DONE) return Fail(Error("recording personal data"));
    }
    return r;
  }

  // Replaces the report's full-text row and indicator rows.
  Status IndexLocked(int64_t org_id, const std::string& sha, const AnalysisRecord& a) {
    // Every statement here is an indexed lookup: re-indexing a report costs the same whatever the
    // size of the store.
    {
      Stmt m(db_, "INSERT OR IGNORE INTO report_search_ids(org_id, sha256) VALUES (?, ?)");
      m.Bind(1, org_id).Bind(2, sha);
      if (m.Step() != SQLITE_DONE) return Error("indexing text");
    }
    int64_t text_id = 0;
    {
      Stmt q(db_, "SELECT id FROM report_search_ids WHERE org_id = ? AND sha256 = ?");
      q.Bind(1, org_id).Bind(2, sha);
      if (q.Step() != SQLITE_ROW) return Error("indexing text");
      text_id = q.Int(0);
    }
    {
      Stmt d(db_, "DELETE FROM report_text WHERE rowid = ?");
      d.Bind(1, text_id);
      if (d.Step() != SQLITE_DONE) return Error("clearing search index");
      Stmt di(db_, "DELETE FROM report_indicators WHERE org_id = ? AND sha256 = ?");
      di.Bind(1, org_id).Bind(2, sha);
      if (di.Step() != SQLITE_DONE) return Error("clearing search index");
    }
    Stmt t(db_, "INSERT INTO report_text(rowid, subject, body) VALUES (?, ?, ?)");
    t.Bind(1, text_id).Bind(2, a.subject).Bind(3, a.body_text);
    if (t.Step() != SQLITE_DONE) return Error("indexing text");
    Stmt i(db_, "INSERT OR IGNORE INTO report_indicators(org_id, sha256, type, value) VALUES (?, ?, ?, ?)");
    for (const auto& [type, value] : a.indicators) {
      sqlite3_reset(i.raw());
      i.Bind(1, org_id).Bind(2, sha).Bind(3, type).Bind(4, value);
      if (i.Step() != SQLITE_DONE) return Error("indexing indicators");
    }
    return Status::Ok();
  }

  Result<int64_t> ClusterLocked(int64_t org_id, const std::string& sha, const CampaignKeys& keys) {
    SqliteCampaignOps ops(db_, org_id);
    auto root = AssignCampaign(ops, keys);
    if (!root) return root;
    Stmt u(db_, "UPDATE reports SET campaign_id = ? WHERE org_id = ? AND sha256 = ?");
    u.Bind(1, *root).Bind(2, org_id).Bind(3, sha);
    if (u.Step() != SQLITE_DONE) return Fail(Error("setting campaign"));
    return root;
  }

  // Organisation id, or 0 when it does not exist.
  Result<int64_t> FindOrgLocked(const std::string& name) {
    Stmt q(db_, "SELECT id FROM organisations WHERE name = ?");
    q.Bind(1, name);
    int rc = q.Step();
    if (rc == SQLITE_DONE) return int64_t{0};
    if (rc != SQLITE_ROW) return Fail(Error("reading organisation"));
    return q.Int(0);
  }

  Result<int64_t> EnsureOrgLocked(const std::string& name) {
    if (name.empty()) return Fail(Status::InvalidArgument("organisation name is empty"));
    Stmt ins(db_, "INSERT INTO organisations(name, created_at) VALUES (?, ?) ON CONFLICT(name) DO NOTHING");
    ins.Bind(1, name).Bind(2, Now());
    if (ins.Step() != SQLITE_DONE) return Fail(Error("creating organisation"));
    Stmt q(db_, "SELECT id FROM organisations WHERE name = ?");
    q.Bind(1, name);
    if (q.Step() != SQLITE_ROW) return Fail(Error("reading organisation"));
    return q.Int(0);
  }

  Status Exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string m = err ? err : sqlite3_errmsg(db_);
      sqlite3_free(err);
      return Status::IoError("sqlite: " + m);
    }
    return Status::Ok();
  }

  Status Error(const char* what) { return Status::IoError(std::string(what) + ": " + sqlite3_errmsg(db_)); }

  sqlite3* db_;
  std::mutex mu_;
  int version_ = 0;
};

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string m = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Fail(Status::IoError("cannot open " + path + ": " + m));
  }
  auto store = std::make_unique<SqliteStore>(db);
  if (Status s = store->Init(); !s.ok()) return Fail(s);
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace lapis::store
