// Intake: the one pipeline every channel ends in. Submit() makes a complaint durable (evidence
// bytes synced to disk, then the report and complaint committed) before it returns; analysis runs
// afterwards over whatever is waiting, so a crash between the two loses nothing. Thread-safe.
// Concurrent Submit() calls share one sync and one commit (group commit): the first caller to find
// no commit running commits everything queued meanwhile, the others wait for its result.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include "analysis/analyzer.h"
#include "enrich/ipdb.h"
#include "store/evidence.h"
#include "store/store.h"

namespace lapis::service {

struct AnalyzeStats {
  size_t analysed = 0;
  size_t failed = 0;
};

class Intake {
 public:
  // Nothing is owned; `ipdb` may be null (no enrichment).
  Intake(store::Store* store, const store::EvidenceStore* evidence, const analysis::Analyzer* analyzer,
         const enrich::IpDb* ipdb, size_t max_message_size)
      : store_(store), evidence_(evidence), analyzer_(analyzer), ipdb_(ipdb), max_size_(max_message_size) {}

  // `kind` is "email" (raw RFC 5322 bytes) or "sms" (analysis::CanonicalSmsJson bytes).
  Result<store::SubmitResult> Submit(const std::string& org, std::string_view bytes, const std::string& kind,
                                     const std::string& channel, const std::string& source,
                                     const std::string& personal_json, std::string* sha256 = nullptr);

  struct Item {
    std::string bytes;
    std::string kind;     // "email" or "sms"
    std::string source;
  };
  // Records several complaints with one sync of the evidence and one commit (for bulk import);
  // all are durable when it returns.
  Result<std::vector<store::SubmitResult>> SubmitBatch(const std::string& org, const std::string& channel,
                                                       const std::vector<Item>& items);

  // Analyses waiting reports, up to `limit`, with `jobs` threads. A report whose analysis fails is
  // marked and retried on a later call (store::kMaxAnalysisAttempts times).
  Result<AnalyzeStats> AnalyzePending(size_t limit, int jobs);

  // AnalyzePending with the work overlapped, for a loop that runs it again and again: the batch
  // analysed by one call is saved on another thread while the next call analyses the next batch
  // (reports still being saved are skipped). `started` is the size of the batch this call
  // analysed, `saved` what the previous call's batch came to once saved. FlushAnalysis() waits for
  // the last save. One thread at a time.
  struct Overlapped {
    size_t started = 0;
    AnalyzeStats saved;
  };
  Result<Overlapped> AnalyzePendingOverlapped(size_t limit, int jobs);
  Result<AnalyzeStats> FlushAnalysis();

  // Rebuilds the organisation's campaigns from scratch, in the order reports were first seen.
  Result<size_t> Recluster(const std::string& org);

  const store::EvidenceStore& evidence() const { return *evidence_; }

  // Group commits made by Submit(), and the submissions they held (their ratio is the average
  // group: the larger, the fewer syncs and commits each submission costs).
  uint64_t group_commits() const { return group_commits_.load(std::memory_order_relaxed); }
  uint64_t group_committed() const { return group_committed_.load(std::memory_order_relaxed); }

  // CPU time the analysis has taken so far, in nanoseconds: analysing reports (every analysis
  // thread's), and saving what they found to the store.
  uint64_t analysis_cpu_ns() const { return analysis_cpu_ns_.load(std::memory_order_relaxed); }
  uint64_t save_cpu_ns() const { return save_cpu_ns_.load(std::memory_order_relaxed); }

  // Runs the analysis of one stored report (used by AnalyzePending).
  Result<store::AnalysisRecord> AnalyzeEvidence(const store::PendingReport& p) const;
  // The same for several: e-mails are analysed together (Analyzer::AnalyzeEmails). One result
  // for each report, in order.
  std::vector<Result<store::AnalysisRecord>> AnalyzeEvidence(const std::vector<const store::PendingReport*>& ps) const;

 private:
  // What the analysis of a report gives the store.
  store::AnalysisRecord Record(analysis::Report r) const;
  struct Waiting;
  // Makes `w` durable together with whatever else is queued.
  void GroupCommit(Waiting* w);
  // Analyses `items` with `jobs` threads into outcomes ready to save.
  std::vector<store::Store::Outcome> AnalyzeItems(const std::vector<store::PendingReport>& items, int jobs,
                                                  AnalyzeStats* stats) const;
  // Saves `outcomes`, adding the CPU time it takes to save_cpu_ns_.
  Status Save(const std::vector<store::Store::Outcome>& outcomes);

  store::Store* store_;
  const store::EvidenceStore* evidence_;
  const analysis::Analyzer* analyzer_;
  const enrich::IpDb* ipdb_;
  size_t max_size_;
  std::mutex commit_mu_;
  std::deque<Waiting*> queue_;
  bool committing_ = false;
  std::atomic<uint64_t> group_commits_{0}, group_committed_{0};
  mutable std::atomic<uint64_t> analysis_cpu_ns_{0}, save_cpu_ns_{0};
  std::future<Result<AnalyzeStats>> saving_;  // the batch being saved by AnalyzePendingOverlapped
  std::set<std::pair<int64_t, std::string>> in_flight_;
};

}  // namespace lapis::service
