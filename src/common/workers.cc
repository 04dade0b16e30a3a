#include "common/workers.h"

#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <thread>
#include <vector>

namespace lapis {
namespace {
id_t ThreadId() { return static_cast<id_t>(syscall(SYS_gettid)); }
}  // namespace

int ThreadNice() {
  return getpriority(PRIO_PROCESS, ThreadId());  // on Linux, per thread
}

void NameThread(const char* name) {
  char shortened[16] = {};
  for (int i = 0; i < 15 && name[i]; ++i) shortened[i] = name[i];
  pthread_setname_np(pthread_self(), shortened);
}

void RunWorkers(int threads, int nice, const std::function<void()>& work, const char* name) {
  std::vector<std::thread> pool;
  for (int t = 0; t < std::max(1, threads); ++t)
    pool.emplace_back([&] {
      NameThread(name);
      if (nice > 0) setpriority(PRIO_PROCESS, ThreadId(), std::min(19, ThreadNice() + nice));
      work();
    });
  for (auto& t : pool) t.join();
}

}  // namespace lapis
