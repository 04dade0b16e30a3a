// PostgreSQL backend of the Store interface (libpq). Thread-safe: each call checks a connection
// out of a small pool; campaign clustering and analysis results of one organisation are
// serialised by an advisory lock, appends to the audit log by a table lock. Schema migrations are
// applied on open, each in its own transaction. A call that returned success has committed, and
// synchronous_commit is kept on, so the change is durable.
#pragma once

#include <memory>
#include <string>

#include "store/store.h"

namespace lapis::store {

// `url` is a libpq connection URI (postgresql://USER:PASSWORD@HOST:PORT/DB?PARAMS, also
// postgres://...) or a key=value connection string. The database must use the UTF8 encoding.
Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url);

}  // namespace lapis::store
