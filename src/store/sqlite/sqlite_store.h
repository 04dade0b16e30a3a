// SQLite backend of the Store interface: one database file in WAL mode with synchronous=FULL, so
// a committed transaction survives a crash. Schema migrations are applied on open.
#pragma once

#include <memory>
#include <string>

#include "store/store.h"

namespace lapis::store {

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path);

}  // namespace lapis::store
