// SQLite backend of the Store interface: one database file in WAL mode with synchronous=FULL, so
// a committed transaction survives a crash. Schema migrations are applied on open.
#pragma once

#include <memory>
#include <string>

#include "store/store.h"

namespace lapis::store {

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path);

// Opens the store with its schema migrated no further than `schema_version`: for testing the
// upgrade of a store written by an earlier version. The store's own statements expect the latest
// schema, so such a store is only for closing again.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, int schema_version);

}  // namespace lapis::store
