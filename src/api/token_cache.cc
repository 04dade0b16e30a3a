#include "api/token_cache.h"

namespace lapis::api {

std::optional<store::TokenInfo> TokenCache::Get(const std::string& token_sha256, int64_t now_ms) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = entries_.find(token_sha256);
  if (it == entries_.end()) return std::nullopt;
  if (now_ms >= it->second.expires_ms) {
    entries_.erase(it);
    return std::nullopt;
  }
  return it->second.info;
}

void TokenCache::Put(const std::string& token_sha256, const store::TokenInfo& info, int64_t now_ms) {
  std::lock_guard<std::mutex> l(mu_);
  if (entries_.size() >= capacity_ && !entries_.count(token_sha256)) {
    for (auto it = entries_.begin(); it != entries_.end();)  // expired first; if none, start again
      it = now_ms >= it->second.expires_ms ? entries_.erase(it) : std::next(it);
    if (entries_.size() >= capacity_) entries_.clear();
  }
  entries_[token_sha256] = Entry{info, now_ms + ttl_ms_};
}

void TokenCache::Clear() {
  std::lock_guard<std::mutex> l(mu_);
  entries_.clear();
}

size_t TokenCache::size() {
  std::lock_guard<std::mutex> l(mu_);
  return entries_.size();
}

}  // namespace lapis::api
