// Incremental campaign clustering. A report joins the campaigns it shares a key with: a MinHash
// band key (confirmed by an estimated similarity of at least kMinSimilarity with the campaign's
// representative), a spamvertised registrable domain (confirmed by kMinDomainSimilarity), or a
// phone number or payment identifier (taken as they are). Campaigns that one report links are merged (union-find with path
// compression), so assigning a report costs a few indexed lookups whatever the size of the store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace lapis::store {

inline constexpr double kMinSimilarity = 0.5;  // estimated Jaccard similarity of body shingles
// A shared link domain joins a campaign when the bodies are at least this similar too: sponsors'
// and services' links recur across unrelated mail, a campaign's own domain comes with its text.
inline constexpr double kMinDomainSimilarity = 0.2;
// A key lookup (CampaignOps::CampaignsWithKey) gives at most this many campaigns: the smallest ids.
inline constexpr int64_t kMaxCampaignsPerKey = 50;

struct CampaignKeys {
  std::vector<std::string> bands;   // "b<i>:<hex>" MinHash LSH band keys
  std::vector<std::string> strong;  // "d:<domain>", "p:<+e164>", "$:<payment>"
  std::vector<uint32_t> minhash;
  int64_t seen = 0;                 // time of the report
};

// What the algorithm needs from a backend, inside one transaction. Campaign ids are > 0.
class CampaignOps {
 public:
  virtual ~CampaignOps() = default;
  virtual Result<std::vector<int64_t>> CampaignsWithKey(const std::string& key) = 0;
  virtual Result<int64_t> Parent(int64_t campaign) = 0;  // itself for a root
  virtual Status SetParent(int64_t campaign, int64_t parent) = 0;
  virtual Result<std::vector<uint32_t>> Representative(int64_t campaign) = 0;
  virtual Result<int64_t> Create(const CampaignKeys& k) = 0;
  virtual Status AddMember(int64_t root, int64_t seen) = 0;               // count and seen times
  virtual Status Absorb(int64_t root, int64_t other) = 0;                // add other's counts to root
  virtual Status AddKey(const std::string& key, int64_t campaign) = 0;   // idempotent
};

// Finds the root of a campaign, compressing the path on the way.
Result<int64_t> FindRoot(CampaignOps& ops, int64_t campaign);
// Finds the root of a campaign without changing anything (for readers).
Result<int64_t> ReadRoot(CampaignOps& ops, int64_t campaign);

// Assigns a report with these keys to a campaign and returns the campaign's root id.
Result<int64_t> AssignCampaign(CampaignOps& ops, const CampaignKeys& keys);

// Adds campaign `c` to `ids`, what a lookup of a key returned (ascending), so that they are what
// the lookup returns once the key leads to `c` too. False when `c` was there already.
bool AddCampaignId(std::vector<int64_t>* ids, int64_t c);

double EstimatedSimilarity(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b);

}  // namespace lapis::store
