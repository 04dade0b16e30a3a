#pragma once
// Runs one piece of work on several threads at once, at a lower CPU priority than the caller.

#include <functional>

namespace lapis {

// Runs `work` on `threads` new threads (at least one) and waits for them all. Each thread first
// raises its own nice value by `nice` (0: unchanged), so that, when the cores are all busy, the
// threads that others wait for — the one that writes to the store, the ones that answer requests —
// are served first and this work takes the time left over. A raise that the system refuses is
// ignored: the work then runs at the caller's priority.
// Each thread is named `name` (see NameThread).
void RunWorkers(int threads, int nice, const std::function<void()>& work, const char* name = "lapis-analyze");

// Names the calling thread as `top -H`, `ps -L` and perf show it (at most 15 bytes are kept).
void NameThread(const char* name);

// The nice value of the calling thread.
int ThreadNice();

}  // namespace lapis
