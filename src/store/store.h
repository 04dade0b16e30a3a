// The storage interface of a Lapis node: organisations, reports (one per organisation and piece of
// evidence), complaints (every submission of a report), analysis results and the personal data
// kept apart from them. Backends: store/sqlite (embedded, default); more register the same way.
// Implementations are thread-safe. Every method that returns success has made its change durable.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "store/campaigns.h"
#include "store/sql.h"

namespace lapis::store {

struct Submission {
  std::string org;         // organisation name (created if needed)
  std::string sha256;      // evidence id; the bytes are already in the EvidenceStore
  uint64_t size = 0;
  std::string kind;        // "email" or "sms"
  std::string channel;     // "api", "ingest", "smtp", "lmtp"
  std::string source;      // where it came from: a path and index, a peer address
  int64_t received_at = 0;  // seconds since the epoch
  std::string personal_json;  // who complained (address, name, number, IP); "" if nothing known
};

struct SubmitResult {
  int64_t complaint_id = 0;
  bool new_report = false;  // first time this organisation received these bytes
};

struct PendingReport {
  int64_t org_id = 0;
  std::string sha256;
  std::string kind;
  int attempts = 0;
};

// What the analysis of a report adds. `analysis_json` is the report without personal data;
// `personal_json` holds what was taken out (recipient addresses, reporter's address and number).
struct AnalysisRecord {
  std::string analysis_json;
  std::string personal_json;
  std::string category;
  std::string subject;
  std::string origin_ip, origin_country;
  uint32_t origin_asn = 0;
  std::optional<int64_t> date;
  std::optional<CampaignKeys> campaign;  // cluster the report when set
  std::string body_text;                 // for full-text search (with the subject)
  // (type, value): "ip", "domain" (registrable), "host" (link host), "url", "email", "phone",
  // "payment", "attachment" (SHA-256).
  std::vector<std::pair<std::string, std::string>> indicators;
};

struct IndicatorSighting {
  int64_t reports = 0;
  int64_t first_seen = 0, last_seen = 0;  // first receipt of the earliest and of the latest report
  std::vector<std::string> report_ids;    // most recent first, up to the requested number
};

// A value and how many reports have it.
struct Facet {
  std::string value;
  int64_t count = 0;
};

struct IndicatorCount {
  std::string type, value;
  int64_t count = 0;
};

struct CampaignRow {
  int64_t id = 0;
  int64_t reports = 0;
  int64_t first_seen = 0, last_seen = 0;
  std::vector<std::string> members;  // evidence ids, up to the requested number
  std::vector<std::string> subjects;  // of those members
  // Filled by GetCampaign only, largest first: over every member report.
  std::vector<Facet> categories, origin_countries, origin_asns;
  std::vector<IndicatorCount> top_indicators;
};

struct ReportRow {
  std::string org;
  std::string sha256;
  std::string kind;
  std::string status;  // "pending", "analysed", "failed"
  int attempts = 0;
  std::string last_error;
  int64_t first_seen = 0, last_seen = 0;
  int64_t complaints = 0;
  uint64_t size = 0;
  std::string analysis_json;  // "" until analysed
  std::string personal_json;
  std::string category, subject;
  int64_t campaign = 0;  // root campaign id, 0 when not clustered
  std::string origin_country;  // "" when unknown
  uint32_t origin_asn = 0;
};

struct Counts {
  int64_t reports = 0, complaints = 0, pending = 0, analysed = 0, failed = 0;
};

// Roles, from most to least powerful. What each may do is decided by the API (docs/api.md).
inline constexpr const char* kRoles[] = {"admin", "coordinator", "analyst", "partner", "reporter"};
bool IsRole(const std::string& role);

struct TokenInfo {
  std::string org;
  std::string role;
  int64_t id = 0;
  std::string label;
  int64_t created_at = 0;
};

struct User {
  int64_t id = 0;
  std::string org, name, role;
  std::string password_hash;  // argon2id, in libsodium's crypto_pwhash_str form
  bool disabled = false;
  int64_t created_at = 0;
};

struct UserChange {
  std::optional<std::string> role, password_hash;
  std::optional<bool> disabled;
};

struct SessionInfo {
  std::string org, user, role;
  int64_t expires_at = 0;
};

// One entry of the append-only audit log. The store assigns `seq`, `prev_hash` and `hash`
// (store/audit.h: SHA-256 over the entry and the previous hash), so that changing, removing or
// reordering an entry breaks the chain.
struct AuditEvent {
  int64_t seq = 0;
  int64_t at = 0;       // seconds since the epoch
  std::string org;      // "" for node-wide events
  std::string actor;    // "user:NAME", "token:ID", "cli", "node"
  std::string action;   // e.g. "session.create", "report.read", "report.download", "user.create"
  std::string target;   // what was acted on (a report id, a user name)
  std::string detail;   // free text or JSON
  std::string prev_hash, hash;
};

// Dashboard aggregates, counted by the day a report was first received (UTC).
struct AggregateQuery {
  std::string org;
  // "total", "category", "origin_country", "origin_asn", "domain" (registrable domains in links)
  std::string dimension;
  std::optional<int64_t> since, until;  // seconds; whole days containing them
  bool by_day = false;                  // one row per day and value instead of totals
  size_t limit = 20;                    // values (largest first); by_day: all days of those values
};

struct AggregateRow {
  int64_t day = 0;  // start of the day (seconds); 0 when not by day
  std::string value;
  int64_t count = 0;
};

struct ReportQuery {
  std::string org;
  std::string category;        // "" = any
  std::string origin_country;  // "" = any
  std::string text;            // full-text search over subject and body (words, all required)
  std::optional<int64_t> since, until;  // on first_seen (when first received), inclusive
  uint32_t origin_asn = 0;     // 0 = any
  std::string indicator_type, indicator_value;  // "" = any
  int64_t campaign = 0;        // root campaign id; 0 = any
  std::string cursor;          // from the previous page; "" = first page
  size_t limit = 50;
};

// Newest first: by first_seen (then id, descending); with `text`, by the order reports were
// indexed for search, newest first. Every filter is served by an index, so a page costs about the
// same whatever the size of the store.
struct ReportPage {
  std::vector<ReportRow> rows;  // analysis_json and personal_json are left empty
  std::string next_cursor;      // "" when there is no further page
};

inline constexpr int kMaxAnalysisAttempts = 5;  // a report that fails this often stays "failed"

class Store {
 public:
  virtual ~Store() = default;

  virtual int SchemaVersion() = 0;
  virtual Result<int64_t> EnsureOrganisation(const std::string& name) = 0;
  // Records one complaint; creates the report when this organisation has not seen the bytes.
  // (RecordSubmissions with one submission.)
  Result<SubmitResult> RecordSubmission(const Submission& s);
  // Several at once, in one transaction (all or none).
  virtual Result<std::vector<SubmitResult>> RecordSubmissions(const std::vector<Submission>& s) = 0;
  // Reports waiting for analysis (pending, or failed fewer than kMaxAnalysisAttempts times).
  virtual Result<std::vector<PendingReport>> NextPending(size_t limit) = 0;
  // One outcome of SaveOutcomes: the analysis, or the error that failed it.
  Status SaveAnalysis(int64_t org_id, const std::string& sha256, const AnalysisRecord& a);
  Status MarkFailed(int64_t org_id, const std::string& sha256, const std::string& error);
  // The results of a batch of analyses in one transaction: a record, or the error that failed it.
  struct Outcome {
    int64_t org_id = 0;
    std::string sha256;
    std::optional<AnalysisRecord> record;
    std::string error;
  };
  virtual Status SaveOutcomes(const std::vector<Outcome>& outcomes) = 0;
  virtual Result<std::optional<ReportRow>> GetReport(const std::string& org, const std::string& sha256) = 0;
  virtual Result<Counts> Count(const std::string& org) = 0;
  // Reports of every organisation waiting for analysis (as NextPending would return them).
  virtual Result<int64_t> CountPending() = 0;
  // Root campaigns of an organisation, largest first, with up to `members` member ids each.
  virtual Result<std::vector<CampaignRow>> ListCampaigns(const std::string& org, size_t limit, size_t members) = 0;
  // One campaign (any id of it; merged ids resolve to the root), or nullopt.
  virtual Result<std::optional<CampaignRow>> GetCampaign(const std::string& org, int64_t id) = 0;
  // The same without the facets and top indicators (which read every member report): the root's
  // id, size and dates.
  virtual Result<std::optional<CampaignRow>> FindCampaign(const std::string& org, int64_t id) = 0;
  // Forgets every campaign of the organisation; the caller re-assigns the reports.
  virtual Status ClearCampaigns(const std::string& org) = 0;
  // Analysed reports of the organisation in the order they were first seen:
  // (sha256, analysis, first_seen).
  virtual Status ForEachAnalysed(
      const std::string& org,
      const std::function<void(const std::string&, const std::string&, int64_t)>& fn) = 0;
  // Assigns an analysed report to a campaign (as SaveAnalysis does with AnalysisRecord::campaign).
  virtual Result<int64_t> Cluster(const std::string& org, const std::string& sha256, const CampaignKeys& keys) = 0;
  // API tokens: only a hash of the token is stored. Creates the organisation if needed.
  virtual Result<int64_t> AddToken(const std::string& org, const std::string& role, const std::string& token_sha256,
                                   const std::string& label) = 0;
  virtual Result<std::optional<TokenInfo>> FindToken(const std::string& token_sha256) = 0;
  virtual Result<std::vector<TokenInfo>> ListTokens(const std::string& org) = 0;  // not revoked
  virtual Status RevokeToken(const std::string& org, int64_t id) = 0;             // NotFound

  // Users sign in with a name (unique on the node) and a password. Creates the organisation if
  // needed; AlreadyExists when the name is taken.
  virtual Result<int64_t> CreateUser(const std::string& org, const std::string& name, const std::string& role,
                                     const std::string& password_hash) = 0;
  virtual Result<std::optional<User>> FindUser(const std::string& name) = 0;
  virtual Result<std::vector<User>> ListUsers(const std::string& org) = 0;
  // NotFound when the organisation has no such user. Disabling a user or changing the password
  // ends the user's sessions.
  virtual Status UpdateUser(const std::string& org, const std::string& name, const UserChange& change) = 0;

  // Sessions: only a hash of the session token is stored.
  virtual Status CreateSession(const std::string& token_sha256, int64_t user_id, int64_t expires_at) = 0;
  // The session's user when it exists, has not expired at `now` and the user is not disabled.
  virtual Result<std::optional<SessionInfo>> FindSession(const std::string& token_sha256, int64_t now) = 0;
  virtual Status DeleteSession(const std::string& token_sha256) = 0;

  // Appends to the audit log (durable when it returns); fills seq, at (when 0) and the hashes.
  virtual Result<AuditEvent> AppendAudit(const AuditEvent& e) = 0;
  // Every entry from `from_seq` on, in order; `fn` returns false to stop.
  virtual Status ForEachAudit(int64_t from_seq, const std::function<bool(const AuditEvent&)>& fn) = 0;
  // The organisation's entries, newest first, with seq < before_seq (0 = from the newest).
  virtual Result<std::vector<AuditEvent>> ListAudit(const std::string& org, int64_t before_seq, size_t limit) = 0;

  // Dashboard aggregates; the cost depends on the days and values asked for, not on the number
  // of reports.
  virtual Result<std::vector<AggregateRow>> Aggregate(const AggregateQuery& q) = 0;
  virtual Result<ReportPage> ListReports(const ReportQuery& q) = 0;
  // Where and when an indicator was seen in the organisation's reports.
  virtual Result<IndicatorSighting> LookupIndicator(const std::string& org, const std::string& type,
                                                    const std::string& value, size_t max_ids) = 0;
  // Every evidence id any report refers to.
  virtual Status ForEachEvidenceId(const std::function<void(const std::string&)>& fn) = 0;

  // Plain SQL on the same database, for modules with tables of their own (store/sql.h).
  virtual SqlDb& Sql() = 0;
};

// Opens the store named by `url` ("" or "sqlite:" for DATA_DIR/lapis.db); registered by the program.
using StoreOpener = std::function<Result<std::unique_ptr<Store>>(const std::string& url, const std::string& data_dir)>;

}  // namespace lapis::store
