#include "common/test_dir.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

namespace lapis {
namespace {

namespace fs = std::filesystem;

TEST(FreshTestDir, IsEmptyEvenWhenAnEarlierRunLeftFilesThere) {
  fs::path d = FreshTestDir("lapis_testdir_fresh");
  std::ofstream(d / "left-over") << "x";
  fs::path again = FreshTestDir("lapis_testdir_fresh");
  EXPECT_EQ(again, d);
  EXPECT_TRUE(fs::is_directory(again));
  EXPECT_TRUE(fs::is_empty(again));
}

TEST(FreshTestDir, IsRemovedWithWhatItHoldsWhenTheProgramExits) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {  // a test program of its own: makes a directory, fills it, exits
    close(fds[0]);
    std::string path = FreshTestDir("lapis_testdir_exit").string();
    std::ofstream(path + "/file") << "evidence";
    fs::create_directories(path + "/nested/deeper");
    ssize_t n = write(fds[1], path.data(), path.size());
    close(fds[1]);
    std::exit(n == static_cast<ssize_t>(path.size()) ? 0 : 1);
  }
  close(fds[1]);
  std::string path(4096, '\0');
  ssize_t n = read(fds[0], path.data(), path.size());
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  ASSERT_GT(n, 0);
  path.resize(static_cast<size_t>(n));
  EXPECT_NE(path.find("lapis_testdir_exit_"), std::string::npos) << path;
  EXPECT_FALSE(fs::exists(path)) << path << " outlived the program that made it";
}

}  // namespace
}  // namespace lapis
