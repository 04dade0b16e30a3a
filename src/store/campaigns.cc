#include "store/campaigns.h"

#include <algorithm>
#include <map>
#include <set>

namespace lapis::store {

double EstimatedSimilarity(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b) {
  if (a.empty() || a.size() != b.size()) return 0;
  size_t eq = 0;
  for (size_t i = 0; i < a.size(); ++i) eq += a[i] == b[i];
  return static_cast<double>(eq) / a.size();
}

bool AddCampaignId(std::vector<int64_t>* ids, int64_t c) {
  auto at = std::lower_bound(ids->begin(), ids->end(), c);
  if (at != ids->end() && *at == c) return false;
  ids->insert(at, c);
  if (ids->size() > static_cast<size_t>(kMaxCampaignsPerKey)) ids->resize(kMaxCampaignsPerKey);
  return true;
}

namespace {

// Follows parents from campaign c up to its root; `path` (if given) gets the campaigns passed.
Result<int64_t> WalkToRoot(CampaignOps& ops, int64_t c, std::vector<int64_t>* path) {
  int64_t cur = c;
  for (int guard = 0; guard < 64; ++guard) {
    auto p = ops.Parent(cur);
    if (!p) return Fail(p.error());
    if (*p == cur) break;
    if (path) path->push_back(cur);
    cur = *p;
  }
  return cur;
}

}  // namespace

Result<int64_t> ReadRoot(CampaignOps& ops, int64_t c) { return WalkToRoot(ops, c, nullptr); }

Result<int64_t> FindRoot(CampaignOps& ops, int64_t c) {
  std::vector<int64_t> path;
  auto root = WalkToRoot(ops, c, &path);
  if (!root) return root;
  // The last campaign passed is a child of the root already: only those above it are rewritten
  // (each a row write, and an index entry, at every lookup through them).
  if (!path.empty()) path.pop_back();
  for (int64_t x : path)
    if (Status s = ops.SetParent(x, *root); !s.ok()) return Fail(s);
  return root;
}

Result<int64_t> AssignCampaign(CampaignOps& ops, const CampaignKeys& keys) {
  std::set<int64_t> roots;
  // Nothing is merged until every key has been looked up, so a campaign's root and a root's
  // similarity are read once however many keys lead to them.
  std::map<int64_t, int64_t> root_of;
  std::map<int64_t, double> similarity;
  std::map<std::string, std::vector<int64_t>> key_roots;  // the roots each key already leads to
  auto collect = [&](const std::string& key, double confirm) -> Status {
    auto cs = ops.CampaignsWithKey(key);
    if (!cs) return cs.error();
    auto& leads_to = key_roots[key];
    for (int64_t c : *cs) {
      auto known = root_of.find(c);
      if (known == root_of.end()) {
        auto root = FindRoot(ops, c);
        if (!root) return root.error();
        known = root_of.emplace(c, *root).first;
      }
      const int64_t root = known->second;
      leads_to.push_back(root);
      if (roots.count(root)) continue;
      if (confirm > 0) {
        auto sim = similarity.find(root);
        if (sim == similarity.end()) {
          auto rep = ops.Representative(root);
          if (!rep) return rep.error();
          sim = similarity.emplace(root, EstimatedSimilarity(*rep, keys.minhash)).first;
        }
        if (sim->second < confirm) continue;
      }
      roots.insert(root);
    }
    return Status::Ok();
  };
  for (const auto& k : keys.strong)
    if (Status s = collect(k, k.rfind("d:", 0) == 0 ? kMinDomainSimilarity : 0); !s.ok()) return Fail(s);
  if (!keys.minhash.empty())
    for (const auto& k : keys.bands)
      if (Status s = collect(k, kMinSimilarity); !s.ok()) return Fail(s);
  int64_t root;
  if (roots.empty()) {
    auto c = ops.Create(keys);
    if (!c) return Fail(c.error());
    root = *c;
  } else {
    root = *roots.begin();  // the oldest campaign absorbs the others
    for (int64_t other : roots) {
      if (other == root) continue;
      if (Status s = ops.SetParent(other, root); !s.ok()) return Fail(s);
      if (Status s = ops.Absorb(root, other); !s.ok()) return Fail(s);
    }
  }
  if (Status s = ops.AddMember(root, keys.seen); !s.ok()) return Fail(s);
  // A key that already leads to a campaign merged into the root needs no new entry: the root is
  // found through it. Each entry written is a random page of the key index.
  auto add = [&](const std::string& k) -> Status {
    auto it = key_roots.find(k);
    if (it != key_roots.end())
      for (int64_t r : it->second)
        if (r == root || roots.count(r)) return Status::Ok();
    return ops.AddKey(k, root);
  };
  for (const auto& k : keys.strong)
    if (Status s = add(k); !s.ok()) return Fail(s);
  for (const auto& k : keys.bands)
    if (Status s = add(k); !s.ok()) return Fail(s);
  return root;
}

}  // namespace lapis::store
