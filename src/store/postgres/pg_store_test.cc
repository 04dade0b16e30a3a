// Behaviour of the PostgreSQL backend's own layout (the contract every backend keeps is tested in
// store_contract_test.cc). Needs LAPIS_TEST_POSTGRES_URL (scripts/test.sh starts a server).
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <cstdlib>
#include <string>

#include "store/store_test_support.h"

namespace lapis::store {
namespace {

// The single value of `sql` on the test database, or "" when there is none.
std::string QueryOne(PGconn* c, const std::string& sql) {
  PGresult* r = PQexec(c, sql.c_str());
  std::string v = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "";
  PQclear(r);
  return v;
}

TEST(PostgresStore, LargeValuesAreCompressedWithLz4WhereTheServerHasIt) {
  const char* url = std::getenv("LAPIS_TEST_POSTGRES_URL");
  if (!url || !*url) GTEST_SKIP() << "LAPIS_TEST_POSTGRES_URL is not set";
  auto s = OpenFreshStore("postgresql", "layout_lz4");
  ASSERT_TRUE(s) << s.error().ToString();
  PGconn* c = PQconnectdb(url);
  ASSERT_EQ(PQstatus(c), CONNECTION_OK) << PQerrorMessage(c);
  if (QueryOne(c, "SELECT 'lz4' = ANY (enumvals) FROM pg_settings WHERE name = 'default_toast_compression'") != "t") {
    PQfinish(c);
    GTEST_SKIP() << "this server was built without LZ4";
  }
  for (const auto& [table, column] : {std::pair{"reports", "analysis"}, std::pair{"report_personal_data", "data"},
                                      std::pair{"report_text", "search"}}) {
    std::string sql = std::string("SELECT a.attcompression FROM pg_attribute a JOIN pg_class t ON t.oid = a.attrelid "
                                  "JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = '") +
                      PostgresTestSchema("layout_lz4") + "' AND t.relname = '" + table + "' AND a.attname = '" + column + "'";
    EXPECT_EQ(QueryOne(c, sql), "l") << table << "." << column;
  }
  PQfinish(c);
}

}  // namespace
}  // namespace lapis::store
