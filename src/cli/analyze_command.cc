#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "analysis/analyzer.h"
#include "analysis/report_json.h"
#include "analysis/summary.h"
#include "cli/commands.h"
#include "cli/sms_input.h"
#include "common/ip.h"
#include "enrich/ipdb.h"
#include "mail/sources.h"

namespace lapis::cli {
namespace {

using analysis::Report;

struct Job {
  uint64_t seq;
  mail::RawMessage msg;
};

// Writes results in input order; holds at most the in-flight window.
class OrderedWriter {
 public:
  OrderedWriter(const AnalyzeOptions& o) : o_(o) {}
  void Put(uint64_t seq, Report&& r) {
    std::lock_guard<std::mutex> l(mu_);
    pending_.emplace(seq, std::move(r));
    while (!pending_.empty() && pending_.begin()->first == next_) {
      Emit(pending_.begin()->second);
      pending_.erase(pending_.begin());
      ++next_;
    }
    window_.notify_all();
  }
  // Blocks the reader while `seq` is more than `window` ahead of the last result written, so a
  // slow message cannot make finished results pile up without bound.
  void WaitForWindow(uint64_t seq, uint64_t window) {
    std::unique_lock<std::mutex> l(mu_);
    window_.wait(l, [&] { return seq < next_ + window; });
  }
  const analysis::Summary& summary() const { return summary_; }

 private:
  void Emit(const Report& r) {
    if (o_.summary) {
      summary_.Add(r);
      return;
    }
    std::string line = analysis::ReportToJson(r, o_.pretty);
    line.push_back('\n');
    fwrite(line.data(), 1, line.size(), stdout);
  }
  const AnalyzeOptions& o_;
  std::mutex mu_;
  std::condition_variable window_;
  std::map<uint64_t, Report> pending_;
  uint64_t next_ = 0;
  analysis::Summary summary_;
};

class BoundedQueue {
 public:
  explicit BoundedQueue(size_t cap) : cap_(cap) {}
  void Push(Job&& j) {
    std::unique_lock<std::mutex> l(mu_);
    not_full_.wait(l, [&] { return q_.size() < cap_; });
    q_.push_back(std::move(j));
    not_empty_.notify_one();
  }
  bool Pop(Job* j) {
    std::unique_lock<std::mutex> l(mu_);
    not_empty_.wait(l, [&] { return !q_.empty() || closed_; });
    if (q_.empty()) return false;
    *j = std::move(q_.front());
    q_.pop_front();
    not_full_.notify_one();
    return true;
  }
  void Close() {
    std::lock_guard<std::mutex> l(mu_);
    closed_ = true;
    not_empty_.notify_all();
  }

 private:
  size_t cap_;
  std::mutex mu_;
  std::condition_variable not_full_, not_empty_;
  std::deque<Job> q_;
  bool closed_ = false;
};

std::unique_ptr<enrich::IpDb> LoadIpDb(const std::string& path_opt) {
  std::string path = path_opt.empty() ? DefaultIpDbPath() : path_opt;
  auto db = enrich::IpDb::Open(path);
  if (!db) {
    std::fprintf(stderr,
                 "lapis: warning: %s; IPs are not enriched (run `lapis ipdata update`)\n",
                 db.error().message().c_str());
    return nullptr;
  }
  return std::move(*db);
}

Report Analyze(const analysis::Analyzer& a, const enrich::IpDb* db, const mail::RawMessage& m) {
  Report r = a.AnalyzeEmail(m.data, m.sha256, m.size, m.truncated);
  r.source_path = m.path;
  r.source_index = m.index;
  if (db) enrich::Enrich(*db, &r);
  return r;
}

int RunSms(const AnalyzeOptions& o, const analysis::Analyzer& a, const enrich::IpDb* db) {
  OrderedWriter out(o);
  int errors = 0;
  uint64_t seq = 0;
  errors += static_cast<int>(ReadSmsReports(
      o.paths, [&](analysis::SmsReport&& sms, const std::string& path, int64_t line) {
        Report r = a.AnalyzeSms(sms);
        r.source_path = path;
        r.source_index = line - 1;
        if (db) enrich::Enrich(*db, &r);
        out.Put(seq++, std::move(r));
      }));
  if (o.summary) {
    std::string s = o.summary_json ? out.summary().ToJson(o.top) : out.summary().ToText(o.top);
    std::fputs(s.c_str(), stdout);
  }
  return errors ? kExitPartial : kExitOk;
}

}  // namespace

int RunAnalyze(const AnalyzeOptions& o) {
  analysis::AnalyzerOptions ao;
  for (const auto& c : o.trusted_networks) {
    auto cidr = Cidr::Parse(c);
    if (!cidr) {
      std::fprintf(stderr, "lapis: invalid trusted network '%s'\n", c.c_str());
      return kExitUsage;
    }
    ao.trust.networks.push_back(*cidr);
  }
  ao.trust.hosts = o.trusted_hosts;
  ao.trust.infer = o.infer_trust;
  ao.default_region = o.region;
  ao.unwrap = o.unwrap;
  auto db = o.enrich ? LoadIpDb(o.ip_db) : nullptr;
  ao.trust.resolver = db.get();
  analysis::Analyzer analyzer(ao);
  if (o.sms) return RunSms(o, analyzer, db.get());

  OrderedWriter out(o);
  std::atomic<uint64_t> errors{0};
  auto on_error = [&](const std::string& path, const Status& s) {
    std::fprintf(stderr, "lapis: %s: %s\n", path.c_str(), s.ToString().c_str());
    ++errors;
  };
  mail::SourceStats stats;
  uint64_t seq = 0;
  int jobs = std::max(1, o.jobs);
  if (jobs == 1) {
    mail::ReadMessages(o.paths, o.max_message_size,
                       [&](mail::RawMessage&& m) { out.Put(seq++, Analyze(analyzer, db.get(), m)); },
                       on_error, &stats);
  } else {
    BoundedQueue queue(static_cast<size_t>(jobs) * 2);
    std::vector<std::thread> workers;
    for (int i = 0; i < jobs; ++i) {
      workers.emplace_back([&] {
        Job j;
        while (queue.Pop(&j)) out.Put(j.seq, Analyze(analyzer, db.get(), j.msg));
      });
    }
    mail::ReadMessages(o.paths, o.max_message_size,
                       [&](mail::RawMessage&& m) {
                         out.WaitForWindow(seq, static_cast<uint64_t>(jobs) * 16);
                         queue.Push({seq++, std::move(m)});
                       },
                       on_error,
                       &stats);
    queue.Close();
    for (auto& t : workers) t.join();
  }
  fflush(stdout);
  if (o.summary) {
    std::string s = o.summary_json ? out.summary().ToJson(o.top) : out.summary().ToText(o.top);
    if (!o.summary_json && stats.skipped_files)
      s += "\nskipped files that are not mail: " + std::to_string(stats.skipped_files) + "\n";
    std::fputs(s.c_str(), stdout);
  }
  return errors ? kExitPartial : kExitOk;
}

}  // namespace lapis::cli
