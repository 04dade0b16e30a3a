#include <filesystem>
#include <system_error>

#include "cli/cli.h"
#include "store/postgres/pg_store.h"
#include "store/sqlite/sqlite_store.h"

namespace {

// The storage backends this program is built with.
lapis::Result<std::unique_ptr<lapis::store::Store>> OpenStore(const std::string& url,
                                                              const std::string& data_dir) {
  if (url.empty() || url == "sqlite:") {
    std::error_code ec;
    std::filesystem::create_directories(data_dir, ec);
    if (ec)
      return lapis::Fail(lapis::Status::IoError("cannot create " + data_dir + ": " + ec.message()));
    return lapis::store::OpenSqliteStore(data_dir + "/lapis.db");
  }
  if (url.rfind("sqlite:", 0) == 0) return lapis::store::OpenSqliteStore(url.substr(7));
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0 ||
      url.rfind("host=", 0) == 0)
    return lapis::store::OpenPostgresStore(url);
  // Only the scheme is repeated: the rest may hold a password.
  return lapis::Fail(
      lapis::Status::InvalidArgument("unsupported database URL " + url.substr(0, url.find(':')) +
                                     ":... (sqlite:PATH, postgresql://... or host=... key=value)"));
}

}  // namespace

int main(int argc, char** argv) { return lapis::cli::Main(argc, argv, OpenStore); }
