#include "store/store_test_support.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "store/sqlite/sqlite_store.h"

namespace lapis::store {
namespace {

namespace fs = std::filesystem;

std::string SqlitePath(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("lapis_store_" + name + "_" + std::to_string(::getpid()));
  return (d / "lapis.db").string();
}

}  // namespace

std::vector<std::string> TestBackends() {
  std::vector<std::string> out = {"sqlite"};
  if (const char* url = std::getenv("LAPIS_TEST_POSTGRES_URL"); url && *url) out.push_back("postgresql");
  return out;
}

Result<std::unique_ptr<Store>> OpenFreshStore(const std::string& backend, const std::string& name) {
  if (backend == "sqlite") {
    fs::path p = SqlitePath(name);
    fs::remove_all(p.parent_path());
    fs::create_directories(p.parent_path());
    return OpenSqliteStore(p.string());
  }
  return Fail(Status::InvalidArgument("no test support for backend " + backend));
}

Result<std::unique_ptr<Store>> ReopenStore(const std::string& backend, const std::string& name) {
  if (backend == "sqlite") return OpenSqliteStore(SqlitePath(name));
  return Fail(Status::InvalidArgument("no test support for backend " + backend));
}

}  // namespace lapis::store
