// Plain SQL on the node's database, for modules that keep their own tables (cooperation objects:
// coop/). Both backends give it: statements are written once, with `?` placeholders, in the SQL
// that SQLite and PostgreSQL share. Tables are created by each backend's migrations.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/status.h"

namespace lapis::store {

// NULL, an integer, a real or text.
using SqlValue = std::variant<std::monostate, int64_t, double, std::string>;

struct SqlRow {
  std::vector<std::optional<std::string>> cols;  // text form of each column; nullopt for NULL

  bool Null(size_t i) const { return i >= cols.size() || !cols[i]; }
  std::string Text(size_t i) const { return Null(i) ? std::string() : *cols[i]; }
  int64_t Int(size_t i) const;
  double Real(size_t i) const;
};

// One transaction (or one consistent read). Used by one thread.
class SqlTx {
 public:
  virtual ~SqlTx() = default;
  // Runs one statement; its rows (none for statements that return none). `what` names the step
  // in error messages.
  virtual Result<std::vector<SqlRow>> Query(std::string_view what, std::string_view sql,
                                            const std::vector<SqlValue>& params = {}) = 0;
  Status Exec(std::string_view what, std::string_view sql,
              const std::vector<SqlValue>& params = {}) {
    auto r = Query(what, sql, params);
    return r ? Status::Ok() : r.error();
  }
};

class SqlDb {
 public:
  virtual ~SqlDb() = default;
  // Runs `fn` in a transaction: committed (durably) when it returns ok, rolled back otherwise.
  // `fn` may be run again after a serialization failure, so it must not keep effects outside the
  // transaction from an earlier run.
  virtual Status Write(const std::function<Status(SqlTx&)>& fn) = 0;
  // Runs `fn` on one snapshot, without changing anything.
  virtual Status Read(const std::function<Status(SqlTx&)>& fn) = 0;
};

}  // namespace lapis::store
