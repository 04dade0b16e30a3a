// Store backends for tests: the contract tests run on each of them.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "store/store.h"

namespace lapis::store {

// "sqlite", and "postgresql" when LAPIS_TEST_POSTGRES_URL names a server.
std::vector<std::string> TestBackends();
// A new, empty store named `name` (anything left by an earlier run is removed).
Result<std::unique_ptr<Store>> OpenFreshStore(const std::string& backend, const std::string& name);
// The store `name` again, as it was left.
Result<std::unique_ptr<Store>> ReopenStore(const std::string& backend, const std::string& name);
// An e-mail complaint of 10 bytes to `org`, received through ingest at `received_at`.
// The PostgreSQL schema that OpenFreshStore("postgresql", name) puts the store in.
std::string PostgresTestSchema(const std::string& name);
Submission TestSubmission(const std::string& org, const std::string& sha, int64_t received_at);

}  // namespace lapis::store
