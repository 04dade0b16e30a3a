// API tokens recently found valid, so that a busy client is not looked up in the store at every
// request. An entry lives `ttl_ms`; revoking a token through this node clears the cache at once,
// so only a token revoked by another process sharing the store (another node on the same
// PostgreSQL database) keeps working, for at most that long. Unknown tokens are never cached: a
// token created a moment ago works at once.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "store/store.h"

namespace lapis::api {

class TokenCache {
 public:
  explicit TokenCache(int64_t ttl_ms, size_t capacity = 4096) : ttl_ms_(ttl_ms), capacity_(capacity) {}

  // The token with this SHA-256, if it was put less than ttl_ms before `now_ms`.
  std::optional<store::TokenInfo> Get(const std::string& token_sha256, int64_t now_ms);
  void Put(const std::string& token_sha256, const store::TokenInfo& info, int64_t now_ms);
  void Clear();
  size_t size();

 private:
  struct Entry {
    store::TokenInfo info;
    int64_t expires_ms = 0;
  };
  const int64_t ttl_ms_;
  const size_t capacity_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace lapis::api
