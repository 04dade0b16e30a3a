#include "service/intake.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/test_dir.h"
#include "store/sqlite/sqlite_store.h"

namespace lapis::service {
namespace {

namespace fs = std::filesystem;

struct Node {
  std::unique_ptr<store::Store> store;
  std::optional<store::EvidenceStore> evidence;
  analysis::Analyzer analyzer{{}};
  std::unique_ptr<Intake> intake;
  explicit Node(const char* name) {
    fs::path d = FreshTestDir(std::string("lapis_intake_") + name);
    store = std::move(*store::OpenSqliteStore((d / "lapis.db").string()));
    evidence = std::move(*store::EvidenceStore::Open((d / "evidence").string()));
    intake = std::make_unique<Intake>(store.get(), &*evidence, &analyzer, nullptr, 32u << 20);
  }
};

const char kSpam[] =
    "Received: from bot ([81.2.69.160]) by mx.example.org with SMTP id A1 for <anna@example.org>; "
    "Thu, 22 Aug 2002 11:59:00 +0000\r\nFrom: spammer@shop.example\r\nTo: anna@example.org\r\n"
    "Subject: Cheap watches\r\n\r\nBuy replica watches now, 70% off! http://shop.example/\r\n";

}  // namespace

TEST(Intake, SubmittedReportIsDurableThenAnalysedWithoutPersonalData) {
  Node n("analyse");
  std::string sha;
  auto r = n.intake->Submit("agency", kSpam, "email", "ingest", "test", "", &sha);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_TRUE(n.evidence->Contains(sha));
  EXPECT_EQ((*n.store->GetReport("agency", sha))->status, "pending");
  auto st = n.intake->AnalyzePending(100, 2);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->analysed, 1u);
  auto row = *n.store->GetReport("agency", sha);
  EXPECT_EQ(row->status, "analysed");
  EXPECT_EQ(row->subject, "Cheap watches");
  EXPECT_NE(row->analysis_json.find("\"id\":\"" + sha + "\""), std::string::npos);
  EXPECT_EQ(row->analysis_json.find("anna@example.org"), std::string::npos);
  EXPECT_NE(row->personal_json.find("anna@example.org"), std::string::npos);
}

TEST(Intake, CountsTheCpuTimeOfAnalysingAndOfSaving) {
  Node n("cpu");
  EXPECT_EQ(n.intake->analysis_cpu_ns(), 0u);
  EXPECT_EQ(n.intake->save_cpu_ns(), 0u);
  ASSERT_TRUE(n.intake->Submit("agency", kSpam, "email", "ingest", "test", ""));
  ASSERT_TRUE(n.intake->AnalyzePending(100, 2));
  const uint64_t analysed = n.intake->analysis_cpu_ns(), saved = n.intake->save_cpu_ns();
  EXPECT_GT(analysed, 0u);
  EXPECT_GT(saved, 0u);
  // The overlapped loop counts too: its save runs on a thread of its own.
  ASSERT_TRUE(n.intake->Submit("agency", std::string(kSpam) + "again\r\n", "email", "ingest", "test", ""));
  auto o = n.intake->AnalyzePendingOverlapped(100, 1);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->started, 1u);
  ASSERT_TRUE(n.intake->FlushAnalysis());
  EXPECT_GT(n.intake->analysis_cpu_ns(), analysed);
  EXPECT_GT(n.intake->save_cpu_ns(), saved);
}

TEST(Intake, ConcurrentSubmittersAreCommittedTogetherAndEachGetsItsOwnResult) {
  Node n("group");
  constexpr int kThreads = 16, kEach = 40;
  std::atomic<int> ok{0}, wrong{0}, first{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        // Every thread also sends the same message: one report with kThreads complaints.
        std::string bytes = i == 0 ? std::string(kSpam) : std::string(kSpam) + "n" + std::to_string(t * kEach + i) + "\r\n";
        std::string sha;
        auto r = n.intake->Submit("agency", bytes, "email", "http", "test", "", &sha);
        if (!r) continue;
        ++ok;
        auto row = n.store->GetReport("agency", sha);
        if (!row || !*row) ++wrong;  // acknowledged but not there
        if (i == 0 && r->new_report) ++first;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kThreads * kEach);
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(first.load(), 1);  // the shared message was new to exactly one of them
  auto counts = n.store->Count("agency");
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->reports, kThreads * (kEach - 1) + 1);
  EXPECT_EQ(counts->complaints, kThreads * kEach);
}

TEST(Intake, CorruptEvidenceIsMarkedFailedNotDropped) {
  Node n("corrupt");
  std::string sha;
  ASSERT_TRUE(n.intake->Submit("agency", kSpam, "email", "ingest", "test", "", &sha));
  auto loc = n.evidence->Locate(sha);
  ASSERT_TRUE(loc);
  {
    std::fstream f(loc->file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(loc->offset));
    f.put('X');
  }
  auto st = n.intake->AnalyzePending(100, 1);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->failed, 1u);
  auto row = *n.store->GetReport("agency", sha);
  EXPECT_EQ(row->status, "failed");
  EXPECT_NE(row->last_error.find("corrupt"), std::string::npos) << row->last_error;
}

TEST(Intake, SmsEvidenceIsItsCanonicalForm) {
  Node n("sms");
  analysis::SmsReport s;
  s.sender = "BANK";
  s.text = "Your card is blocked, call +44 20 7946 0018";
  s.reporter_number = "+447700900123";
  std::string sha;
  ASSERT_TRUE(n.intake->Submit("agency", analysis::CanonicalSmsJson(s), "sms", "api", "", "", &sha));
  ASSERT_TRUE(n.intake->AnalyzePending(10, 1));
  auto row = *n.store->GetReport("agency", sha);
  EXPECT_EQ(row->status, "analysed");
  EXPECT_EQ(sha, n.analyzer.AnalyzeSms(s).id);
  EXPECT_EQ(row->analysis_json.find("+447700900123"), std::string::npos);
  EXPECT_NE(row->personal_json.find("+447700900123"), std::string::npos);
}

TEST(Intake, UnknownKindIsRejected) {
  Node n("kind");
  EXPECT_FALSE(n.intake->Submit("agency", "x", "fax", "api", "", ""));
}

}  // namespace lapis::service

namespace lapis::service {

TEST(Intake, OverlappedAnalysisAnalysesEveryReportOnceWhileTheLastBatchIsSaved) {
  Node n("overlap");
  std::vector<std::string> ids;
  for (int i = 0; i < 10; ++i) {
    std::string sha;
    std::string msg = std::string(kSpam) + "variant " + std::to_string(i) + "\r\n";
    ASSERT_TRUE(n.intake->Submit("agency", msg, "email", "ingest", "test", "", &sha));
    ids.push_back(sha);
  }
  size_t started = 0, saved = 0;
  for (int round = 0; round < 10; ++round) {
    auto r = n.intake->AnalyzePendingOverlapped(4, 1);
    ASSERT_TRUE(r) << r.error().ToString();
    started += r->started;
    saved += r->saved.analysed;
    if (r->started == 0) break;
  }
  auto last = n.intake->FlushAnalysis();
  ASSERT_TRUE(last);
  saved += last->analysed;
  EXPECT_EQ(started, 10u);
  EXPECT_EQ(saved, 10u);
  for (const auto& id : ids) {
    auto row = *n.store->GetReport("agency", id);
    EXPECT_EQ(row->status, "analysed");
    EXPECT_EQ(row->attempts, 1) << "analysed more than once";
  }
}

}  // namespace lapis::service
