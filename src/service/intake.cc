#include "service/intake.h"

#include <atomic>
#include <condition_variable>
#include <ctime>
#include <exception>
#include <thread>

#include "analysis/personal.h"
#include "analysis/report_json.h"
#include "common/workers.h"
#include "service/campaign_keys.h"

namespace lapis::service {
namespace {
constexpr size_t kMaxIndexedText = 64 * 1024;  // body text kept for full-text search
// Reports an analysis thread takes at a time, analysed together (Analyzer::AnalyzeEmails) as long
// as their bytes come to no more than kAnalysisChunkBytes.
constexpr size_t kAnalysisChunk = 64;
constexpr size_t kAnalysisChunkBytes = size_t{4} << 20;
// Analysis threads run this much nicer than the rest of the process. Analysis is the work that can
// wait: the store's single writer (which every analysed batch and every submission goes through)
// and the threads that acknowledge submissions take a core first when there are not enough.
constexpr int kAnalysisNice = 10;

// CPU time the calling thread has used, in nanoseconds.
uint64_t ThreadCpuNs() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<uint64_t>(t.tv_sec) * 1000000000u + static_cast<uint64_t>(t.tv_nsec);
}
}  // namespace

namespace {

// Stores the bytes as evidence (synced now, or by a later EvidenceStore::Sync()) and describes
// the complaint for the store.
Result<store::Submission> PutEvidence(const store::EvidenceStore& evidence, const std::string& org,
                                      std::string_view bytes, const std::string& kind,
                                      const std::string& channel, const std::string& source, bool sync) {
  if (kind != "email" && kind != "sms") return Fail(Status::InvalidArgument("unknown report kind " + kind));
  auto put = evidence.Put(bytes, sync);
  if (!put) return Fail(put.error());
  store::Submission s;
  s.org = org;
  s.sha256 = put->sha256;
  s.size = bytes.size();
  s.kind = kind;
  s.channel = channel;
  s.source = source;
  s.received_at = static_cast<int64_t>(time(nullptr));
  return s;
}

}  // namespace

struct Intake::Waiting {
  store::Submission submission;
  Result<store::SubmitResult> result = Fail(Status::Internal("not committed"));
  bool done = false;   // committed (or failed): `result` holds the outcome
  bool lead = false;   // handed the next commit
  std::condition_variable wake;  // told when `done` or `lead` is set
};

Result<store::SubmitResult> Intake::Submit(const std::string& org, std::string_view bytes,
                                           const std::string& kind, const std::string& channel,
                                           const std::string& source, const std::string& personal_json,
                                           std::string* sha256) {
  if (org.empty()) return Fail(Status::InvalidArgument("organisation name is empty"));
  auto s = PutEvidence(*evidence_, org, bytes, kind, channel, source, /*sync=*/false);
  if (!s) return Fail(s.error());
  s->personal_json = personal_json;
  if (sha256) *sha256 = s->sha256;
  Waiting w{std::move(*s)};
  GroupCommit(&w);
  return w.result;
}

void Intake::GroupCommit(Waiting* w) {
  constexpr size_t kMaxGroup = 512;
  std::unique_lock<std::mutex> l(commit_mu_);
  queue_.push_back(w);
  // One submitter at a time commits everything waiting; the others sleep until their own
  // submission is committed or the commit is handed to them. Each is woken by name: waking them
  // all after every commit would cost each of them a trip through the scheduler per commit.
  if (committing_) {
    w->wake.wait(l, [w] { return w->done || w->lead; });
    if (w->done) return;
  }
  committing_ = true;  // this thread leads: it is at the front of the queue
  std::vector<Waiting*> group;
  while (!queue_.empty() && group.size() < kMaxGroup) {
    group.push_back(queue_.front());
    queue_.pop_front();
  }
  l.unlock();
  group_commits_.fetch_add(1, std::memory_order_relaxed);
  group_committed_.fetch_add(group.size(), std::memory_order_relaxed);
  std::vector<store::Submission> subs;
  subs.reserve(group.size());
  for (Waiting* g : group) subs.push_back(g->submission);
  Status synced = evidence_->Sync();
  if (!synced.ok()) {
    for (Waiting* g : group) g->result = Fail(synced);
  } else if (auto r = store_->RecordSubmissions(subs)) {
    for (size_t i = 0; i < group.size(); ++i) group[i]->result = (*r)[i];
  } else {
    // One bad submission must not fail the others: record them one by one.
    for (Waiting* g : group) g->result = store_->RecordSubmission(g->submission);
  }
  l.lock();
  // Told under the lock: a waiter cannot return (and take its Waiting with it) before it is told.
  for (Waiting* g : group) {
    g->done = true;
    if (g != w) g->wake.notify_one();
  }
  if (queue_.empty()) {
    committing_ = false;
  } else {
    queue_.front()->lead = true;
    queue_.front()->wake.notify_one();
  }
}

Result<std::vector<store::SubmitResult>> Intake::SubmitBatch(const std::string& org, const std::string& channel,
                                                             const std::vector<Item>& items) {
  std::vector<store::Submission> subs;
  for (const auto& it : items) {
    auto s = PutEvidence(*evidence_, org, it.bytes, it.kind, channel, it.source, /*sync=*/false);
    if (!s) return Fail(s.error());
    subs.push_back(std::move(*s));
  }
  if (Status st = evidence_->Sync(); !st.ok()) return Fail(st);
  return store_->RecordSubmissions(subs);
}

Result<store::AnalysisRecord> Intake::AnalyzeEvidence(const store::PendingReport& p) const {
  return std::move(AnalyzeEvidence(std::vector<const store::PendingReport*>{&p}).front());
}

std::vector<Result<store::AnalysisRecord>> Intake::AnalyzeEvidence(
    const std::vector<const store::PendingReport*>& ps) const {
  std::vector<Result<store::AnalysisRecord>> out(ps.size(), Fail(Status::Internal("not analysed")));
  std::vector<std::string> bytes(ps.size());
  std::vector<size_t> waiting;  // e-mails read and not yet analysed (indexes in ps)
  size_t waiting_bytes = 0;
  auto analyse_waiting = [&] {
    std::vector<analysis::Analyzer::Email> emails;
    for (size_t i : waiting) {
      std::string_view raw = bytes[i];
      const bool cut = raw.size() > max_size_;
      if (cut) raw = raw.substr(0, max_size_);
      emails.push_back({raw, ps[i]->sha256, bytes[i].size(), cut});
    }
    auto reports = analyzer_->AnalyzeEmails(emails);
    for (size_t k = 0; k < waiting.size(); ++k) {
      out[waiting[k]] = Record(std::move(reports[k]));
      std::string().swap(bytes[waiting[k]]);
    }
    waiting.clear();
    waiting_bytes = 0;
  };
  for (size_t i = 0; i < ps.size(); ++i) {
    const store::PendingReport& p = *ps[i];
    auto b = evidence_->Get(p.sha256);
    if (!b) {
      out[i] = Fail(b.error());
      continue;
    }
    if (p.kind == "sms") {
      analysis::SmsReport sms;
      std::string err;
      if (!analysis::ParseSmsLine(*b, &sms, &err))
        out[i] = Fail(Status::Corruption("stored SMS report is unreadable: " + err));
      else
        out[i] = Record(analyzer_->AnalyzeSms(sms));
      continue;
    }
    // Large messages are not held many at a time.
    if (!waiting.empty() && waiting_bytes + b->size() > kAnalysisChunkBytes) analyse_waiting();
    waiting_bytes += b->size();
    bytes[i] = std::move(*b);
    waiting.push_back(i);
  }
  if (!waiting.empty()) analyse_waiting();
  return out;
}

store::AnalysisRecord Intake::Record(analysis::Report r) const {
  if (ipdb_) enrich::Enrich(*ipdb_, &r);
  store::AnalysisRecord a;
  a.personal_json = analysis::TakePersonalData(&r);
  a.analysis_json = analysis::ReportToJson(r);
  a.category = r.classification.category;
  a.subject = r.headers.subject;
  if (r.origin) {
    a.origin_ip = r.origin->ip;
    a.origin_country = r.origin->info.country;
    a.origin_asn = r.origin->info.asn;
  }
  a.date = r.headers.date;
  a.body_text = r.body_text.substr(0, kMaxIndexedText);
  while (!a.body_text.empty() && (static_cast<unsigned char>(a.body_text.back()) & 0xC0) == 0x80)
    a.body_text.pop_back();  // do not end inside a UTF-8 sequence
  if (!a.body_text.empty() && static_cast<unsigned char>(a.body_text.back()) >= 0xC0) a.body_text.pop_back();
  const auto& in = r.indicators;
  for (const auto& x : in.ips) a.indicators.emplace_back("ip", x.ip);
  for (const auto& x : in.domains)
    a.indicators.emplace_back("domain", x.registrable.empty() ? x.host : x.registrable);
  for (const auto& x : in.urls) {
    a.indicators.emplace_back("host", x.host);
    a.indicators.emplace_back("url", x.url);
  }
  for (const auto& x : in.emails) a.indicators.emplace_back("email", x.address);
  for (const auto& x : in.phones) a.indicators.emplace_back("phone", x.number);
  for (const auto& x : in.payments) a.indicators.emplace_back("payment", x.value);
  for (const auto& x : in.attachments) a.indicators.emplace_back("attachment", x.sha256);
  a.campaign = CampaignKeysFromReport(r, static_cast<int64_t>(time(nullptr)));
  return a;
}

Result<size_t> Intake::Recluster(const std::string& org) {
  if (Status s = store_->ClearCampaigns(org); !s.ok()) return Fail(s);
  size_t n = 0;
  Status err = Status::Ok();
  Status s = store_->ForEachAnalysed(org, [&](const std::string& sha, const std::string& json, int64_t seen) {
    if (!err.ok()) return;
    auto c = store_->Cluster(org, sha, CampaignKeysFromAnalysis(json, seen));
    if (!c) err = c.error();
    ++n;
  });
  if (!s.ok()) return Fail(s);
  if (!err.ok()) return Fail(err);
  return n;
}

std::vector<store::Store::Outcome> Intake::AnalyzeItems(const std::vector<store::PendingReport>& items, int jobs,
                                                        AnalyzeStats* stats) const {
  std::vector<Result<store::AnalysisRecord>> results(items.size(),
                                                      Fail(Status::Internal("not analysed")));
  std::atomic<size_t> next{0};
  auto work = [&] {
    const uint64_t cpu0 = ThreadCpuNs();
    for (size_t from; (from = next.fetch_add(kAnalysisChunk)) < items.size();) {
      const size_t to = std::min(items.size(), from + kAnalysisChunk);
      std::vector<const store::PendingReport*> chunk;
      for (size_t i = from; i < to; ++i) chunk.push_back(&items[i]);
      try {
        auto rs = AnalyzeEvidence(chunk);
        for (size_t i = from; i < to; ++i) results[i] = std::move(rs[i - from]);
      } catch (const std::exception&) {
        // Again one by one, so that only the report that failed is marked so.
        for (size_t i = from; i < to; ++i) {
          try {
            results[i] = AnalyzeEvidence(items[i]);
          } catch (const std::exception& e) {
            results[i] = Fail(Status::Internal(std::string("analysis failed: ") + e.what()));
          }
        }
      }
    }
    analysis_cpu_ns_.fetch_add(ThreadCpuNs() - cpu0, std::memory_order_relaxed);
  };
  RunWorkers(jobs, kAnalysisNice, work);
  std::vector<store::Store::Outcome> outcomes(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    outcomes[i].org_id = items[i].org_id;
    outcomes[i].sha256 = items[i].sha256;
    if (results[i]) {
      outcomes[i].record = std::move(*results[i]);
      ++stats->analysed;
    } else {
      outcomes[i].error = results[i].error().ToString();
      ++stats->failed;
    }
  }
  return outcomes;
}

Result<AnalyzeStats> Intake::AnalyzePending(size_t limit, int jobs) {
  AnalyzeStats stats;
  auto pending = store_->NextPending(limit);
  if (!pending) return Fail(pending.error());
  auto outcomes = AnalyzeItems(*pending, jobs, &stats);
  if (Status s = Save(outcomes); !s.ok()) return Fail(s);
  return stats;
}

Result<Intake::Overlapped> Intake::AnalyzePendingOverlapped(size_t limit, int jobs) {
  Overlapped out;
  // The reports being saved are still waiting as far as the store knows, and the oldest: ask for
  // that many more and leave them out.
  auto pending = store_->NextPending(limit + in_flight_.size());
  if (!pending) return Fail(pending.error());
  std::vector<store::PendingReport> items;
  for (auto& p : *pending)
    if (items.size() < limit && !in_flight_.count({p.org_id, p.sha256})) items.push_back(std::move(p));
  AnalyzeStats stats;
  auto outcomes = AnalyzeItems(items, jobs, &stats);
  auto saved = FlushAnalysis();
  if (!saved) return Fail(saved.error());
  out.saved = *saved;
  out.started = items.size();
  if (items.empty()) return out;
  for (const auto& it : items) in_flight_.insert({it.org_id, it.sha256});
  saving_ = std::async(std::launch::async, [this, o = std::move(outcomes), stats]() -> Result<AnalyzeStats> {
    NameThread("lapis-save");
    if (Status s = Save(o); !s.ok()) return Fail(s);
    return stats;
  });
  return out;
}

Status Intake::Save(const std::vector<store::Store::Outcome>& outcomes) {
  const uint64_t cpu0 = ThreadCpuNs();
  Status s = store_->SaveOutcomes(outcomes);
  save_cpu_ns_.fetch_add(ThreadCpuNs() - cpu0, std::memory_order_relaxed);
  return s;
}

Result<AnalyzeStats> Intake::FlushAnalysis() {
  if (!saving_.valid()) return AnalyzeStats{};
  auto r = saving_.get();
  in_flight_.clear();
  return r;
}

}  // namespace lapis::service
