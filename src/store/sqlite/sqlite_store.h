// SQLite backend of the Store interface: a database file in WAL mode with synchronous=FULL, so a
// committed transaction survives a crash, and beside it the search database (full-text and
// indicator indexes, derived from the analyses) with a writer of its own. Schema migrations are
// applied on open.
#pragma once

#include <memory>
#include <string>

#include "store/store.h"

namespace lapis::store {

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path);

// Where the store at `path` keeps its search database: DIR/lapis.db -> DIR/lapis-search.db.
std::string SqliteSearchPath(const std::string& path);

}  // namespace lapis::store
