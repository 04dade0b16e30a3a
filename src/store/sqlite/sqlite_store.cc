#include "store/sqlite/sqlite_store.h"

#include "store/audit.h"
#include "store/packed_json.h"

#include "common/sha256.h"
#include "common/workers.h"

#include <sqlite3.h>

#include <algorithm>
#include <charconv>
#include <climits>
#include <set>
#include <stdexcept>
#include <thread>
#include <signal.h>
#include <condition_variable>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <tuple>
#include <unordered_map>
#include <utility>

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
CREATE VIRTUAL TABLE report_text USING fts5(subject, body);  -- rowid = report_search_ids.id (reports.id from 13)
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
    // 5: users, sessions, token ids and labels, the audit log, dashboard aggregates.
    R"sql(
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL REFERENCES organisations(id),
  name TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
CREATE INDEX users_org ON users(org_id);
CREATE TABLE sessions (
  token_sha256 TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions(user_id);
CREATE TABLE tokens (
  id INTEGER PRIMARY KEY,
  token_sha256 TEXT NOT NULL UNIQUE,
  org_id INTEGER NOT NULL REFERENCES organisations(id),
  role TEXT NOT NULL,
  label TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
INSERT INTO tokens(token_sha256, org_id, role, created_at, revoked_at)
  SELECT token_sha256, org_id, role, created_at, revoked_at FROM api_tokens;
DROP TABLE api_tokens;
CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  org TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  detail TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_log_org ON audit_log(org, seq);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
-- Counts of analysed reports per organisation, dimension, day first received and value.
CREATE TABLE report_stats (
  org_id INTEGER NOT NULL,
  dimension TEXT NOT NULL,
  day INTEGER NOT NULL,
  value TEXT NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (org_id, dimension, day, value)
) WITHOUT ROWID;
INSERT INTO report_stats SELECT org_id, 'total', first_seen / 86400 * 86400, '', COUNT(*)
  FROM reports WHERE status = 'analysed' GROUP BY 1, 3;
INSERT INTO report_stats SELECT org_id, 'category', first_seen / 86400 * 86400, category, COUNT(*)
  FROM reports WHERE status = 'analysed' AND category IS NOT NULL GROUP BY 1, 3, 4;
INSERT INTO report_stats SELECT org_id, 'origin_country', first_seen / 86400 * 86400, origin_country, COUNT(*)
  FROM reports WHERE status = 'analysed' AND origin_country IS NOT NULL GROUP BY 1, 3, 4;
INSERT INTO report_stats SELECT org_id, 'origin_asn', first_seen / 86400 * 86400, CAST(origin_asn AS TEXT), COUNT(*)
  FROM reports WHERE status = 'analysed' AND origin_asn IS NOT NULL GROUP BY 1, 3, 4;
INSERT INTO report_stats SELECT r.org_id, 'domain', r.first_seen / 86400 * 86400, i.value, COUNT(*)
  FROM reports r JOIN report_indicators i ON i.org_id = r.org_id AND i.sha256 = r.sha256 AND i.type = 'domain'
  WHERE r.status = 'analysed' GROUP BY 1, 3, 4;
)sql",
    // 6: every report filter served by an index in page order (first_seen DESC, sha256 DESC);
    // indicator sightings counted as reports are analysed.
    R"sql(
ALTER TABLE report_indicators ADD COLUMN seen INTEGER NOT NULL DEFAULT 0;
UPDATE report_indicators SET seen = (SELECT r.first_seen FROM reports r
  WHERE r.org_id = report_indicators.org_id AND r.sha256 = report_indicators.sha256);
DROP INDEX report_indicators_value;
CREATE INDEX report_indicators_value ON report_indicators(org_id, type, value, seen DESC, sha256 DESC);
CREATE TABLE indicator_stats (
  org_id INTEGER NOT NULL,
  type TEXT NOT NULL,
  value TEXT NOT NULL,
  reports INTEGER NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  PRIMARY KEY (org_id, type, value)
) WITHOUT ROWID;
INSERT INTO indicator_stats SELECT org_id, type, value, COUNT(*), MIN(seen), MAX(seen)
  FROM report_indicators GROUP BY 1, 2, 3;
DROP INDEX reports_org_page;
CREATE INDEX reports_org_page ON reports(org_id, first_seen DESC, sha256 DESC);
DROP INDEX reports_org_asn;
CREATE INDEX reports_org_asn ON reports(org_id, origin_asn, first_seen DESC, sha256 DESC);
DROP INDEX reports_org_country;
CREATE INDEX reports_org_country ON reports(org_id, origin_country, first_seen DESC, sha256 DESC);
CREATE INDEX reports_org_category ON reports(org_id, category, first_seen DESC, sha256 DESC);
DROP INDEX reports_campaign;
CREATE INDEX reports_campaign ON reports(org_id, campaign_id, first_seen DESC, sha256 DESC);
)sql",
    // 7: analyses appended to a table of their own (a report's row stays small, so updating it
    // rewrites one small record instead of kilobytes of JSON); the analysis queues as partial
    // indexes that analysed reports leave; no index on last_seen (no query uses it).
    R"sql(
CREATE TABLE report_analysis (
  id INTEGER PRIMARY KEY,
  analysis TEXT NOT NULL
);
ALTER TABLE reports ADD COLUMN analysis_id INTEGER;
DROP INDEX reports_status;
CREATE INDEX reports_pending ON reports(first_seen) WHERE status = 'pending';
CREATE INDEX reports_failed ON reports(attempts) WHERE status = 'failed';
DROP INDEX reports_org_seen;
)sql",
    // 8: cooperation (coop/): the directory's organisation profiles, and the objects agencies and
    // partners work on together — contacts, groups, agreements, cases and their tasks and notes —
    // with who may see each (coop_access), what each refers to (coop_links), words for search
    // (coop_terms) and each object's history (coop_events).
    R"sql(
CREATE TABLE org_profiles (
  org_id INTEGER PRIMARY KEY REFERENCES organisations(id),
  kind TEXT NOT NULL,
  country TEXT NOT NULL,
  membership TEXT NOT NULL,
  data TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX org_profiles_membership ON org_profiles(membership, kind);
CREATE TABLE coop_objects (
  id INTEGER PRIMARY KEY,
  type TEXT NOT NULL,
  org_id INTEGER NOT NULL REFERENCES organisations(id),
  parent_id INTEGER,
  status TEXT NOT NULL,
  title TEXT NOT NULL,
  tlp TEXT NOT NULL,
  audience TEXT NOT NULL,
  score REAL NOT NULL DEFAULT 0,
  due_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  version INTEGER NOT NULL DEFAULT 1,
  data TEXT NOT NULL
);
CREATE INDEX coop_objects_score ON coop_objects(type, score DESC, id DESC);
CREATE INDEX coop_objects_updated ON coop_objects(type, updated_at DESC, id DESC);
CREATE INDEX coop_objects_parent ON coop_objects(parent_id, type, id);
CREATE INDEX coop_objects_org ON coop_objects(org_id, type, status);
CREATE INDEX coop_objects_due ON coop_objects(type, status, due_at);
CREATE TABLE coop_access (
  principal TEXT NOT NULL,
  object_id INTEGER NOT NULL,
  PRIMARY KEY (principal, object_id)
) WITHOUT ROWID;
CREATE INDEX coop_access_object ON coop_access(object_id);
CREATE TABLE coop_links (
  object_id INTEGER NOT NULL,
  kind TEXT NOT NULL,
  target TEXT NOT NULL,
  added_at INTEGER NOT NULL,
  added_by TEXT NOT NULL,
  PRIMARY KEY (object_id, kind, target)
) WITHOUT ROWID;
CREATE INDEX coop_links_target ON coop_links(kind, target);
CREATE TABLE coop_terms (
  term TEXT NOT NULL,
  object_id INTEGER NOT NULL,
  PRIMARY KEY (term, object_id)
) WITHOUT ROWID;
CREATE INDEX coop_terms_object ON coop_terms(object_id);
CREATE TABLE coop_events (
  id INTEGER PRIMARY KEY,
  object_id INTEGER NOT NULL,
  at INTEGER NOT NULL,
  org TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  detail TEXT NOT NULL
);
CREATE INDEX coop_events_object ON coop_events(object_id, id);
)sql",
    // 9: federation (federation/): the outbox of signed envelopes for other nodes with each
    // one's delivery state, the inbox of message ids applied here, the next place in each
    // conversation either way, each peer's delivery record, refused messages with the reason,
    // and organisations' secure messages to organisations on other nodes.
    R"sql(
CREATE TABLE fed_outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  msg_id TEXT NOT NULL UNIQUE,
  peer TEXT NOT NULL,
  conv TEXT NOT NULL,
  seq INTEGER NOT NULL,
  type TEXT NOT NULL,
  envelope TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  done_at INTEGER,
  last_error TEXT
);
CREATE INDEX fed_outbox_queue ON fed_outbox(peer, state, id);
CREATE TABLE fed_conv_out (
  peer TEXT NOT NULL,
  conv TEXT NOT NULL,
  last_seq INTEGER NOT NULL,
  PRIMARY KEY (peer, conv)
);
CREATE TABLE fed_inbox (
  msg_id TEXT PRIMARY KEY,
  peer TEXT NOT NULL,
  conv TEXT NOT NULL,
  seq INTEGER NOT NULL,
  type TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  result TEXT NOT NULL
);
CREATE TABLE fed_conv_in (
  peer TEXT NOT NULL,
  conv TEXT NOT NULL,
  last_seq INTEGER NOT NULL,
  PRIMARY KEY (peer, conv)
);
CREATE TABLE fed_peers (
  peer TEXT PRIMARY KEY,
  last_attempt_at INTEGER,
  last_success_at INTEGER,
  last_error TEXT,
  last_error_at INTEGER,
  failures INTEGER NOT NULL DEFAULT 0,
  delivered INTEGER NOT NULL DEFAULT 0,
  received INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE fed_rejections (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  peer TEXT NOT NULL,
  msg_id TEXT NOT NULL,
  reason TEXT NOT NULL
);
CREATE TABLE fed_messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  msg_id TEXT NOT NULL UNIQUE,
  org TEXT NOT NULL,
  peer_org TEXT NOT NULL,
  direction TEXT NOT NULL,
  conv TEXT NOT NULL,
  subject TEXT NOT NULL,
  body TEXT NOT NULL,
  actor TEXT NOT NULL,
  at INTEGER NOT NULL,
  node TEXT NOT NULL
);
CREATE INDEX fed_messages_org ON fed_messages(org, conv, id);
)sql",
    // 10: shared objects across nodes (federation/replication.h): what version of each object
    // was sent to which node, and the copies of other nodes' objects with who may see them here
    // and their reports' analyses.
    R"sql(
CREATE TABLE fed_replicas (
  object_id INTEGER NOT NULL,
  node TEXT NOT NULL,
  version INTEGER NOT NULL,
  recipients TEXT NOT NULL,
  sent_at INTEGER NOT NULL,
  PRIMARY KEY (object_id, node)
);
CREATE TABLE fed_mirrors (
  origin_node TEXT NOT NULL,
  origin_id INTEGER NOT NULL,
  type TEXT NOT NULL,
  org TEXT NOT NULL,
  title TEXT NOT NULL,
  status TEXT NOT NULL,
  tlp TEXT NOT NULL,
  audience TEXT NOT NULL,
  data TEXT NOT NULL,
  version INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  PRIMARY KEY (origin_node, origin_id)
);
CREATE TABLE fed_mirror_access (
  origin_node TEXT NOT NULL,
  origin_id INTEGER NOT NULL,
  org TEXT NOT NULL,
  PRIMARY KEY (origin_node, origin_id, org)
);
CREATE INDEX fed_mirror_access_org ON fed_mirror_access(org);
CREATE TABLE fed_mirror_reports (
  origin_node TEXT NOT NULL,
  origin_id INTEGER NOT NULL,
  report_id TEXT NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (origin_node, origin_id, report_id)
);
)sql",
    // referrals and requests across nodes (federation/flows.h): which local object is the copy of
    // another node's referral or request, which directory entries were sent to which node, and
    // the cases shared beyond their organisation (federation/replication.h).
    R"sql(
CREATE TABLE fed_flows (
  origin_node TEXT NOT NULL,
  origin_id INTEGER NOT NULL,
  local_id INTEGER NOT NULL UNIQUE,
  received_at INTEGER NOT NULL,
  PRIMARY KEY (origin_node, origin_id)
);
CREATE TABLE fed_directory_sent (
  org TEXT NOT NULL,
  node TEXT NOT NULL,
  digest TEXT NOT NULL,
  PRIMARY KEY (org, node)
);
-- Referrals and requests to send to another node, as their sender's observer marks them.
CREATE TABLE fed_flow_pending (
  object_id INTEGER PRIMARY KEY,
  since INTEGER NOT NULL
);
-- Cases shared beyond their organisation, which the replication pass reads every second.
CREATE INDEX coop_objects_outward ON coop_objects(type, id)
  WHERE type = 'case' AND audience NOT LIKE '%"kind":"organisation",%';
)sql",
    // 12: indicators indexed without random writes. A report's indicators are rows under its search
    // id (assigned when it is first recorded, so appended in order); which reports hold an
    // indicator is an FTS5 index of one term per indicator (IndicatorTerm), whose segments are
    // written in sorted runs and merged in the background instead of one B-tree page per
    // indicator per report. Sightings (count, first and last seen) are read from that index.
    R"sql(
CREATE TABLE report_indicator_list (
  report_id INTEGER NOT NULL,
  type TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (report_id, type, value)
) WITHOUT ROWID;
CREATE VIRTUAL TABLE report_indicator_terms USING fts5(terms, content='', columnsize=0, detail=none);
INSERT INTO report_search_ids(org_id, sha256) SELECT org_id, sha256 FROM reports
  WHERE true ORDER BY first_seen, sha256 ON CONFLICT DO NOTHING;
INSERT INTO report_indicator_list SELECT s.id, i.type, i.value FROM report_indicators i
  JOIN report_search_ids s ON s.org_id = i.org_id AND s.sha256 = i.sha256;
INSERT INTO report_indicator_terms(rowid, terms)
  SELECT l.report_id, group_concat(lapis_indicator_term(s.org_id, l.type, l.value), ' ')
  FROM report_indicator_list l JOIN report_search_ids s ON s.id = l.report_id GROUP BY l.report_id;
DROP TABLE report_indicators;
DROP TABLE indicator_stats;
)sql",
    // 13: reports keyed by an id given in the order they arrive (their search id until now), so
    // that a new report's row, its complaint's index entry and its personal data are appended to
    // their tables, and saving its analysis rewrites a recent page, instead of each writing a
    // page at a random place in a tree keyed by (organisation, SHA-256). Only the unique index on
    // (organisation, SHA-256), which finds a report by its id in the API, is still written at
    // random, and its entries are small.
    R"sql(
CREATE TABLE reports_by_id (
  id INTEGER PRIMARY KEY,
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
  campaign_id INTEGER,
  analysis_id INTEGER,
  UNIQUE (org_id, sha256)
);
INSERT INTO reports_by_id(id, org_id, sha256, kind, size, first_seen, last_seen, complaints, status, attempts,
    last_error, analysis, category, subject, origin_ip, origin_country, origin_asn, message_date, analysed_at,
    campaign_id, analysis_id)
  SELECT s.id, r.org_id, r.sha256, r.kind, r.size, r.first_seen, r.last_seen, r.complaints, r.status, r.attempts,
    r.last_error, r.analysis, r.category, r.subject, r.origin_ip, r.origin_country, r.origin_asn, r.message_date,
    r.analysed_at, r.campaign_id, r.analysis_id
  FROM reports r LEFT JOIN report_search_ids s ON s.org_id = r.org_id AND s.sha256 = r.sha256
  ORDER BY s.id IS NULL, s.id, r.first_seen, r.sha256;
DROP TABLE reports;
ALTER TABLE reports_by_id RENAME TO reports;
CREATE INDEX reports_org_page ON reports(org_id, first_seen DESC, sha256 DESC);
CREATE INDEX reports_org_asn ON reports(org_id, origin_asn, first_seen DESC, sha256 DESC);
CREATE INDEX reports_org_country ON reports(org_id, origin_country, first_seen DESC, sha256 DESC);
CREATE INDEX reports_org_category ON reports(org_id, category, first_seen DESC, sha256 DESC);
CREATE INDEX reports_campaign ON reports(org_id, campaign_id, first_seen DESC, sha256 DESC);
CREATE INDEX reports_pending ON reports(first_seen) WHERE status = 'pending';
CREATE INDEX reports_failed ON reports(attempts) WHERE status = 'failed';
DROP TABLE report_search_ids;
CREATE TABLE report_personal_data_by_id (
  report_id INTEGER PRIMARY KEY,
  data TEXT NOT NULL
);
INSERT INTO report_personal_data_by_id(report_id, data)
  SELECT r.id, p.data FROM report_personal_data p JOIN reports r ON r.org_id = p.org_id AND r.sha256 = p.sha256;
DROP TABLE report_personal_data;
ALTER TABLE report_personal_data_by_id RENAME TO report_personal_data;
ALTER TABLE complaints ADD COLUMN report_id INTEGER;
UPDATE complaints SET report_id = (SELECT r.id FROM reports r
  WHERE r.org_id = complaints.org_id AND r.sha256 = complaints.sha256);
DROP INDEX complaints_report;
CREATE INDEX complaints_report ON complaints(report_id);
)sql",
    // 14: the report filters by origin, category and campaign hold no entry for a report until it
    // has the value (a filter on a value never finds a report without one), so that recording a
    // report writes four index entries fewer, and saving its analysis deletes none of them.
    R"sql(
DROP INDEX reports_org_asn;
CREATE INDEX reports_org_asn ON reports(org_id, origin_asn, first_seen DESC, sha256 DESC)
  WHERE origin_asn IS NOT NULL;
DROP INDEX reports_org_country;
CREATE INDEX reports_org_country ON reports(org_id, origin_country, first_seen DESC, sha256 DESC)
  WHERE origin_country IS NOT NULL;
DROP INDEX reports_org_category;
CREATE INDEX reports_org_category ON reports(org_id, category, first_seen DESC, sha256 DESC)
  WHERE category IS NOT NULL;
DROP INDEX reports_campaign;
CREATE INDEX reports_campaign ON reports(org_id, campaign_id, first_seen DESC, sha256 DESC)
  WHERE campaign_id IS NOT NULL;
)sql",
};

// Prepared statements of one connection, kept for reuse: preparing costs more than running most
// of the statements here. A connection is only used under its store's mutex.
struct StatementCache {
  struct Entry {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };
  std::unordered_map<std::string, Entry> entries;
  ~StatementCache() {
    for (auto& [sql, e] : entries) sqlite3_finalize(e.stmt);
  }
};

std::mutex g_caches_mu;
std::unordered_map<sqlite3*, std::unique_ptr<StatementCache>>& Caches() {
  static auto* caches = new std::unordered_map<sqlite3*, std::unique_ptr<StatementCache>>();
  return *caches;
}

StatementCache* CacheFor(sqlite3* db) {
  std::lock_guard<std::mutex> l(g_caches_mu);
  auto& c = Caches()[db];
  if (!c) c = std::make_unique<StatementCache>();
  return c.get();
}

// Finalizes the connection's cached statements (before it is closed).
void DropCache(sqlite3* db) {
  std::lock_guard<std::mutex> l(g_caches_mu);
  Caches().erase(db);
}

class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) {
    StatementCache* cache = CacheFor(db);
    auto it = cache->entries.find(sql);
    if (it != cache->entries.end() && !it->second.in_use) {
      entry_ = &it->second;
    } else if (it == cache->entries.end()) {
      rc_ = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s_, nullptr);
      if (rc_ != SQLITE_OK) return;
      entry_ = &cache->entries.emplace(sql, StatementCache::Entry{s_, false}).first->second;
    } else {  // the same statement is running further up the stack: use a private one
      rc_ = sqlite3_prepare_v2(db, sql, -1, &s_, nullptr);
      return;
    }
    entry_->in_use = true;
    s_ = entry_->stmt;
    rc_ = SQLITE_OK;
  }
  ~Stmt() {
    if (entry_) {
      sqlite3_reset(s_);
      sqlite3_clear_bindings(s_);
      entry_->in_use = false;
    } else {
      sqlite3_finalize(s_);
    }
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  bool ok() const { return rc_ == SQLITE_OK; }
  Stmt& Bind(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& BindBlob(int i, const std::string& v) {
    sqlite3_bind_blob(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
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
  // A column that holds text or a BLOB, as bytes.
  std::string_view Bytes(int c) {
    const void* b = sqlite3_column_blob(s_, c);
    return b ? std::string_view(static_cast<const char*>(b), sqlite3_column_bytes(s_, c)) : std::string_view();
  }

 private:
  sqlite3_stmt* s_ = nullptr;
  StatementCache::Entry* entry_ = nullptr;  // when cached
  int rc_ = SQLITE_ERROR;
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

// The one FTS5 term that stands for an indicator of an organisation: "x" and 96 bits of the
// SHA-256 of the three, in hex (letters and digits, so the tokenizer keeps it whole).
std::string IndicatorTerm(int64_t org_id, std::string_view type, std::string_view value) {
  std::string in = std::to_string(org_id);
  in.push_back('\0');
  in.append(type);
  in.push_back('\0');
  in.append(value);
  return "x" + Sha256Hex(in).substr(0, 24);
}

void IndicatorTermSql(sqlite3_context* ctx, int, sqlite3_value** v) {
  auto text = [&](int i) {
    const unsigned char* t = sqlite3_value_text(v[i]);
    return std::string_view(t ? reinterpret_cast<const char*>(t) : "", static_cast<size_t>(sqlite3_value_bytes(v[i])));
  };
  std::string term = IndicatorTerm(sqlite3_value_int64(v[0]), text(1), text(2));
  sqlite3_result_text(ctx, term.data(), static_cast<int>(term.size()), SQLITE_TRANSIENT);
}

// The report columns every read shares; ReadReportColumns() reads them from column `first` on.
constexpr const char* kReportColumns =
    "r.sha256, r.kind, r.status, r.attempts, COALESCE(r.last_error, ''), r.first_seen, r.last_seen, "
    "r.complaints, r.size, COALESCE(r.category, ''), COALESCE(r.subject, ''), COALESCE(r.campaign_id, 0), "
    "COALESCE(r.origin_country, ''), COALESCE(r.origin_asn, 0)";
constexpr int kReportColumnCount = 14;

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
  v.reserve(s.size() / 8);
  for (size_t i = 0; i + 8 <= s.size(); i += 8) {
    uint32_t x = 0;
    std::from_chars(s.data() + i, s.data() + i + 8, x, 16);
    v.push_back(x);
  }
  return v;
}

// What the campaign tables held at the writer's last commit, kept between its transactions, so
// that a report of a campaign already seen is assigned without reading the campaign's keys, its
// parents and its representative from the database again. The writer empties it when a
// transaction is rolled back, when another connection has committed since (PRAGMA data_version),
// and when it holds kMaxEntries keys or campaigns.
struct CampaignCache {
  static constexpr size_t kMaxEntries = size_t{1} << 18;
  std::unordered_map<std::string, std::vector<int64_t>> keys;  // "<org id> <key>" → what a lookup returns
  std::unordered_map<int64_t, int64_t> parent;
  std::unordered_map<int64_t, std::vector<uint32_t>> representative;
  int64_t data_version = -1;  // of the database when the entries were read; -1 for none

  void Clear() {
    Empty();
    data_version = -1;
  }
  void Empty() {
    keys.clear();
    parent.clear();
    representative.clear();
  }
  // Sets map[k] = v, emptying every map first when that one is full (what they held is read
  // again when needed).
  template <typename Map, typename K, typename V>
  void Remember(Map* map, K&& k, V&& v) {
    if (map->size() >= kMaxEntries) Empty();
    (*map)[std::forward<K>(k)] = std::forward<V>(v);
  }
};

// Campaign operations on the store's connection, for one organisation, inside the caller's
// transaction; through `cache` (if given) when that connection is the store's writer.
class SqliteCampaignOps : public CampaignOps {
 public:
  SqliteCampaignOps(sqlite3* db, int64_t org, CampaignCache* cache = nullptr) : db_(db), org_(org), cache_(cache) {}
  Result<std::vector<int64_t>> CampaignsWithKey(const std::string& key) override {
    std::string cached;
    if (cache_) {
      cached = CacheKey(key);
      if (auto it = cache_->keys.find(cached); it != cache_->keys.end()) return it->second;
    }
    Stmt q(db_, "SELECT campaign_id FROM campaign_keys WHERE org_id = ? AND key = ? ORDER BY campaign_id LIMIT ?");
    q.Bind(1, org_).Bind(2, key).Bind(3, kMaxCampaignsPerKey);
    std::vector<int64_t> out;
    int rc;
    while ((rc = q.Step()) == SQLITE_ROW) out.push_back(q.Int(0));
    if (rc != SQLITE_DONE) return Fail(Err("campaign keys"));
    if (cache_) cache_->Remember(&cache_->keys, std::move(cached), out);
    return out;
  }
  Result<int64_t> Parent(int64_t c) override {
    if (cache_)
      if (auto it = cache_->parent.find(c); it != cache_->parent.end()) return it->second;
    Stmt q(db_, "SELECT parent FROM campaigns WHERE id = ?");
    q.Bind(1, c);
    if (q.Step() != SQLITE_ROW) return Fail(Err("campaign parent"));
    const int64_t p = q.Int(0);
    if (cache_) cache_->Remember(&cache_->parent, c, p);
    return p;
  }
  Status SetParent(int64_t c, int64_t p) override {
    Stmt u(db_, "UPDATE campaigns SET parent = ? WHERE id = ?");
    u.Bind(1, p).Bind(2, c);
    if (u.Step() != SQLITE_DONE) return Err("campaign parent");
    if (cache_) cache_->Remember(&cache_->parent, c, p);
    return Status::Ok();
  }
  Result<std::vector<uint32_t>> Representative(int64_t c) override {
    if (cache_)
      if (auto it = cache_->representative.find(c); it != cache_->representative.end()) return it->second;
    Stmt q(db_, "SELECT representative FROM campaigns WHERE id = ?");
    q.Bind(1, c);
    if (q.Step() != SQLITE_ROW) return Fail(Err("campaign representative"));
    auto rep = DecodeMinhash(q.Text(0));
    if (cache_) cache_->Remember(&cache_->representative, c, rep);
    return rep;
  }
  Result<int64_t> Create(const CampaignKeys& k) override {
    Stmt i(db_, "INSERT INTO campaigns(org_id, parent, reports, first_seen, last_seen, representative) "
                "VALUES (?, 0, 0, ?, ?, ?)");
    i.Bind(1, org_).Bind(2, k.seen).Bind(3, k.seen).Bind(4, EncodeMinhash(k.minhash));
    if (i.Step() != SQLITE_DONE) return Fail(Err("creating campaign"));
    int64_t id = sqlite3_last_insert_rowid(db_);
    if (Status s = SetParent(id, id); !s.ok()) return Fail(s);
    if (cache_) cache_->Remember(&cache_->representative, id, k.minhash);
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
    if (i.Step() != SQLITE_DONE) return Err("campaign key");
    if (cache_)
      if (auto it = cache_->keys.find(CacheKey(key)); it != cache_->keys.end()) AddCampaignId(&it->second, c);
    return Status::Ok();
  }

 private:
  Status Err(const char* what) { return Status::IoError(std::string(what) + ": " + sqlite3_errmsg(db_)); }
  std::string CacheKey(const std::string& key) const { return std::to_string(org_) + ' ' + key; }
  sqlite3* db_;
  int64_t org_;
  CampaignCache* cache_;
};

class SqliteStore : public Store {
 public:
  SqliteStore(sqlite3* db, std::string path, SqliteLogLimits limits)
      : db_(db), path_(std::move(path)), limits_(limits) {}
  ~SqliteStore() override {
    {
      std::lock_guard<std::mutex> l(ckpt_mu_);
      ckpt_stop_ = true;
    }
    ckpt_cv_.notify_all();
    if (ckpt_.joinable()) ckpt_.join();
    for (sqlite3* r : idle_readers_) {
      DropCache(r);
      sqlite3_close(r);
    }
    DropCache(db_);
    sqlite3_close(db_);
  }

  // Applies the migrations up to `upto` (all of them by default).
  Status Init(int upto = INT_MAX) {
    const char* pragmas =
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
        "PRAGMA busy_timeout=10000; PRAGMA cache_size=-262144; PRAGMA mmap_size=2147418112;";
    if (Status s = Exec(pragmas); !s.ok()) return s;
    if (sqlite3_create_function(db_, "lapis_indicator_term", 3, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
                                IndicatorTermSql, nullptr, nullptr) != SQLITE_OK)
      return Error("registering functions");
    if (Status s = Exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                        "applied_at INTEGER NOT NULL)");
        !s.ok())
      return s;
    int have = 0;
    {
      Stmt q(db_, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
      if (q.ok() && q.Step() == SQLITE_ROW) have = static_cast<int>(q.Int(0));
    }
    const int want = std::min(upto, static_cast<int>(std::size(kMigrations)));
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
    // A statement that may fail half-way inside a longer transaction (an upsert, a statement with
    // foreign keys) keeps the pages it changes in a statement journal. Once a transaction's journal
    // outgrew 64 KiB it went to a temporary file, and every later statement of the transaction
    // wrote each page there (the intake's commits spent 4% of the server's CPU in those writes).
    // They stay in memory: they hold the pages one statement changes, a few for every statement
    // but those of ClearCampaigns(), which goes back to a file.
    if (Status s = Exec("PRAGMA temp_store=MEMORY"); !s.ok()) return s;
    if (Status s = SizeCacheLocked(); !s.ok()) return s;
    // Checkpoints (copying the write-ahead log into the database file, and syncing it) run on a
    // connection of their own in the background, not inside whichever commit crosses the
    // threshold while it holds the store's lock: a commit that leaves limits_.wake_pages pages in
    // the log wakes it (at a thousand reports a second the log grows by the default in about a
    // second). Only if the log still reaches limits_.max_pages does the committing connection
    // finish the checkpoint itself (most of it is done by then), so that the log is started again
    // from its beginning instead of growing while submissions never stop. A checkpoint copies
    // each page the log holds into the database once, however many times it was changed since
    // the last: the longer the log between checkpoints, the fewer copies of the pages every commit
    // changes (index pages, the full-text index). With 32 clients the server wrote 71 KB a
    // report over 40k reports against 85 KB with a quarter of the default limits, and 93 KB
    // against 99 KB over 1M.
    if (Status s = Exec("PRAGMA wal_autocheckpoint=0"); !s.ok()) return s;
    sqlite3_wal_hook(
        db_,
        [](void* self, sqlite3* db, const char*, int frames) {
          auto* store = static_cast<SqliteStore*>(self);
          if (frames >= store->limits_.max_pages) {
            sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
          } else if (frames >= store->limits_.wake_pages) {
            std::lock_guard<std::mutex> l(store->ckpt_mu_);  // never held for long: not while checkpointing
            if (!store->ckpt_wanted_) {
              store->ckpt_wanted_ = true;
              store->ckpt_cv_.notify_one();
            }
          }
          return SQLITE_OK;
        },
        this);
    ckpt_ = std::thread([this] { CheckpointLoop(); });
    return Status::Ok();
  }

  void CheckpointLoop() {
    NameThread("lapis-checkpt");
    sigset_t all;  // signals are for the program's own threads, whenever this one was started
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, nullptr);
    sqlite3* c = nullptr;
    if (sqlite3_open_v2(path_.c_str(), &c, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, nullptr) != SQLITE_OK) {
      sqlite3_close(c);
      return;
    }
    sqlite3_busy_timeout(c, 1000);
    // A connection learns that the database is in WAL mode when it first reads it; until then a
    // checkpoint on it does nothing at all (and says so only by reporting -1 frames).
    sqlite3_exec(c, "SELECT count(*) FROM sqlite_schema", nullptr, nullptr, nullptr);
    std::unique_lock<std::mutex> l(ckpt_mu_);
    while (!ckpt_stop_) {
      ckpt_cv_.wait_for(l, std::chrono::seconds(1), [this] { return ckpt_stop_ || ckpt_wanted_; });
      if (ckpt_stop_) break;
      ckpt_wanted_ = false;
      l.unlock();
      int log = 0, done = 0;
      sqlite3_wal_checkpoint_v2(c, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
      l.lock();
    }
    l.unlock();
    sqlite3_close(c);
  }

  // The writer's page cache: 256 MiB once the database passes 1 GiB, 32 MiB before. Below 1 GiB
  // (all of it mapped into memory, so reads hardly need the cache) a large cache costs a walk
  // over all of it at every commit: when a B-tree split renumbers pages, SQLite parks one for a
  // moment at the number just past the lock-byte page at 1 GiB, and the cache, which remembers
  // the highest page number it held, then empties itself of every page past the end of the
  // database by visiting each one (7-9% of the server's CPU under sustained intake into a new
  // store). Caller holds mu_ (or is initialising).
  Status SizeCacheLocked() {
    if (big_cache_) return Status::Ok();
    int64_t pages = 0, page_size = 0;
    {
      Stmt q(db_, "SELECT page_count, page_size FROM pragma_page_count(), pragma_page_size()");
      if (q.Step() != SQLITE_ROW) return Error("reading the database size");
      pages = q.Int(0);
      page_size = q.Int(1);
    }
    big_cache_ = pages * page_size >= (int64_t{1} << 30);
    return Exec(big_cache_ ? "PRAGMA cache_size=-262144" : "PRAGMA cache_size=-32768");
  }

  int SchemaVersion() override { return version_; }

  Result<int64_t> EnsureOrganisation(const std::string& name) override {
    std::lock_guard<std::mutex> l(mu_);
    return EnsureOrgLocked(name);
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
    // On a reader's connection: the writer's may be saving the previous batch's analyses for a
    // while, and the next batch is analysed meanwhile. The reports of a save not yet committed
    // are still listed; the caller knows them (Intake::AnalyzePendingOverlapped leaves them out).
    Reader rd(this);
    sqlite3* db = rd.db;
    std::vector<PendingReport> out;
    // Two scans of partial indexes that hold only the reports waiting: the cost does not depend on
    // how many reports are already analysed. Oldest first.
    const char* kQueries[] = {
        "SELECT org_id, sha256, kind, attempts FROM reports WHERE status = 'pending' ORDER BY first_seen LIMIT ?2",
        "SELECT org_id, sha256, kind, attempts FROM reports WHERE status = 'failed' AND attempts < ?1 LIMIT ?2"};
    for (const char* sql : kQueries) {
      if (out.size() >= limit) break;
      Stmt q(db, sql);
      q.Bind(1, int64_t{kMaxAnalysisAttempts}).Bind(2, static_cast<int64_t>(limit - out.size()));
      int rc;
      while ((rc = q.Step()) == SQLITE_ROW)
        out.push_back({q.Int(0), q.Text(1), q.Text(2), static_cast<int>(q.Int(3))});
      if (rc != SQLITE_DONE) return Fail(ErrorIn(db, "listing pending reports"));
    }
    return out;
  }

  // Analyses can be recomputed from the evidence, so their commits are not synced one by one
  // (synchronous=NORMAL): power lost just after one may send its reports back to the analysis
  // queue, never leave them half-saved. The next synced commit (any acknowledged submission)
  // makes them durable too, as the write-ahead log is written in order. Up to 256 share a
  // transaction: pages that several of them touch (counters, popular indicators, campaigns) are
  // then written once; more would keep new submissions waiting longer for the write lock.
  Status SaveOutcomes(const std::vector<Outcome>& outcomes) override {
    constexpr size_t kPerTransaction = 256;
    for (size_t from = 0; from < outcomes.size(); from += kPerTransaction) {
      const size_t to = std::min(outcomes.size(), from + kPerTransaction);
      std::vector<std::string> packed(to - from);  // compressed before taking the write lock
      for (size_t i = from; i < to; ++i)
        if (outcomes[i].record) packed[i - from] = PackJson(outcomes[i].record->analysis_json);
      std::lock_guard<std::mutex> l(mu_);
      if (Status st = Exec("PRAGMA synchronous=NORMAL"); !st.ok()) return st;
      Status s = Exec("BEGIN IMMEDIATE");
      if (s.ok()) s = CheckCampaignCacheLocked();
      // The full-text and indicator indexes (FTS5) gather a transaction's rows in memory only while
      // their row ids (the reports' ids) ascend; a lower one makes them write out what they hold as
      // a segment first. So the reports are saved in the order of their ids (failures last), and a
      // transaction's index entries are written out once.
      std::vector<std::pair<int64_t, size_t>> order;  // (report id, 0 for a failure; outcome)
      DayCounts counts;
      for (size_t i = from; s.ok() && i < to; ++i) {
        int64_t report_id = 0;
        if (outcomes[i].record) {
          auto id = ReportIdLocked(outcomes[i].org_id, outcomes[i].sha256);
          if (!id) s = id.error();
          else if (*id == 0) s = Status::NotFound("no report " + outcomes[i].sha256 + " to save the analysis of");
          else report_id = *id;
        }
        order.emplace_back(report_id, i);
      }
      std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
        return std::make_pair(a.first == 0, a.first) < std::make_pair(b.first == 0, b.first);
      });
      for (const auto& [report_id, i] : order) {
        if (!s.ok()) break;
        const auto& o = outcomes[i];
        s = o.record ? SaveLocked(o.org_id, report_id, *o.record, packed[i - from], &counts)
                     : FailLocked(o.org_id, o.sha256, o.error);
      }
      if (s.ok()) s = AddCountsLocked(counts);
      if (!s.ok()) Exec("ROLLBACK");
      if (s.ok()) s = Exec("COMMIT");
      if (!s.ok()) campaigns_.Clear();  // it may hold what was rolled back
      if (Status f = Exec("PRAGMA synchronous=FULL"); s.ok()) s = f;
      if (s.ok() && ++saves_since_sizing_ % 64 == 0) s = SizeCacheLocked();
      if (!s.ok()) return s;
    }
    return Status::Ok();
  }

  Result<std::optional<ReportRow>> GetReport(const std::string& org, const std::string& sha) override {
    Reader rd(this);
    sqlite3* db = rd.db;
    std::string sql = std::string("SELECT ") + kReportColumns +
                      ", COALESCE(a.analysis, r.analysis, ''), COALESCE(p.data, ''), r.org_id "
                      "FROM reports r JOIN organisations o ON o.id = r.org_id "
                      "LEFT JOIN report_analysis a ON a.id = r.analysis_id "
                      "LEFT JOIN report_personal_data p ON p.report_id = r.id "
                      "WHERE o.name = ? AND r.sha256 = ?";
    Stmt q(db, sql.c_str());
    q.Bind(1, org).Bind(2, sha);
    int rc = q.Step();
    if (rc == SQLITE_DONE) return std::optional<ReportRow>();
    if (rc != SQLITE_ROW) return Fail(ErrorIn(db, "reading report"));
    ReportRow r = ReadReportColumns(q, org);
    auto analysis = UnpackJson(q.Bytes(kReportColumnCount));
    if (!analysis) return Fail(Status::Corruption("the analysis of report " + sha + ": " + analysis.error().message()));
    r.analysis_json = std::move(*analysis);
    r.personal_json = q.Text(kReportColumnCount + 1);
    if (Status st = ResolveCampaignIn(db, q.Int(kReportColumnCount + 2), &r); !st.ok()) return Fail(st);
    return std::optional<ReportRow>(std::move(r));
  }

  Result<Counts> Count(const std::string& org) override {
    Reader rd(this);
    sqlite3* db = rd.db;
    Counts c;
    Stmt q(db,
           "SELECT COUNT(*), COALESCE(SUM(complaints), 0), "
           "COALESCE(SUM(status = 'pending'), 0), COALESCE(SUM(status = 'analysed'), 0), "
           "COALESCE(SUM(status = 'failed'), 0) FROM reports r JOIN organisations o ON o.id = r.org_id "
           "WHERE o.name = ?");
    q.Bind(1, org);
    if (q.Step() != SQLITE_ROW) return Fail(ErrorIn(db, "counting reports"));
    c.reports = q.Int(0);
    c.complaints = q.Int(1);
    c.pending = q.Int(2);
    c.analysed = q.Int(3);
    c.failed = q.Int(4);
    return c;
  }

  Result<int64_t> CountPending() override {
    Reader rd(this);
    sqlite3* db = rd.db;
    Stmt q(db, "SELECT (SELECT COUNT(*) FROM reports WHERE status = 'pending') + "
                "(SELECT COUNT(*) FROM reports WHERE status = 'failed' AND attempts < ?)");
    q.Bind(1, int64_t{kMaxAnalysisAttempts});
    if (q.Step() != SQLITE_ROW) return Fail(ErrorIn(db, "counting pending reports"));
    return q.Int(0);
  }

  Result<std::vector<CampaignRow>> ListCampaigns(const std::string& org, size_t limit, size_t members) override {
    Reader rd(this);
    sqlite3* db = rd.db;
    auto org_id = FindOrgIn(db, org);
    if (!org_id) return Fail(org_id.error());
    std::vector<CampaignRow> out;
    if (*org_id == 0) return out;
    {
      Stmt q(db, "SELECT id, reports, first_seen, last_seen FROM campaigns WHERE org_id = ? AND parent = id "
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
      if (rc != SQLITE_DONE) return Fail(ErrorIn(db, "listing campaigns"));
    }
    if (members == 0 || out.empty()) return out;
    std::map<int64_t, size_t> index;
    for (size_t i = 0; i < out.size(); ++i) index[out[i].id] = i;
    Stmt q(db, "SELECT sha256, campaign_id, COALESCE(subject, '') FROM reports WHERE org_id = ? AND "
                "campaign_id IS NOT NULL ORDER BY first_seen");
    q.Bind(1, *org_id);
    std::vector<std::tuple<std::string, int64_t, std::string>> rows;
    int rc;
    while ((rc = q.Step()) == SQLITE_ROW) rows.emplace_back(q.Text(0), q.Int(1), q.Text(2));
    if (rc != SQLITE_DONE) return Fail(ErrorIn(db, "listing members"));
    SqliteCampaignOps ops(db, *org_id);
    for (auto& [sha, c, subject] : rows) {
      auto root = ReadRoot(ops, c);
      if (!root) return Fail(root.error());
      auto it = index.find(*root);
      if (it == index.end() || out[it->second].members.size() >= members) continue;
      out[it->second].members.push_back(sha);
      out[it->second].subjects.push_back(subject);
    }
    return out;
  }

  Result<std::optional<CampaignRow>> FindCampaign(const std::string& org, int64_t id) override {
    return CampaignOf(org, id, false);
  }

  Result<std::optional<CampaignRow>> GetCampaign(const std::string& org, int64_t id) override {
    return CampaignOf(org, id, true);
  }

  // The root of campaign `id` of the organisation, with its facets when `facets`.
  Result<std::optional<CampaignRow>> CampaignOf(const std::string& org, int64_t id, bool facets) {
    Reader rd(this);
    sqlite3* db = rd.db;
    auto org_id = FindOrgIn(db, org);
    if (!org_id) return Fail(org_id.error());
    if (*org_id == 0) return std::optional<CampaignRow>();
    {
      Stmt own(db, "SELECT 1 FROM campaigns WHERE id = ? AND org_id = ?");
      own.Bind(1, id).Bind(2, *org_id);
      if (own.Step() != SQLITE_ROW) return std::optional<CampaignRow>();
    }
    SqliteCampaignOps ops(db, *org_id);
    auto root = ReadRoot(ops, id);
    if (!root) return Fail(root.error());
    Stmt q(db, "SELECT id, reports, first_seen, last_seen FROM campaigns WHERE id = ?");
    q.Bind(1, *root);
    if (q.Step() != SQLITE_ROW) return Fail(ErrorIn(db, "reading campaign"));
    CampaignRow c;
    c.id = q.Int(0);
    c.reports = q.Int(1);
    c.first_seen = q.Int(2);
    c.last_seen = q.Int(3);
    if (facets)
      if (Status st = CampaignFacetsIn(db, *org_id, &c); !st.ok()) return Fail(st);
    return std::optional<CampaignRow>(std::move(c));
  }

  // Categories, origins and top indicators over every member of campaign `c->id` (a root).
  Status CampaignFacetsIn(sqlite3* db, int64_t org_id, CampaignRow* c) {
    constexpr int64_t kTop = 20;
    const std::string members =
        "WITH RECURSIVE tree(id) AS (SELECT ?1 UNION SELECT c.id FROM campaigns c JOIN tree t "
        "ON c.parent = t.id AND c.id != c.parent) ";
    const std::pair<const char*, std::vector<Facet>*> facets[] = {
        {"category", &c->categories}, {"origin_country", &c->origin_countries}, {"origin_asn", &c->origin_asns}};
    for (const auto& [column, out] : facets) {
      // From the campaign index: the planner would otherwise walk every report of the organisation.
      std::string sql = members + "SELECT CAST(" + column + " AS TEXT), COUNT(*) FROM reports INDEXED BY " +
                        "reports_campaign WHERE org_id = ?2 " +
                        "AND campaign_id IN (SELECT id FROM tree) AND " + column +
                        " IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?3";
      Stmt q(db, sql.c_str());
      q.Bind(1, c->id).Bind(2, org_id).Bind(3, kTop);
      int rc;
      while ((rc = q.Step()) == SQLITE_ROW) out->push_back(Facet{q.Text(0), q.Int(1)});
      if (rc != SQLITE_DONE) return ErrorIn(db, "summarising campaign");
    }
    std::string sql = members +
                      // CROSS JOIN: from the campaign's reports to their indicators, never the
                      // other way round (every indicator of the organisation).
                      "SELECT i.type, i.value, COUNT(*) FROM reports r INDEXED BY reports_campaign "
                      "CROSS JOIN report_indicator_list i ON i.report_id = r.id WHERE r.org_id = ?2 "
                      "AND r.campaign_id IN (SELECT id FROM tree) GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT ?3";
    Stmt q(db, sql.c_str());
    q.Bind(1, c->id).Bind(2, org_id).Bind(3, kTop);
    int rc;
    while ((rc = q.Step()) == SQLITE_ROW) c->top_indicators.push_back(IndicatorCount{q.Text(0), q.Text(1), q.Int(2)});
    if (rc != SQLITE_DONE) return ErrorIn(db, "summarising campaign");
    return Status::Ok();
  }

  Status ClearCampaigns(const std::string& org) override {
    std::lock_guard<std::mutex> l(mu_);
    auto org_id = FindOrgLocked(org);
    if (!org_id) return org_id.error();
    // Each of these statements changes every campaign or report of the organisation: their
    // statement journals go to a temporary file, not memory.
    if (Status s = Exec("PRAGMA temp_store=FILE"); !s.ok()) return s;
    struct Back {
      SqliteStore* store;
      ~Back() { store->Exec("PRAGMA temp_store=MEMORY"); }
    } back{this};
    if (Status s = Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
    campaigns_.Clear();
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
      Reader rd(this);
      sqlite3* db = rd.db;
      Stmt q(db, "SELECT r.sha256, COALESCE(a.analysis, r.analysis), r.first_seen FROM reports r "
                  "JOIN organisations o ON o.id = r.org_id LEFT JOIN report_analysis a ON a.id = r.analysis_id "
                  "WHERE o.name = ? AND r.status = 'analysed' ORDER BY r.first_seen, r.sha256");
      q.Bind(1, org);
      int rc;
      while ((rc = q.Step()) == SQLITE_ROW) {
        auto analysis = UnpackJson(q.Bytes(1));
        if (!analysis) return Status::Corruption("the analysis of report " + q.Text(0) + ": " + analysis.error().message());
        rows.emplace_back(q.Text(0), std::move(*analysis), q.Int(2));
      }
      if (rc != SQLITE_DONE) return ErrorIn(db, "listing analysed reports");
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
    Status checked = CheckCampaignCacheLocked();
    auto c = checked.ok() ? ClusterLocked(*org_id, sha, keys) : Result<int64_t>(Fail(checked));
    if (!c) {
      Exec("ROLLBACK");
      campaigns_.Clear();
      return c;
    }
    if (Status s = Exec("COMMIT"); !s.ok()) {
      campaigns_.Clear();
      return Fail(s);
    }
    return c;
  }

  Result<int64_t> AddToken(const std::string& org, const std::string& role, const std::string& hash,
                           const std::string& label) override {
    std::lock_guard<std::mutex> l(mu_);
    auto org_id = EnsureOrgLocked(org);
    if (!org_id) return Fail(org_id.error());
    Stmt i(db_, "INSERT INTO tokens(token_sha256, org_id, role, label, created_at) VALUES (?, ?, ?, ?, ?)");
    i.Bind(1, hash).Bind(2, *org_id).Bind(3, role).Bind(4, label).Bind(5, Now());
    if (i.Step() != SQLITE_DONE) return Fail(Error("storing token"));
    return sqlite3_last_insert_rowid(db_);
  }

  Result<std::optional<TokenInfo>> FindToken(const std::string& hash) override {
    Reader rd(this);
    sqlite3* db = rd.db;
    Stmt q(db, "SELECT o.name, t.role, t.id, t.label, t.created_at FROM tokens t "
                "JOIN organisations o ON o.id = t.org_id WHERE t.token_sha256 = ? AND t.revoked_at IS NULL");
    q.Bind(1, hash);
    int rc = q.Step();
    if (rc == SQLITE_DONE) return std::optional<TokenInfo>();
    if (rc != SQLITE_ROW) return Fail(ErrorIn(db, "reading token"));
    return std::optional<TokenInfo>(TokenInfo{q.Text(0), q.Text(1), q.Int(2), q.Text(3), q.Int(4)});
  }

  Result<std::vector<TokenInfo>> ListTokens(const std::string& org) override {
    Reader rd(this);
    sqlite3* db = rd.db;
    Stmt q(db, "SELECT o.name, t.role, t.id, t.label, t.created_at FROM tokens t "
                "JOIN organisations o ON o.id = t.org_id WHERE o.name = ? AND t.revoked_at IS NULL ORDER BY t.id");
    q.Bind(1, org);
    std::vector<TokenInfo> out;
    int rc;
    while ((rc = q.Step()) == SQLITE_ROW) out.push_back(TokenInfo{q.Text(0), q.Text(1), q.Int(2), q.Text(3), q.Int(4)});
    if (rc != SQLITE_DONE) return Fail(ErrorIn(db, "listing tokens"));
    return out;
  }

  Status RevokeToken(const std::string& org, int64_t id) override {
    std::lock_guard<std::mutex> l(mu_);
    Stmt u(db_, "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL "
                "AND org_id = (SELECT id FROM organisations WHERE name = ?)");
    u.Bind(1, Now()).Bind(2, id).Bind(3, org);
    if (u.Step() != SQLITE_DONE) return Error("revoking token");
    if (sqlite3_changes(db_) == 0) return Status::NotFound("no token " + std::to_string(id));
    return Status::Ok();
  }

  Result<int64_t> CreateUser(const std::string& org, const std::string& name, const std::string& role,
                             const std::string& password_hash) override {
    std::lock_guard<std::mutex> l(mu_);
    if (name.empty()) return Fail(Status::InvalidArgument("user name is empty"));
    auto org_id = EnsureOrgLocked(org);
    if (!org_id) return Fail(org_id.error());
    Stmt i(db_, "INSERT INTO users(org_id, name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(name) DO NOTHING");
    i.Bind(1, *org_id).Bind(2, name).Bind(3, role).Bind(4, password_hash).Bind(5, Now());
    if (i.Step() != SQLITE_DONE) return Fail(Error("creating user"));
    if (sqlite3_changes(db_) == 0) return Fail(Status::AlreadyExists("user " + name + " exists"));
    return sqlite3_last_insert_rowid(db_);
  }

  Result<std::optional<User>> FindUser(const std::string& name) override {
    Reader rd(this);
    sqlite3* db = rd.db;
    Stmt q(db, std::string("SELECT ").append(kUserColumns).append(" WHERE u.name = ?").c_str());
    q.Bind(1, name);
    int rc = q.Step();
    if (rc == SQLITE_DONE) return std::optional<User>();
    if (rc != SQLITE_ROW) return Fail(ErrorIn(db, "reading user"));
    return std::optional<User>(ReadUser(q));
  }

  Result<std::vector<User>> ListUsers(const std::string& org) override {
    Reader rd(this);
    sqlite3* db = rd.db;
    Stmt q(db, std::string("SELECT ").append(kUserColumns).append(" WHERE o.name = ? ORDER BY u.name").c_str());
    q.Bind(1, org);
    std::vector<User> out;
    int rc;
    while ((rc = q.Step()) == SQLITE_ROW) out.push_back(ReadUser(q));
    if (rc != SQLITE_DONE) return Fail(ErrorIn(db, "listing users"));
    return out;
  }

  Status UpdateUser(const std::string& org, const std::string& name, const UserChange& c) override {
    std::lock_guard<std::mutex> l(mu_);
    int64_t user_id = 0;
    {
      Stmt q(db_, "SELECT u.id FROM users u JOIN organisations o ON o.id = u.org_id WHERE o.name = ? AND u.name = ?");
      q.Bind(1, org).Bind(2, name);
      int rc = q.Step();
      if (rc == SQLITE_DONE) return Status::NotFound("no user " + name);
      if (rc != SQLITE_ROW) return Error("reading user");
      user_id = q.Int(0);
    }
    if (Status st = Exec("BEGIN IMMEDIATE"); !st.ok()) return st;
    Stmt u(db_, "UPDATE users SET role = COALESCE(?1, role), password_hash = COALESCE(?2, password_hash), "
                "disabled = COALESCE(?3, disabled) WHERE id = ?4");
    if (c.role) u.Bind(1, *c.role);
    if (c.password_hash) u.Bind(2, *c.password_hash);
    if (c.disabled) u.Bind(3, int64_t{*c.disabled ? 1 : 0});
    u.Bind(4, user_id);
    Status s = u.Step() == SQLITE_DONE ? Status::Ok() : Error("updating user");
    if (s.ok() && (c.password_hash || (c.disabled && *c.disabled))) {
      Stmt d(db_, "DELETE FROM sessions WHERE user_id = ?");
      d.Bind(1, user_id);
      if (d.Step() != SQLITE_DONE) s = Error("ending sessions");
    }
    if (!s.ok()) {
      Exec("ROLLBACK");
      return s;
    }
    return Exec("COMMIT");
  }

  Status CreateSession(const std::string& hash, int64_t user_id, int64_t expires_at) override {
    std::lock_guard<std::mutex> l(mu_);
    // Expired sessions go when new ones come: the table holds only live sessions and a few dead.
    Stmt d(db_, "DELETE FROM sessions WHERE expires_at < ?");
    d.Bind(1, Now());
    if (d.Step() != SQLITE_DONE) return Error("expiring sessions");
    Stmt i(db_, "INSERT INTO sessions(token_sha256, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)");
    i.Bind(1, hash).Bind(2, user_id).Bind(3, Now()).Bind(4, expires_at);
    return i.Step() == SQLITE_DONE ? Status::Ok() : Error("creating session");
  }

  Result<std::optional<SessionInfo>> FindSession(const std::string& hash, int64_t now) override {
    Reader rd(this);
    sqlite3* db = rd.db;
    Stmt q(db, "SELECT o.name, u.name, u.role, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id "
                "JOIN organisations o ON o.id = u.org_id WHERE s.token_sha256 = ? AND s.expires_at > ? "
                "AND u.disabled = 0");
    q.Bind(1, hash).Bind(2, now);
    int rc = q.Step();
    if (rc == SQLITE_DONE) return std::optional<SessionInfo>();
    if (rc != SQLITE_ROW) return Fail(ErrorIn(db, "reading session"));
    return std::optional<SessionInfo>(SessionInfo{q.Text(0), q.Text(1), q.Text(2), q.Int(3)});
  }

  Status DeleteSession(const std::string& hash) override {
    std::lock_guard<std::mutex> l(mu_);
    Stmt d(db_, "DELETE FROM sessions WHERE token_sha256 = ?");
    d.Bind(1, hash);
    return d.Step() == SQLITE_DONE ? Status::Ok() : Error("ending session");
  }

  Result<AuditEvent> AppendAudit(const AuditEvent& in) override {
    std::lock_guard<std::mutex> l(mu_);
    if (Status st = Exec("BEGIN IMMEDIATE"); !st.ok()) return Fail(st);
    AuditEvent e = in;
    e.seq = 1;
    e.prev_hash = kAuditGenesis;
    if (e.at == 0) e.at = Now();
    {
      Stmt q(db_, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
      int rc = q.Step();
      if (rc == SQLITE_ROW) {
        e.seq = q.Int(0) + 1;
        e.prev_hash = q.Text(1);
      } else if (rc != SQLITE_DONE) {
        Exec("ROLLBACK");
        return Fail(Error("reading audit log"));
      }
    }
    e.hash = AuditHash(e);
    Stmt i(db_, "INSERT INTO audit_log(seq, at, org, actor, action, target, detail, prev_hash, hash) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    i.Bind(1, e.seq).Bind(2, e.at).Bind(3, e.org).Bind(4, e.actor).Bind(5, e.action).Bind(6, e.target);
    i.Bind(7, e.detail).Bind(8, e.prev_hash).Bind(9, e.hash);
    if (i.Step() != SQLITE_DONE) {
      Status s = Error("appending to audit log");
      Exec("ROLLBACK");
      return Fail(s);
    }
    if (Status st = Exec("COMMIT"); !st.ok()) return Fail(st);
    return e;
  }

  Status ForEachAudit(int64_t from_seq, const std::function<bool(const AuditEvent&)>& fn) override {
    // In pages, so that the lock is not held while the caller works and memory stays bounded.
    int64_t next = from_seq;
    for (;;) {
      std::vector<AuditEvent> page;
      {
        Reader rd(this);
        sqlite3* db = rd.db;
        Stmt q(db, std::string("SELECT ").append(kAuditColumns).append(" WHERE seq >= ? ORDER BY seq LIMIT 1000").c_str());
        q.Bind(1, next);
        int rc;
        while ((rc = q.Step()) == SQLITE_ROW) page.push_back(ReadAudit(q));
        if (rc != SQLITE_DONE) return ErrorIn(db, "reading audit log");
      }
      if (page.empty()) return Status::Ok();
      for (const auto& e : page)
        if (!fn(e)) return Status::Ok();
      next = page.back().seq + 1;
    }
  }

  Result<std::vector<AuditEvent>> ListAudit(const std::string& org, int64_t before_seq, size_t limit) override {
    Reader rd(this);
    sqlite3* db = rd.db;
    Stmt q(db, std::string("SELECT ").append(kAuditColumns)
                    .append(" WHERE org = ? AND seq < ? ORDER BY seq DESC LIMIT ?").c_str());
    q.Bind(1, org).Bind(2, before_seq > 0 ? before_seq : INT64_MAX).Bind(3, static_cast<int64_t>(limit));
    std::vector<AuditEvent> out;
    int rc;
    while ((rc = q.Step()) == SQLITE_ROW) out.push_back(ReadAudit(q));
    if (rc != SQLITE_DONE) return Fail(ErrorIn(db, "reading audit log"));
    return out;
  }

  Result<std::vector<AggregateRow>> Aggregate(const AggregateQuery& aq) override {
    Reader rd(this);
    sqlite3* db = rd.db;
    auto org_id = FindOrgIn(db, aq.org);
    if (!org_id) return Fail(org_id.error());
    std::vector<AggregateRow> out;
    if (*org_id == 0) return out;
    int64_t from = aq.since ? *aq.since / kDay * kDay : INT64_MIN;
    int64_t to = aq.until ? *aq.until / kDay * kDay : INT64_MAX;
    Stmt top(db, "SELECT value, SUM(count) FROM report_stats WHERE org_id = ? AND dimension = ? AND day >= ? "
                  "AND day <= ? GROUP BY value ORDER BY 2 DESC, value LIMIT ?");
    top.Bind(1, *org_id).Bind(2, aq.dimension).Bind(3, from).Bind(4, to).Bind(5, static_cast<int64_t>(aq.limit));
    int rc;
    while ((rc = top.Step()) == SQLITE_ROW) out.push_back(AggregateRow{0, top.Text(0), top.Int(1)});
    if (rc != SQLITE_DONE) return Fail(ErrorIn(db, "aggregating"));
    if (!aq.by_day) return out;
    std::vector<AggregateRow> days;
    Stmt q(db, "SELECT day, count FROM report_stats WHERE org_id = ? AND dimension = ? AND value = ? "
                "AND day >= ? AND day <= ? ORDER BY day");
    for (const auto& v : out) {
      sqlite3_reset(q.raw());
      q.Bind(1, *org_id).Bind(2, aq.dimension).Bind(3, v.value).Bind(4, from).Bind(5, to);
      while ((rc = q.Step()) == SQLITE_ROW) days.push_back(AggregateRow{q.Int(0), v.value, q.Int(1)});
      if (rc != SQLITE_DONE) return Fail(ErrorIn(db, "aggregating"));
    }
    std::stable_sort(days.begin(), days.end(), [](const AggregateRow& a, const AggregateRow& b) { return a.day < b.day; });
    return days;
  }

  Result<ReportPage> ListReports(const ReportQuery& rq) override {
    Reader rd(this);
    sqlite3* db = rd.db;
    auto org_id = FindOrgIn(db, rq.org);
    if (!org_id) return Fail(org_id.error());
    ReportPage page;
    if (*org_id == 0) return page;
    // Keyset cursor: "SEEN:SHA" (page order first_seen, sha256), or "tID" (search id, the order
    // reports arrived in) for text search and indicators.
    const bool by_id = !rq.text.empty() || !rq.indicator_type.empty();
    int64_t cur_seen = INT64_MAX, cur_text = INT64_MAX;
    std::string cur_sha = "g";  // sorts after every hex id
    if (!rq.cursor.empty()) {
      try {
        if (by_id) {
          if (rq.cursor[0] != 't') throw std::invalid_argument("cursor");
          cur_text = std::stoll(rq.cursor.substr(1));
        } else {
          size_t colon = rq.cursor.find(':');
          if (colon == std::string::npos) throw std::invalid_argument("cursor");
          cur_seen = std::stoll(rq.cursor.substr(0, colon));
          cur_sha = rq.cursor.substr(colon + 1);
        }
      } catch (...) {
        return Fail(Status::InvalidArgument("malformed cursor"));
      }
    }
    // The table that drives the scan decides the order: the full-text index (newest indexed
    // first), an indicator's sightings, or the reports themselves; each has an index in that order.
    std::string sql = std::string("SELECT ") + kReportColumns;
    std::string order;
    if (!rq.text.empty()) {
      sql += ", t.rowid FROM report_text t JOIN reports r ON r.id = t.rowid "
             "WHERE report_text MATCH ?11 AND r.org_id = ?1 AND t.rowid < ?15 ";
      order = "ORDER BY t.rowid DESC";
    } else if (!rq.indicator_type.empty()) {
      sql += ", t.rowid FROM report_indicator_terms t JOIN reports r ON r.id = t.rowid "
             "WHERE report_indicator_terms MATCH ?16 AND r.org_id = ?1 AND t.rowid < ?15 ";
      order = "ORDER BY t.rowid DESC";
    } else {
      // A campaign's reports come from the campaign index (then sorted: the cost follows the
      // campaign's size); without it the planner walks every report of the organisation in page
      // order, looking for the few of the campaign.
      sql += rq.campaign ? " FROM reports r INDEXED BY reports_campaign" : " FROM reports r";
      sql += " WHERE r.org_id = ?1 AND (r.first_seen < ?2 OR (r.first_seen = ?2 AND r.sha256 < ?3)) ";
      order = "ORDER BY r.first_seen DESC, r.sha256 DESC";
    }
    if (!rq.indicator_type.empty())  // the term's reports, each checked against its indicator rows
      sql += "AND EXISTS (SELECT 1 FROM report_indicator_list l WHERE l.report_id = r.id AND l.type = ?12 "
             "AND l.value = ?13) ";
    if (!rq.category.empty()) sql += "AND r.category = ?4 ";
    if (!rq.origin_country.empty()) sql += "AND r.origin_country = ?5 ";
    if (rq.since) sql += "AND r.first_seen >= ?8 ";
    if (rq.until) sql += "AND r.first_seen <= ?9 ";
    if (rq.origin_asn) sql += "AND r.origin_asn = ?10 ";
    if (rq.campaign)
      sql += "AND r.campaign_id IN (WITH RECURSIVE tree(id) AS (SELECT ?14 UNION SELECT c.id FROM campaigns c "
             "JOIN tree t ON c.parent = t.id AND c.id != c.parent) SELECT id FROM tree) ";
    sql += order + " LIMIT ?7";
    Stmt q(db, sql.c_str());
    if (!q.ok()) return Fail(ErrorIn(db, "preparing report query"));
    q.Bind(1, *org_id).Bind(2, cur_seen).Bind(3, cur_sha).Bind(4, rq.category).Bind(5, rq.origin_country);
    q.Bind(7, static_cast<int64_t>(rq.limit + 1));
    if (rq.since) q.Bind(8, *rq.since);
    if (rq.until) q.Bind(9, *rq.until);
    q.Bind(10, int64_t{rq.origin_asn});
    if (by_id) q.Bind(15, cur_text);
    if (!rq.text.empty()) q.Bind(11, FtsQuery(rq.text));
    if (!rq.indicator_type.empty()) {
      q.Bind(12, rq.indicator_type).Bind(13, rq.indicator_value);
      q.Bind(16, "\"" + IndicatorTerm(*org_id, rq.indicator_type, rq.indicator_value) + "\"");
    }
    if (rq.campaign) q.Bind(14, rq.campaign);
    int rc;
    std::vector<int64_t> text_ids;
    while ((rc = q.Step()) == SQLITE_ROW) {
      page.rows.push_back(ReadReportColumns(q, rq.org));
      if (by_id) text_ids.push_back(q.Int(kReportColumnCount));
    }
    if (rc != SQLITE_DONE) return Fail(ErrorIn(db, "listing reports"));
    if (page.rows.size() > rq.limit) {
      page.rows.pop_back();
      page.next_cursor = by_id ? "t" + std::to_string(text_ids[rq.limit - 1])
                               : std::to_string(page.rows.back().first_seen) + ":" + page.rows.back().sha256;
    }
    for (auto& r : page.rows)
      if (Status st = ResolveCampaignIn(db, *org_id, &r); !st.ok()) return Fail(st);
    return page;
  }

  Result<IndicatorSighting> LookupIndicator(const std::string& org, const std::string& type,
                                            const std::string& value, size_t max_ids) override {
    Reader rd(this);
    sqlite3* db = rd.db;
    auto org_id = FindOrgIn(db, org);
    if (!org_id) return Fail(org_id.error());
    IndicatorSighting out;
    if (*org_id == 0) return out;
    // The reports that hold the indicator, in the order they arrived, from the term index; each
    // is checked against its indicator rows. Counting reads the term's list of report ids alone.
    const std::string term = "\"" + IndicatorTerm(*org_id, type, value) + "\"";
    Stmt n(db, "SELECT count(*) FROM report_indicator_terms WHERE report_indicator_terms MATCH ?");
    n.Bind(1, term);
    if (n.Step() != SQLITE_ROW) return Fail(ErrorIn(db, "looking up indicator"));
    out.reports = n.Int(0);
    if (out.reports == 0) return out;
    const std::string reports =
        "SELECT r.sha256, r.first_seen FROM report_indicator_terms t JOIN reports r ON r.id = t.rowid "
        "WHERE report_indicator_terms MATCH ?1 "
        "AND r.org_id = ?2 AND EXISTS (SELECT 1 FROM report_indicator_list l WHERE l.report_id = r.id "
        "AND l.type = ?3 AND l.value = ?4) ORDER BY t.rowid ";
    for (const char* order : {"ASC LIMIT 1", "DESC LIMIT ?5"}) {
      Stmt q(db, (reports + order).c_str());
      q.Bind(1, term).Bind(2, *org_id).Bind(3, type).Bind(4, value).Bind(5, static_cast<int64_t>(std::max<size_t>(1, max_ids)));
      int rc;
      bool first = true;
      while ((rc = q.Step()) == SQLITE_ROW) {
        if (order[0] == 'A') {
          out.first_seen = q.Int(1);
          continue;
        }
        if (first) out.last_seen = q.Int(1);
        first = false;
        if (out.report_ids.size() < max_ids) out.report_ids.push_back(q.Text(0));
      }
      if (rc != SQLITE_DONE) return Fail(ErrorIn(db, "looking up indicator"));
    }
    return out;
  }

  SqlDb& Sql() override { return sql_; }

  Status ForEachEvidenceId(const std::function<void(const std::string&)>& fn) override {
    Reader rd(this);
    sqlite3* db = rd.db;
    Stmt q(db, "SELECT DISTINCT sha256 FROM reports");
    int rc;
    while ((rc = q.Step()) == SQLITE_ROW) fn(q.Text(0));
    return rc == SQLITE_DONE ? Status::Ok() : ErrorIn(db, "listing evidence");
  }

 private:
  static constexpr int64_t kDay = 86400;
  static constexpr const char* kUserColumns =
      "u.id, o.name, u.name, u.role, u.password_hash, u.disabled, u.created_at FROM users u "
      "JOIN organisations o ON o.id = u.org_id";
  static constexpr const char* kAuditColumns =
      "seq, at, org, actor, action, target, detail, prev_hash, hash FROM audit_log";

  static User ReadUser(Stmt& q) {
    User u;
    u.id = q.Int(0);
    u.org = q.Text(1);
    u.name = q.Text(2);
    u.role = q.Text(3);
    u.password_hash = q.Text(4);
    u.disabled = q.Int(5) != 0;
    u.created_at = q.Int(6);
    return u;
  }

  static AuditEvent ReadAudit(Stmt& q) {
    AuditEvent e;
    e.seq = q.Int(0);
    e.at = q.Int(1);
    e.org = q.Text(2);
    e.actor = q.Text(3);
    e.action = q.Text(4);
    e.target = q.Text(5);
    e.detail = q.Text(6);
    e.prev_hash = q.Text(7);
    e.hash = q.Text(8);
    return e;
  }

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
    r.origin_country = q.Text(12);
    r.origin_asn = static_cast<uint32_t>(q.Int(13));
    return r;
  }

  // Replaces the report's stored campaign id (possibly merged since) by its root.
  Status ResolveCampaignIn(sqlite3* db, int64_t org_id, ReportRow* r) {
    if (!r->campaign) return Status::Ok();
    SqliteCampaignOps ops(db, org_id);
    auto root = ReadRoot(ops, r->campaign);
    if (!root) return root.error();
    r->campaign = *root;
    return Status::Ok();
  }

  // The report's id (also its row in the search indexes), or 0 when there is no such report.
  Result<int64_t> ReportIdLocked(int64_t org_id, const std::string& sha) {
    Stmt q(db_, "SELECT id FROM reports WHERE org_id = ? AND sha256 = ?");
    q.Bind(1, org_id).Bind(2, sha);
    int rc = q.Step();
    if (rc == SQLITE_ROW) return q.Int(0);
    if (rc != SQLITE_DONE) return Fail(Error("reading report"));
    return int64_t{0};
  }

  // The dashboard counts a transaction adds, by (organisation, dimension, day, value): written
  // once each at its end rather than once for every report.
  using DayCounts = std::map<std::tuple<int64_t, std::string, int64_t, std::string>, int64_t>;

  // `id` is the report's (ReportIdLocked); `packed_analysis` is a.analysis_json packed (PackJson).
  // A first analysis adds to `counts` (AddCountsLocked writes them).
  Status SaveLocked(int64_t org_id, int64_t id, const AnalysisRecord& a, const std::string& packed_analysis,
                    DayCounts* counts) {
    bool first_analysis = false;
    int64_t seen = 0, old_analysis = 0;
    {
      Stmt q(db_, "SELECT status, first_seen, COALESCE(analysis_id, 0) FROM reports WHERE id = ?");
      q.Bind(1, id);
      if (q.Step() != SQLITE_ROW) return Error("reading report");
      first_analysis = q.Text(0) != "analysed";
      seen = q.Int(1);
      old_analysis = q.Int(2);
    }
    const int64_t day = seen / kDay * kDay;
    if (first_analysis) Count(org_id, day, a, counts);
    int64_t analysis_id = 0;
    {
      Stmt ins(db_, "INSERT INTO report_analysis(analysis) VALUES (?)");
      ins.BindBlob(1, packed_analysis);
      if (ins.Step() != SQLITE_DONE) return Error("saving analysis");
      analysis_id = sqlite3_last_insert_rowid(db_);
    }
    if (old_analysis) {
      Stmt d(db_, "DELETE FROM report_analysis WHERE id = ?");
      d.Bind(1, old_analysis);
      if (d.Step() != SQLITE_DONE) return Error("replacing analysis");
    }
    // Clustered first, so that the report's row and its index entries change once.
    int64_t campaign = 0;
    if (a.campaign) {
      SqliteCampaignOps ops(db_, org_id, &campaigns_);
      auto root = AssignCampaign(ops, *a.campaign);
      if (!root) return root.error();
      campaign = *root;
    }
    Stmt u(db_,
           "UPDATE reports SET status = 'analysed', attempts = attempts + 1, last_error = NULL, "
           "analysis = NULL, analysis_id = ?, category = ?, subject = ?, origin_ip = ?, origin_country = ?, "
           "origin_asn = ?, message_date = ?, analysed_at = ?, campaign_id = COALESCE(?, campaign_id) "
           "WHERE id = ?");
    u.Bind(1, analysis_id).BindOrNull(2, a.category).BindOrNull(3, a.subject);
    u.BindOrNull(4, a.origin_ip).BindOrNull(5, a.origin_country);
    if (a.origin_asn) u.Bind(6, int64_t{a.origin_asn});
    if (a.date) u.Bind(7, *a.date);
    u.Bind(8, Now());
    if (campaign) u.Bind(9, campaign);
    u.Bind(10, id);
    if (u.Step() != SQLITE_DONE) return Error("saving analysis");
    if (Status s = IndexLocked(org_id, id, a); !s.ok()) return s;
    Stmt p(db_, "INSERT INTO report_personal_data(report_id, data) VALUES (?, ?) "
                "ON CONFLICT(report_id) DO UPDATE SET data = excluded.data");
    p.Bind(1, id).Bind(2, a.personal_json.empty() ? std::string("{}") : a.personal_json);
    if (p.Step() != SQLITE_DONE) return Error("saving personal data");
    return Status::Ok();
  }

  // Adds an analysed report to the dashboard counts of its day.
  static void Count(int64_t org_id, int64_t day, const AnalysisRecord& a, DayCounts* counts) {
    ++(*counts)[{org_id, "total", day, ""}];
    if (!a.category.empty()) ++(*counts)[{org_id, "category", day, a.category}];
    if (!a.origin_country.empty()) ++(*counts)[{org_id, "origin_country", day, a.origin_country}];
    if (a.origin_asn) ++(*counts)[{org_id, "origin_asn", day, std::to_string(a.origin_asn)}];
    std::set<std::string> domains;
    for (const auto& [type, value] : a.indicators)
      if (type == "domain") domains.insert(value);
    for (const auto& d : domains) ++(*counts)[{org_id, "domain", day, d}];
  }

  Status AddCountsLocked(const DayCounts& counts) {
    Stmt i(db_, "INSERT INTO report_stats(org_id, dimension, day, value, count) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(org_id, dimension, day, value) DO UPDATE SET count = count + excluded.count");
    for (const auto& [key, n] : counts) {
      const auto& [org_id, dim, day, value] = key;
      sqlite3_reset(i.raw());
      i.Bind(1, org_id).Bind(2, dim).Bind(3, day).Bind(4, value).Bind(5, n);
      if (i.Step() != SQLITE_DONE) return Error("counting reports");
    }
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
    int64_t report_id = 0;
    {  // a new report's id is the next in the order reports arrive
      Stmt ins(db_,
               "INSERT INTO reports(org_id, sha256, kind, size, first_seen, last_seen, complaints) "
               "VALUES (?, ?, ?, ?, ?, ?, 1) ON CONFLICT(org_id, sha256) DO UPDATE SET "
               "complaints = complaints + 1, last_seen = MAX(last_seen, excluded.last_seen) RETURNING id, complaints");
      ins.Bind(1, *org).Bind(2, s.sha256).Bind(3, s.kind).Bind(4, static_cast<int64_t>(s.size));
      ins.Bind(5, s.received_at).Bind(6, s.received_at);
      if (ins.Step() != SQLITE_ROW) return Fail(Error("recording report"));
      report_id = ins.Int(0);
      r.new_report = ins.Int(1) == 1;
      if (ins.Step() != SQLITE_DONE) return Fail(Error("recording report"));
    }
    Stmt cp(db_, "INSERT INTO complaints(org_id, sha256, report_id, channel, source, received_at) "
                 "VALUES (?, ?, ?, ?, ?, ?)");
    cp.Bind(1, *org).Bind(2, s.sha256).Bind(3, report_id).Bind(4, s.channel).BindOrNull(5, s.source);
    cp.Bind(6, s.received_at);
    if (cp.Step() != SQLITE_DONE) return Fail(Error("recording complaint"));
    r.complaint_id = sqlite3_last_insert_rowid(db_);
    if (!s.personal_json.empty()) {
      Stmt pd(db_, "INSERT INTO complaint_personal_data(complaint_id, data) VALUES (?, ?)");
      pd.Bind(1, r.complaint_id).Bind(2, s.personal_json);
      if (pd.Step() != SQLITE_DONE) return Fail(Error("recording personal data"));
    }
    return r;
  }

  // Replaces the report's full-text row, its indicator rows and its indicator terms.
  Status IndexLocked(int64_t org_id, int64_t id, const AnalysisRecord& a) {
    // Every statement here is an indexed lookup or an append: indexing a report costs the same
    // whatever the size of the store.
    {
      Stmt d(db_, "DELETE FROM report_text WHERE rowid = ?");
      d.Bind(1, id);
      if (d.Step() != SQLITE_DONE) return Error("clearing search index");
    }
    {  // a contentless index forgets a row when given the terms it was indexed with
      std::string old;
      Stmt q(db_, "SELECT type, value FROM report_indicator_list WHERE report_id = ?");
      q.Bind(1, id);
      int rc;
      while ((rc = q.Step()) == SQLITE_ROW) (old.empty() ? old : old += ' ') += IndicatorTerm(org_id, q.Text(0), q.Text(1));
      if (rc != SQLITE_DONE) return Error("clearing search index");
      if (!old.empty()) {
        Stmt d(db_, "INSERT INTO report_indicator_terms(report_indicator_terms, rowid, terms) VALUES ('delete', ?, ?)");
        d.Bind(1, id).Bind(2, old);
        if (d.Step() != SQLITE_DONE) return Error("clearing search index");
        Stmt dl(db_, "DELETE FROM report_indicator_list WHERE report_id = ?");
        dl.Bind(1, id);
        if (dl.Step() != SQLITE_DONE) return Error("clearing search index");
      }
    }
    Stmt t(db_, "INSERT INTO report_text(rowid, subject, body) VALUES (?, ?, ?)");
    t.Bind(1, id).Bind(2, a.subject).Bind(3, a.body_text);
    if (t.Step() != SQLITE_DONE) return Error("indexing text");
    std::string terms;
    Stmt i(db_, "INSERT OR IGNORE INTO report_indicator_list(report_id, type, value) VALUES (?, ?, ?)");
    for (const auto& [type, value] : a.indicators) {
      sqlite3_reset(i.raw());
      i.Bind(1, id).Bind(2, type).Bind(3, value);
      if (i.Step() != SQLITE_DONE) return Error("indexing indicators");
      if (sqlite3_changes(db_) == 0) continue;  // a repeated indicator is one term
      (terms.empty() ? terms : terms += ' ') += IndicatorTerm(org_id, type, value);
    }
    if (!terms.empty()) {
      Stmt it(db_, "INSERT INTO report_indicator_terms(rowid, terms) VALUES (?, ?)");
      it.Bind(1, id).Bind(2, terms);
      if (it.Step() != SQLITE_DONE) return Error("indexing indicators");
    }
    return Status::Ok();
  }

  Result<int64_t> ClusterLocked(int64_t org_id, const std::string& sha, const CampaignKeys& keys) {
    SqliteCampaignOps ops(db_, org_id, &campaigns_);
    auto root = AssignCampaign(ops, keys);
    if (!root) return root;
    Stmt u(db_, "UPDATE reports SET campaign_id = ? WHERE org_id = ? AND sha256 = ?");
    u.Bind(1, *root).Bind(2, org_id).Bind(3, sha);
    if (u.Step() != SQLITE_DONE) return Fail(Error("setting campaign"));
    return root;
  }

  // Called in a write transaction before the campaign cache is used: empties it when another
  // connection (another process writing to the store) has committed since it was filled.
  Status CheckCampaignCacheLocked() {
    Stmt q(db_, "PRAGMA data_version");
    if (q.Step() != SQLITE_ROW) return Error("reading the data version");
    const int64_t version = q.Int(0);
    if (version != campaigns_.data_version) {
      campaigns_.Clear();
      campaigns_.data_version = version;
    }
    return Status::Ok();
  }

  // Organisation id, or 0 when it does not exist.
  Result<int64_t> FindOrgLocked(const std::string& name) { return FindOrgIn(db_, name); }
  Result<int64_t> FindOrgIn(sqlite3* db, const std::string& name) {
    Stmt q(db, "SELECT id FROM organisations WHERE name = ?");
    q.Bind(1, name);
    int rc = q.Step();
    if (rc == SQLITE_DONE) return int64_t{0};
    if (rc != SQLITE_ROW) return Fail(ErrorIn(db, "reading organisation"));
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

  // store/sql.h on this store's connections: writes on the writer's, under its lock.
  class Tx : public SqlTx {
   public:
    explicit Tx(sqlite3* db) : db_(db) {}
    Result<std::vector<SqlRow>> Query(std::string_view what, std::string_view sql,
                                      const std::vector<SqlValue>& params) override {
      std::string text(sql);
      Stmt q(db_, text.c_str());
      if (!q.ok()) return Fail(ErrorIn(db_, std::string(what).c_str()));
      for (size_t i = 0; i < params.size(); ++i) {
        const int n = static_cast<int>(i + 1);
        const SqlValue& v = params[i];
        if (auto* x = std::get_if<int64_t>(&v)) sqlite3_bind_int64(q.raw(), n, *x);
        else if (auto* d = std::get_if<double>(&v)) sqlite3_bind_double(q.raw(), n, *d);
        else if (auto* t = std::get_if<std::string>(&v)) q.Bind(n, *t);
        else sqlite3_bind_null(q.raw(), n);
      }
      std::vector<SqlRow> rows;
      for (;;) {
        int rc = q.Step();
        if (rc == SQLITE_DONE) break;
        if (rc != SQLITE_ROW) {
          Status e = ErrorIn(db_, std::string(what).c_str());
          if ((rc & 0xff) == SQLITE_CONSTRAINT) return Fail(Status::AlreadyExists(e.message()));
          return Fail(e);
        }
        SqlRow r;
        const int cols = sqlite3_column_count(q.raw());
        r.cols.reserve(cols);
        for (int c = 0; c < cols; ++c) {
          if (sqlite3_column_type(q.raw(), c) == SQLITE_NULL) r.cols.emplace_back();
          else r.cols.emplace_back(q.Text(c));
        }
        rows.push_back(std::move(r));
      }
      return rows;
    }

   private:
    sqlite3* db_;
  };

  class Sqlite : public SqlDb {
   public:
    explicit Sqlite(SqliteStore* s) : s_(s) {}
    Status Write(const std::function<Status(SqlTx&)>& fn) override {
      std::lock_guard<std::mutex> l(s_->mu_);
      if (Status st = s_->Exec("BEGIN IMMEDIATE"); !st.ok()) return st;
      Tx tx(s_->db_);
      Status st = fn(tx);
      if (st.ok()) st = s_->Exec("COMMIT");
      if (!st.ok()) s_->Exec("ROLLBACK");
      return st;
    }
    Status Read(const std::function<Status(SqlTx&)>& fn) override {
      Reader rd(s_);
      Tx tx(rd.db);
      if (Status st = ExecIn(rd.db, "BEGIN"); !st.ok()) return st;
      Status st = fn(tx);
      ExecIn(rd.db, "COMMIT");
      return st;
    }

   private:
    SqliteStore* s_;
  };

  static Status ExecIn(sqlite3* db, const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string m = err ? err : sqlite3_errmsg(db);
      sqlite3_free(err);
      return Status::IoError("sqlite: " + m);
    }
    return Status::Ok();
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

  Status Error(const char* what) { return ErrorIn(db_, what); }
  static Status ErrorIn(sqlite3* db, const char* what) {
    return Status::IoError(std::string(what) + ": " + sqlite3_errmsg(db));
  }

  // Read-only connections for queries. In WAL mode readers neither wait for the writer nor hold
  // it up, so listing, searching and authenticating go on while submissions and analyses commit.
  class Reader {
   public:
    explicit Reader(SqliteStore* s) : s_(s), own_(s->CheckOutReader()) {
      db = own_;
      if (!db) {  // no second connection could be opened: read on the writer's, under its lock
        writer_ = std::unique_lock<std::mutex>(s->mu_);
        db = s->db_;
      }
    }
    ~Reader() { s_->CheckInReader(own_); }
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;
    sqlite3* db;

   private:
    SqliteStore* s_;
    sqlite3* own_;
    std::unique_lock<std::mutex> writer_;
  };
  static constexpr size_t kReaders = 6;

  sqlite3* CheckOutReader() {
    std::unique_lock<std::mutex> l(readers_mu_);
    for (;;) {
      if (!idle_readers_.empty()) {
        sqlite3* db = idle_readers_.back();
        idle_readers_.pop_back();
        return db;
      }
      if (open_readers_ < kReaders) {
        ++open_readers_;
        l.unlock();
        sqlite3* db = nullptr;
        if (sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
          sqlite3_close(db);
          db = nullptr;
        }
        if (db) {
          sqlite3_busy_timeout(db, 10000);
          sqlite3_exec(db, "PRAGMA cache_size=-16384; PRAGMA mmap_size=2147418112", nullptr, nullptr, nullptr);
          return db;
        }
        l.lock();
        --open_readers_;
        return nullptr;
      }
      readers_cv_.wait(l);
    }
  }
  void CheckInReader(sqlite3* db) {
    if (!db) return;
    std::lock_guard<std::mutex> l(readers_mu_);
    idle_readers_.push_back(db);
    readers_cv_.notify_one();
  }

  sqlite3* db_;
  std::string path_;
  SqliteLogLimits limits_;
  std::mutex mu_;
  CampaignCache campaigns_;  // under mu_
  int version_ = 0;
  std::mutex readers_mu_;
  std::condition_variable readers_cv_;
  std::vector<sqlite3*> idle_readers_;
  size_t open_readers_ = 0;
  std::thread ckpt_;
  std::mutex ckpt_mu_;
  std::condition_variable ckpt_cv_;
  bool ckpt_stop_ = false;
  bool ckpt_wanted_ = false;  // a commit left limits_.wake_pages pages in the log
  bool big_cache_ = false;    // the database has passed 1 GiB (SizeCacheLocked)
  uint64_t saves_since_sizing_ = 0;
  Sqlite sql_{this};
};

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path) { return OpenSqliteStore(path, INT_MAX); }

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, int schema_version) {
  return OpenSqliteStore(path, schema_version, SqliteLogLimits{});
}

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, int schema_version,
                                               SqliteLogLimits limits) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string m = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Fail(Status::IoError("cannot open " + path + ": " + m));
  }
  auto store = std::make_unique<SqliteStore>(db, path, limits);
  if (Status s = store->Init(schema_version); !s.ok()) return Fail(s);
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace lapis::store
