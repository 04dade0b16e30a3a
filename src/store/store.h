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
  int64_t first_seen = 0, last_seen = 0;
  std::vector<std::string> report_ids;  // most recent first, up to the requested number
};

struct CampaignRow {
  int64_t id = 0;
  int64_t reports = 0;
  int64_t first_seen = 0, last_seen = 0;
  std::vector<std::string> members;  // evidence ids, up to the requested number
  std::vector<std::string> subjects;  // of those members
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
};

struct Counts {
  int64_t reports = 0, complaints = 0, pending = 0, analysed = 0, failed = 0;
};

struct TokenInfo {
  std::string org;
  std::string role;
};

struct ReportQuery {
  std::string org;
  std::string category;        // "" = any
  std::string origin_country;  // "" = any
  std::string text;            // full-text search over subject and body (words, all required)
  std::optional<int64_t> since, until;  // on last_seen, inclusive
  uint32_t origin_asn = 0;     // 0 = any
  std::string indicator_type, indicator_value;  // "" = any
  int64_t campaign = 0;        // root campaign id; 0 = any
  std::string cursor;          // from the previous page; "" = first page
  size_t limit = 50;
};

struct ReportPage {
  std::vector<ReportRow> rows;  // newest first; analysis_json and personal_json are left empty
  std::string next_cursor;      // "" when there is no further page
};

inline constexpr int kMaxAnalysisAttempts = 5;  // a report that fails this often stays "failed"

class Store {
 public:
  virtual ~Store() = default;

  virtual int SchemaVersion() = 0;
  virtual Result<int64_t> EnsureOrganisation(const std::string& name) = 0;
  // Records one complaint; creates the report when this organisation has not seen the bytes.
  virtual Result<SubmitResult> RecordSubmission(const Submission& s) = 0;
  // Several at once, in one transaction (all or none).
  virtual Result<std::vector<SubmitResult>> RecordSubmissions(const std::vector<Submission>& s) = 0;
  // Reports waiting for analysis (pending, or failed fewer than kMaxAnalysisAttempts times).
  virtual Result<std::vector<PendingReport>> NextPending(size_t limit) = 0;
  virtual Status SaveAnalysis(int64_t org_id, const std::string& sha256, const AnalysisRecord& a) = 0;
  virtual Status MarkFailed(int64_t org_id, const std::string& sha256, const std::string& error) = 0;
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
  // Root campaigns of an organisation, largest first, with up to `members` member ids each.
  virtual Result<std::vector<CampaignRow>> ListCampaigns(const std::string& org, size_t limit, size_t members) = 0;
  // One campaign (any id of it; merged ids resolve to the root), or nullopt.
  virtual Result<std::optional<CampaignRow>> GetCampaign(const std::string& org, int64_t id) = 0;
  // Forgets every campaign of the organisation; the caller re-assigns the reports.
  virtual Status ClearCampaigns(const std::string& org) = 0;
  // Analysed reports of the organisation in the order they were first seen:
  // (sha256, analysis, first_seen).
  virtual Status ForEachAnalysed(
      const std::string& org,
      const std::function<void(const std::string&, const std::string&, int64_t)>& fn) = 0;
  // Assigns an analysed report to a campaign (as SaveAnalysis does with AnalysisRecord::campaign).
  virtual Result<int64_t> Cluster(const std::string& org, const std::string& sha256, const CampaignKeys& keys) = 0;
  // API tokens: only a hash of the token is stored.
  virtual Status AddToken(const std::string& org, const std::string& role, const std::string& token_sha256) = 0;
  virtual Result<std::optional<TokenInfo>> FindToken(const std::string& token_sha256) = 0;
  virtual Result<ReportPage> ListReports(const ReportQuery& q) = 0;
  // Where and when an indicator was seen in the organisation's reports.
  virtual Result<IndicatorSighting> LookupIndicator(const std::string& org, const std::string& type,
                                                    const std::string& value, size_t max_ids) = 0;
  // Every evidence id any report refers to.
  virtual Status ForEachEvidenceId(const std::function<void(const std::string&)>& fn) = 0;
};

// Opens the store named by `url` ("" or "sqlite:" for DATA_DIR/lapis.db); registered by the program.
using StoreOpener = std::function<Result<std::unique_ptr<Store>>(const std::string& url, const std::string& data_dir)>;

}  // namespace lapis::store
