#include "enrich/ipdb.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <unordered_map>

#include "common/strings.h"

namespace lapis::enrich {
namespace {

constexpr char kMagic[8] = {'L', 'A', 'P', 'I', 'S', 'I', 'P', '1'};
constexpr uint64_t kMaxRanges = 50'000'000;
constexpr uint64_t kMaxStrings = 10'000'000;

// Splits one CSV line (RFC 4180 quoting) into fields.
std::vector<std::string> CsvFields(std::string_view line) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cur.push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cur.push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.push_back(std::move(cur));
      cur.clear();
    } else if (c != '\r') {
      cur.push_back(c);
    }
  }
  out.push_back(std::move(cur));
  return out;
}

template <typename F>
Status ForEachLine(const std::string& path, F f) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("cannot open " + path);
  std::string line;
  size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    if (!f(CsvFields(line))) return Status::Corruption(path + ":" + std::to_string(n) + ": bad line");
  }
  return Status::Ok();
}

template <typename T>
void WriteVec(FILE* f, const std::vector<T>& v) {
  uint64_t n = v.size();
  fwrite(&n, sizeof n, 1, f);
  if (n) fwrite(v.data(), sizeof(T), n, f);
}

template <typename T>
bool ReadVec(FILE* f, std::vector<T>* v) {
  uint64_t n = 0;
  if (fread(&n, sizeof n, 1, f) != 1 || n > kMaxRanges) return false;
  v->resize(n);
  return n == 0 || fread(v->data(), sizeof(T), n, f) == n;
}

}  // namespace

class IpDbBuilder {
 public:
  explicit IpDbBuilder(IpDb* db) : db_(db) {}
  uint32_t Intern(const std::string& s) {
    auto it = index_.find(s);
    if (it != index_.end()) return it->second;
    uint32_t id = static_cast<uint32_t>(db_->strings_.size());
    db_->strings_.push_back(s);
    index_.emplace(s, id);
    return id;
  }
  uint32_t AsnEntry(uint32_t asn, const std::string& org) {
    uint64_t key = (uint64_t(asn) << 32) | Intern(org);
    auto it = asn_index_.find(key);
    if (it != asn_index_.end()) return it->second;
    uint32_t id = static_cast<uint32_t>(db_->asn_numbers_.size());
    db_->asn_numbers_.push_back(asn);
    db_->asn_org_index_.push_back(static_cast<uint32_t>(key & 0xffffffff));
    asn_index_.emplace(key, id);
    return id;
  }
  bool Add(const std::string& a, const std::string& b, uint32_t value, bool asn_table) {
    auto s = IpAddress::Parse(a), e = IpAddress::Parse(b);
    if (!s || !e || s->v6 != e->v6) return false;
    if (!s->v6) {
      (asn_table ? db_->asn4_ : db_->cc4_).push_back({s->V4(), e->V4(), value});
    } else {
      (asn_table ? db_->asn6_ : db_->cc6_).push_back({s->Hi(), s->Lo(), e->Hi(), e->Lo(), value});
    }
    return true;
  }

 private:
  IpDb* db_;
  std::unordered_map<std::string, uint32_t> index_;
  std::unordered_map<uint64_t, uint32_t> asn_index_;
};

IpDbSources SourcesUnder(const std::string& nm) {
  IpDbSources s;
  s.asn_v4 = nm + "/@ip-location-db/asn/asn-ipv4.csv";
  s.asn_v6 = nm + "/@ip-location-db/asn/asn-ipv6.csv";
  s.country_v4 = nm + "/@ip-location-db/asn-country/asn-country-ipv4.csv";
  s.country_v6 = nm + "/@ip-location-db/asn-country/asn-country-ipv6.csv";
  return s;
}

Result<std::unique_ptr<IpDb>> IpDb::BuildFromCsv(const IpDbSources& src) {
  auto db = std::make_unique<IpDb>();
  IpDbBuilder b(db.get());
  b.Intern("");
  for (const auto* path : {&src.asn_v4, &src.asn_v6}) {
    Status s = ForEachLine(*path, [&](const std::vector<std::string>& f) {
      if (f.size() < 3) return false;
      uint32_t asn = static_cast<uint32_t>(std::strtoul(f[2].c_str(), nullptr, 10));
      return b.Add(f[0], f[1], b.AsnEntry(asn, f.size() > 3 ? f[3] : ""), true);
    });
    if (!s.ok()) return Fail(s);
  }
  for (const auto* path : {&src.country_v4, &src.country_v6}) {
    Status s = ForEachLine(*path, [&](const std::vector<std::string>& f) {
      if (f.size() < 3) return false;
      return b.Add(f[0], f[1], b.Intern(f[2]), false);
    });
    if (!s.ok()) return Fail(s);
  }
  auto by4 = [](const V4Range& x, const V4Range& y) { return x.start < y.start; };
  auto by6 = [](const V6Range& x, const V6Range& y) {
    return x.start_hi != y.start_hi ? x.start_hi < y.start_hi : x.start_lo < y.start_lo;
  };
  std::sort(db->asn4_.begin(), db->asn4_.end(), by4);
  std::sort(db->cc4_.begin(), db->cc4_.end(), by4);
  std::sort(db->asn6_.begin(), db->asn6_.end(), by6);
  std::sort(db->cc6_.begin(), db->cc6_.end(), by6);
  return db;
}

Status IpDb::Save(const std::string& path) const {
  std::string tmp = path + ".tmp";
  FILE* f = fopen(tmp.c_str(), "wb");
  if (!f) return Status::IoError("cannot write " + tmp);
  fwrite(kMagic, 1, sizeof kMagic, f);
  WriteVec(f, asn4_);
  WriteVec(f, cc4_);
  WriteVec(f, asn6_);
  WriteVec(f, cc6_);
  WriteVec(f, asn_numbers_);
  WriteVec(f, asn_org_index_);
  uint64_t n = strings_.size();
  fwrite(&n, sizeof n, 1, f);
  for (const auto& s : strings_) {
    uint32_t len = static_cast<uint32_t>(s.size());
    fwrite(&len, sizeof len, 1, f);
    fwrite(s.data(), 1, len, f);
  }
  bool ok = !ferror(f);
  ok = (fclose(f) == 0) && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) return Status::IoError("cannot write " + path);
  return Status::Ok();
}

Result<std::unique_ptr<IpDb>> IpDb::Open(const std::string& path) {
  FILE* f = fopen(path.c_str(), "rb");
  if (!f) return Fail(Status::NotFound("no IP data at " + path));
  auto db = std::make_unique<IpDb>();
  char magic[8];
  bool ok = fread(magic, 1, 8, f) == 8 && std::memcmp(magic, kMagic, 8) == 0;
  ok = ok && ReadVec(f, &db->asn4_) && ReadVec(f, &db->cc4_) && ReadVec(f, &db->asn6_) &&
       ReadVec(f, &db->cc6_) && ReadVec(f, &db->asn_numbers_) && ReadVec(f, &db->asn_org_index_);
  uint64_t n = 0;
  ok = ok && fread(&n, sizeof n, 1, f) == 1 && n <= kMaxStrings;
  for (uint64_t i = 0; ok && i < n; ++i) {
    uint32_t len = 0;
    ok = fread(&len, sizeof len, 1, f) == 1 && len < 4096;
    std::string s(ok ? len : 0, '\0');
    ok = ok && (len == 0 || fread(s.data(), 1, len, f) == len);
    db->strings_.push_back(std::move(s));
  }
  fclose(f);
  if (!ok) return Fail(Status::Corruption(path + " is not a Lapis IP database"));
  auto valid = [&](uint32_t v, size_t limit) { return v < limit; };
  for (const auto& r : db->asn4_) ok = ok && valid(r.value, db->asn_numbers_.size());
  for (const auto& r : db->asn6_) ok = ok && valid(r.value, db->asn_numbers_.size());
  for (const auto& r : db->cc4_) ok = ok && valid(r.value, db->strings_.size());
  for (const auto& r : db->cc6_) ok = ok && valid(r.value, db->strings_.size());
  for (uint32_t v : db->asn_org_index_) ok = ok && valid(v, db->strings_.size());
  ok = ok && db->asn_numbers_.size() == db->asn_org_index_.size();
  if (!ok) return Fail(Status::Corruption(path + " has out-of-range entries"));
  return db;
}

analysis::IpInfo IpDb::Lookup(const IpAddress& ip) const {
  analysis::IpInfo info;
  auto find4 = [&](const std::vector<V4Range>& t) -> const V4Range* {
    uint32_t a = ip.V4();
    auto it = std::upper_bound(t.begin(), t.end(), a,
                               [](uint32_t v, const V4Range& r) { return v < r.start; });
    if (it == t.begin()) return nullptr;
    --it;
    return a <= it->end ? &*it : nullptr;
  };
  auto find6 = [&](const std::vector<V6Range>& t) -> const V6Range* {
    uint64_t hi = ip.Hi(), lo = ip.Lo();
    auto it = std::upper_bound(t.begin(), t.end(), std::make_pair(hi, lo),
                               [](const std::pair<uint64_t, uint64_t>& v, const V6Range& r) {
                                 return v.first != r.start_hi ? v.first < r.start_hi : v.second < r.start_lo;
                               });
    if (it == t.begin()) return nullptr;
    --it;
    bool in = hi < it->end_hi || (hi == it->end_hi && lo <= it->end_lo);
    return in ? &*it : nullptr;
  };
  uint32_t asn_entry = UINT32_MAX, cc = UINT32_MAX;
  if (!ip.v6) {
    if (const auto* r = find4(asn4_)) asn_entry = r->value;
    if (const auto* r = find4(cc4_)) cc = r->value;
  } else {
    if (const auto* r = find6(asn6_)) asn_entry = r->value;
    if (const auto* r = find6(cc6_)) cc = r->value;
  }
  if (asn_entry != UINT32_MAX) {
    info.asn = asn_numbers_[asn_entry];
    info.as_org = strings_[asn_org_index_[asn_entry]];
  }
  if (cc != UINT32_MAX) info.country = strings_[cc];
  return info;
}

void Enrich(const IpDb& db, analysis::Report* r) {
  if (r->origin) {
    if (auto ip = IpAddress::Parse(r->origin->ip)) r->origin->info = db.Lookup(*ip);
  }
  for (auto& x : r->indicators.ips) {
    if (!x.range.empty()) continue;
    if (auto ip = IpAddress::Parse(x.ip)) x.info = db.Lookup(*ip);
  }
}

}  // namespace lapis::enrich
