#include "store/store_test_support.h"

#include <libpq-fe.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "store/postgres/pg_store.h"
#include "store/sqlite/sqlite_store.h"
#include "common/test_dir.h"

namespace lapis::store {
namespace {

namespace fs = std::filesystem;

std::string SqlitePath(const std::string& name) {
  fs::path d =
      fs::temp_directory_path() / ("lapis_store_" + name + "_" + std::to_string(::getpid()));
  return (d / "lapis.db").string();
}

std::string PostgresUrl() {
  const char* url = std::getenv("LAPIS_TEST_POSTGRES_URL");
  return url ? url : "";
}

// The test database's URL with the store's schema first on the search path.
std::string PostgresStoreUrl(const std::string& name) {
  std::string url = PostgresUrl();
  return url + (url.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" +
         PostgresTestSchema(name);
}

Status ResetPostgresSchema(const std::string& name) {
  PGconn* c = PQconnectdb(PostgresUrl().c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    std::string m = PQerrorMessage(c);
    PQfinish(c);
    return Status::Unavailable("cannot connect to the test database: " + m);
  }
  std::string schema = PostgresTestSchema(name);
  char* id = PQescapeIdentifier(c, schema.data(), schema.size());
  std::string sql = std::string("SET client_min_messages = warning; DROP SCHEMA IF EXISTS ") + id +
                    " CASCADE; CREATE SCHEMA " + id;
  PQfreemem(id);
  PGresult* r = PQexec(c, sql.c_str());
  Status s =
      PQresultStatus(r) == PGRES_COMMAND_OK
          ? Status::Ok()
          : Status::IoError(std::string("resetting ") + schema + ": " + PQresultErrorMessage(r));
  PQclear(r);
  PQfinish(c);
  return s;
}

}  // namespace

// Each PostgreSQL test store is a schema of its own in the test database.
std::string PostgresTestSchema(const std::string& name) { return "lapis_test_" + name; }

std::vector<std::string> TestBackends() {
  std::vector<std::string> out = {"sqlite"};
  if (!PostgresUrl().empty()) out.push_back("postgresql");
  return out;
}

Result<std::unique_ptr<Store>> OpenFreshStore(const std::string& backend, const std::string& name) {
  if (backend == "sqlite") {
    return OpenSqliteStore((FreshTestDir("lapis_store_" + name) / "lapis.db").string());
  }
  if (backend == "postgresql" && !PostgresUrl().empty()) {
    if (Status s = ResetPostgresSchema(name); !s.ok()) return Fail(s);
    return OpenPostgresStore(PostgresStoreUrl(name));
  }
  return Fail(Status::InvalidArgument("no test support for backend " + backend));
}

Result<std::unique_ptr<Store>> ReopenStore(const std::string& backend, const std::string& name) {
  if (backend == "sqlite") return OpenSqliteStore(SqlitePath(name));
  if (backend == "postgresql" && !PostgresUrl().empty())
    return OpenPostgresStore(PostgresStoreUrl(name));
  return Fail(Status::InvalidArgument("no test support for backend " + backend));
}

Submission TestSubmission(const std::string& org, const std::string& sha, int64_t received_at) {
  Submission s;
  s.org = org;
  s.sha256 = sha;
  s.size = 10;
  s.kind = "email";
  s.channel = "ingest";
  s.received_at = received_at;
  return s;
}

}  // namespace lapis::store
