#include "common/workers.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <pthread.h>
#include <set>
#include <string>
#include <thread>

namespace lapis {
namespace {

TEST(RunWorkers, RunsTheWorkOnEveryThreadAndWaitsForAll) {
  std::atomic<int> runs{0};
  std::mutex mu;
  std::set<std::thread::id> ids;
  RunWorkers(3, 0, [&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::lock_guard<std::mutex> l(mu);
    ids.insert(std::this_thread::get_id());
    ++runs;
  });
  EXPECT_EQ(runs.load(), 3);  // all finished before it returned
  EXPECT_EQ(ids.size(), 3u);
  EXPECT_EQ(ids.count(std::this_thread::get_id()), 0u);
}

TEST(RunWorkers, TheWorkRunsAtALowerPriorityAndTheCallerKeepsItsOwn) {
  const int before = ThreadNice();
  if (before > 9) GTEST_SKIP() << "already at nice " << before;
  std::atomic<int> seen{-100};
  RunWorkers(1, 10, [&] { seen = ThreadNice(); });
  EXPECT_EQ(seen.load(), before + 10);
  EXPECT_EQ(ThreadNice(), before);
}

TEST(RunWorkers, AtLeastOneThreadRuns) {
  std::atomic<int> runs{0};
  RunWorkers(0, 0, [&] { ++runs; });
  EXPECT_EQ(runs.load(), 1);
}

std::string CurrentThreadName() {
  char name[16] = {};
  pthread_getname_np(pthread_self(), name, sizeof name);
  return name;
}

TEST(RunWorkers, NamesItsThreadsSoThatTopAndPerfTellThemApart) {
  std::mutex mu;
  std::set<std::string> names;
  RunWorkers(2, 0, [&] {
    std::lock_guard<std::mutex> l(mu);
    names.insert(CurrentThreadName());
  }, "lapis-test");
  EXPECT_EQ(names, std::set<std::string>{"lapis-test"});
  RunWorkers(1, 0, [&] { names.insert(CurrentThreadName()); });
  EXPECT_EQ(names.count("lapis-analyze"), 1u);  // the default: the analysis pool
}

TEST(NameThread, KeepsTheFirstFifteenBytesOfALongName) {
  std::string seen;
  std::thread t([&] {
    NameThread("lapis-a-name-longer-than-the-kernel-keeps");
    seen = CurrentThreadName();
  });
  t.join();
  EXPECT_EQ(seen, "lapis-a-name-lo");
}

}  // namespace
}  // namespace lapis
