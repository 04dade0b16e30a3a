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

// How long the write-ahead log grows between checkpoints: a commit that leaves `wake_pages` pages
// in it wakes the background checkpointer, and one that leaves `max_pages` finishes the checkpoint
// itself, so that the log starts again from its beginning. The defaults are the store's.
struct SqliteLogLimits {
  int wake_pages = 16384;  // 64 MiB of 4 KiB pages
  int max_pages = 65536;   // 256 MiB
};
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, int schema_version,
                                               SqliteLogLimits limits);

}  // namespace lapis::store
