#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "analysis/analyzer.h"
#include "api/server.h"
#include "cli/commands.h"
#include "cli/sms_input.h"
#include "common/json_writer.h"
#include "common/strings.h"
#include "enrich/ipdb.h"
#include "mail/sources.h"
#include "service/intake.h"
#include "store/evidence.h"

namespace lapis::cli {
namespace {

constexpr size_t kAnalyzeBatch = 512;
constexpr size_t kIngestBatch = 256;                 // complaints recorded per sync and commit
constexpr size_t kIngestBatchBytes = 64 << 20;

using Clock = std::chrono::steady_clock;

class Progress {
 public:
  explicit Progress(bool enabled) : enabled_(enabled && isatty(STDERR_FILENO)), start_(Clock::now()) {}
  void Show(const char* what, uint64_t n, uint64_t total = 0) {
    if (!enabled_) return;
    auto now = Clock::now();
    if (now - last_ < std::chrono::milliseconds(200) && n != total) return;
    last_ = now;
    double secs = std::chrono::duration<double>(now - start_).count();
    if (total)
      std::fprintf(stderr, "\r%s %llu/%llu (%.0f/s)   ", what, static_cast<unsigned long long>(n),
                   static_cast<unsigned long long>(total), secs > 0 ? n / secs : 0.0);
    else
      std::fprintf(stderr, "\r%s %llu (%.0f/s)   ", what, static_cast<unsigned long long>(n),
                   secs > 0 ? n / secs : 0.0);
  }
  void Done() {
    if (enabled_) std::fputs("\n", stderr);
    start_ = Clock::now();
  }

 private:
  bool enabled_;
  Clock::time_point start_, last_{};
};

struct Node {
  std::unique_ptr<store::Store> store;
  std::optional<store::EvidenceStore> evidence;
};

std::optional<Node> OpenNode(const std::string& data_dir, const std::string& database,
                             const store::StoreOpener& open_store) {
  Node n;
  auto ev = store::EvidenceStore::Open(data_dir + "/evidence");
  if (!ev) {
    std::fprintf(stderr, "lapis: %s\n", ev.error().ToString().c_str());
    return std::nullopt;
  }
  n.evidence = std::move(*ev);
  n.store = OpenStoreOrReport(database, data_dir, open_store);
  if (!n.store) return std::nullopt;
  return n;
}

}  // namespace

int RunIngest(const IngestOptions& o, const store::StoreOpener& open_store) {
  auto node = OpenNode(o.data_dir, o.database, open_store);
  if (!node) return kExitPartial;
  std::unique_ptr<enrich::IpDb> db;
  if (o.analyze) {
    auto r = enrich::IpDb::Open(o.ip_db.empty() ? DefaultIpDbPath() : o.ip_db);
    if (r) db = std::move(*r);
    else std::fprintf(stderr, "lapis: warning: %s; IPs are not enriched\n", r.error().message().c_str());
  }
  analysis::AnalyzerOptions ao;
  ao.trust.resolver = db.get();
  analysis::Analyzer analyzer(ao);
  service::Intake intake(node->store.get(), &*node->evidence, &analyzer, db.get(), o.max_message_size);

  uint64_t submitted = 0, fresh = 0, errors = 0;
  Progress progress(o.progress);
  std::vector<service::Intake::Item> batch;
  size_t batch_bytes = 0;
  auto flush = [&] {
    if (batch.empty()) return;
    auto r = intake.SubmitBatch(o.org, "ingest", batch);
    if (!r) {
      std::fprintf(stderr, "lapis: %zu complaints not recorded: %s\n", batch.size(), r.error().ToString().c_str());
      errors += batch.size();
    } else {
      submitted += r->size();
      for (const auto& x : *r) fresh += x.new_report;
    }
    batch.clear();
    batch_bytes = 0;
    progress.Show("recorded", submitted);
  };
  auto submit = [&](std::string_view bytes, const char* kind, const std::string& source) {
    batch.push_back({std::string(bytes), kind, source});
    batch_bytes += bytes.size();
    if (batch.size() >= kIngestBatch || batch_bytes >= kIngestBatchBytes) flush();
  };
  if (o.sms) {
    errors += ReadSmsReports(o.paths, [&](analysis::SmsReport&& sms, const std::string& path, int64_t line) {
      submit(analysis::CanonicalSmsJson(sms), "sms", path + ":" + std::to_string(line));
    });
  } else {
    mail::SourceStats stats;
    // The whole message is kept as evidence; the size limit applies to analysis only.
    mail::ReadMessages(
        o.paths, SIZE_MAX / 2,
        [&](mail::RawMessage&& m) {
          submit(m.data, "email", m.index >= 0 ? m.path + "#" + std::to_string(m.index) : m.path);
        },
        [&](const std::string& path, const Status& s) {
          std::fprintf(stderr, "lapis: %s: %s\n", path.c_str(), s.ToString().c_str());
          ++errors;
        },
        &stats);
  }
  flush();
  progress.Done();
  std::fprintf(stderr, "lapis: recorded %llu complaints (%llu new reports) for %s\n",
               static_cast<unsigned long long>(submitted), static_cast<unsigned long long>(fresh),
               o.org.c_str());
  if (o.analyze) {
    uint64_t analysed = 0, failed = 0;
    auto counts = node->store->Count(o.org);
    uint64_t waiting = counts ? static_cast<uint64_t>(counts->pending) : 0;
    while (true) {
      auto st = intake.AnalyzePending(kAnalyzeBatch, o.jobs);
      if (!st) {
        std::fprintf(stderr, "lapis: %s\n", st.error().ToString().c_str());
        return kExitPartial;
      }
      if (st->analysed + st->failed == 0) break;
      analysed += st->analysed;
      failed += st->failed;
      progress.Show("analysed", analysed + failed, std::max<uint64_t>(waiting, analysed + failed));
    }
    progress.Done();
    std::fprintf(stderr, "lapis: analysed %llu reports, %llu failed (kept, retried later)\n",
                 static_cast<unsigned long long>(analysed), static_cast<unsigned long long>(failed));
  }
  return errors ? kExitPartial : kExitOk;
}

int RunReportShow(const ReportShowOptions& o, const store::StoreOpener& open_store) {
  auto node = OpenNode(o.data_dir, o.database, open_store);
  if (!node) return kExitPartial;
  auto row = node->store->GetReport(o.org, o.id);
  if (!row) {
    std::fprintf(stderr, "lapis: %s\n", row.error().ToString().c_str());
    return kExitPartial;
  }
  if (!*row) {
    std::fprintf(stderr, "lapis: organisation %s has no report %s\n", o.org.c_str(), o.id.c_str());
    return kExitPartial;
  }
  JsonWriter w;
  api::ReportJson(w, **row, true, o.personal);
  std::printf("%s\n", w.str().c_str());
  return kExitOk;
}

int RunCampaigns(const CampaignOptions& o, const store::StoreOpener& open_store) {
  auto node = OpenNode(o.data_dir, o.database, open_store);
  if (!node) return kExitPartial;
  auto list = node->store->ListCampaigns(o.org, o.top, o.members);
  if (!list) {
    std::fprintf(stderr, "lapis: %s\n", list.error().ToString().c_str());
    return kExitPartial;
  }
  for (const auto& c : *list) {
    if (o.json) {
      JsonWriter w;
      w.BeginObject().Key("id").Int(c.id).Key("reports").Int(c.reports);
      w.Key("first_seen").String(FormatRfc3339(c.first_seen)).Key("last_seen").String(FormatRfc3339(c.last_seen));
      w.Key("members").BeginArray();
      for (size_t i = 0; i < c.members.size(); ++i)
        w.BeginObject().Key("id").String(c.members[i]).Key("subject").StringOrNull(c.subjects[i]).EndObject();
      w.EndArray().EndObject();
      std::printf("%s\n", w.str().c_str());
      continue;
    }
    std::printf("campaign %lld: %lld reports, %s .. %s\n", static_cast<long long>(c.id),
                static_cast<long long>(c.reports), FormatRfc3339(c.first_seen).c_str(),
                FormatRfc3339(c.last_seen).c_str());
    for (size_t i = 0; i < c.members.size(); ++i)
      std::printf("  %s  %s\n", c.members[i].substr(0, 16).c_str(), c.subjects[i].c_str());
  }
  return kExitOk;
}

int RunRecluster(const CampaignOptions& o, const store::StoreOpener& open_store) {
  auto node = OpenNode(o.data_dir, o.database, open_store);
  if (!node) return kExitPartial;
  analysis::Analyzer analyzer({});
  service::Intake intake(node->store.get(), &*node->evidence, &analyzer, nullptr, 0);
  auto t0 = Clock::now();
  auto n = intake.Recluster(o.org);
  if (!n) {
    std::fprintf(stderr, "lapis: %s\n", n.error().ToString().c_str());
    return kExitPartial;
  }
  std::fprintf(stderr, "lapis: reclustered %zu reports in %.1f s\n", *n,
               std::chrono::duration<double>(Clock::now() - t0).count());
  return kExitOk;
}

int RunVerify(const VerifyOptions& o, const store::StoreOpener& open_store) {
  auto node = OpenNode(o.data_dir, o.database, open_store);
  if (!node) return kExitPartial;
  uint64_t problems = 0;
  auto stats = node->evidence->Verify([&](const std::string& id, const std::string& why) {
    std::printf("corrupt %s: %s\n", id.c_str(), why.c_str());
    ++problems;
  });
  uint64_t referenced = 0, missing = 0;
  Status s = node->store->ForEachEvidenceId([&](const std::string& id) {
    ++referenced;
    if (!node->evidence->Contains(id)) {
      std::printf("missing %s: a report refers to evidence that is not in the store\n", id.c_str());
      ++missing;
    }
  });
  if (!s.ok()) {
    std::fprintf(stderr, "lapis: %s\n", s.ToString().c_str());
    return kExitPartial;
  }
  std::printf("evidence: %llu blobs, %llu bytes re-hashed, %llu corrupt; reports refer to %llu, %llu missing\n",
              static_cast<unsigned long long>(stats.blobs), static_cast<unsigned long long>(stats.bytes),
              static_cast<unsigned long long>(stats.corrupt), static_cast<unsigned long long>(referenced),
              static_cast<unsigned long long>(missing));
  return problems + missing ? kExitPartial : kExitOk;
}

}  // namespace lapis::cli
