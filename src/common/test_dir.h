// Directories for tests. Header-only: tests include it, the libraries do not.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <string>
#include <system_error>
#include <vector>

namespace lapis {

// A new, empty directory for a test: `prefix` and the process id under the temporary directory
// ($TMPDIR, else /tmp), emptied first if an earlier run left it. Every directory made this way is
// removed, with everything in it, when the test program exits normally, so runs leave nothing
// behind; after a crash it stays for inspection.
inline std::filesystem::path FreshTestDir(const std::string& prefix) {
  namespace fs = std::filesystem;
  struct Made {
    std::mutex mu;
    std::vector<fs::path> dirs;
    ~Made() {
      for (const auto& d : dirs) {
        std::error_code ec;
        fs::remove_all(d, ec);
      }
    }
  };
  static Made made;
  fs::path d = fs::temp_directory_path() / (prefix + "_" + std::to_string(::getpid()));
  std::error_code ec;
  fs::remove_all(d, ec);
  fs::create_directories(d);
  std::lock_guard<std::mutex> l(made.mu);
  if (std::find(made.dirs.begin(), made.dirs.end(), d) == made.dirs.end()) made.dirs.push_back(d);
  return d;
}

}  // namespace lapis
