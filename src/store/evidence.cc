#include "store/evidence.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "common/sha256.h"

namespace lapis::store {
namespace {

namespace fs = std::filesystem;

constexpr char kPackMagic[8] = {'L', 'A', 'P', 'I', 'S', 'P', 'K', '1'};
constexpr char kIndexMagic[8] = {'L', 'A', 'P', 'I', 'S', 'I', 'X', '1'};
constexpr char kRecordMagic[4] = {'L', 'P', 'R', '1'};
constexpr uint64_t kPackHeader = 16;    // magic, 8 reserved bytes
constexpr uint64_t kRecordHeader = 48;  // magic, u32 flags, u64 length, SHA-256
constexpr uint64_t kIndexEntry = 48;    // SHA-256, u64 offset of the bytes, u64 length
constexpr uint64_t kIndexHeader = 16;   // magic, u64 count

using Key = std::array<unsigned char, 32>;
// Each sealed pack has a Bloom filter of its keys, so that looking up a blob that is not there
// (every new submission) does not search the index of every sealed pack: 10 bits a key and 7
// probes rule out about 99% of the packs that do not hold it. A key is a SHA-256, so its own
// bytes serve as the probes' hashes.
constexpr uint64_t kFilterBitsPerKey = 10;
constexpr int kFilterProbes = 7;
uint64_t FilterProbe(const unsigned char* key, int i) {
  uint32_t v;
  std::memcpy(&v, key + 4 * i, 4);
  return v;
}
struct KeyHash {
  size_t operator()(const Key& k) const {
    size_t h;
    std::memcpy(&h, k.data(), sizeof h);
    return h;
  }
};

struct Loc {
  uint32_t pack = 0;     // index into Impl::packs
  uint64_t offset = 0;   // of the bytes
  uint64_t length = 0;
};

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

Key KeyOf(std::string_view hex) {
  Key k{};
  for (size_t i = 0; i < 32; ++i) k[i] = static_cast<unsigned char>(HexValue(hex[2 * i]) * 16 + HexValue(hex[2 * i + 1]));
  return k;
}

std::string HexOf(const unsigned char* k) {
  static const char* d = "0123456789abcdef";
  std::string s(64, '0');
  for (size_t i = 0; i < 32; ++i) {
    s[2 * i] = d[k[i] >> 4];
    s[2 * i + 1] = d[k[i] & 15];
  }
  return s;
}

void PutU32(unsigned char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
void PutU64(unsigned char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
uint64_t GetU64(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

Status Errno(const std::string& what) { return Status::IoError(what + ": " + std::strerror(errno)); }

Status SyncDir(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno(path);
  int rc = ::fsync(fd);
  Status s = rc == 0 ? Status::Ok() : Errno("fsync " + path);
  ::close(fd);
  return s;
}

Status WriteAllAt(int fd, const void* data, size_t n, uint64_t off, const std::string& what) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t w = ::pwrite(fd, p, n, static_cast<off_t>(off));
    if (w < 0) {
      if (errno == EINTR) continue;
      return Errno("writing " + what);
    }
    p += w;
    n -= static_cast<size_t>(w);
    off += static_cast<uint64_t>(w);
  }
  return Status::Ok();
}

// Reads exactly n bytes at off; false at end of file or on error.
bool ReadAllAt(int fd, void* data, size_t n, uint64_t off) {
  char* p = static_cast<char*>(data);
  while (n > 0) {
    ssize_t r = ::pread(fd, p, n, static_cast<off_t>(off));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
    off += static_cast<uint64_t>(r);
  }
  return true;
}

std::string PackName(uint32_t number) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%08u", number);
  return buf;
}

std::string LoosePath(const std::string& dir, const std::string& sha) {
  return dir + "/" + sha.substr(0, 2) + "/" + sha.substr(2, 2) + "/" + sha;
}

std::atomic<uint64_t> g_tmp_counter{0};

}  // namespace

bool IsSha256Hex(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (HexValue(c) < 0) return false;
  return true;
}

struct EvidenceStore::Impl {
  struct Pack {
    uint32_t number = 0;
    uint32_t slot = 0;       // its index in Impl::packs
    std::string path;
    int fd = -1;
    bool sealed = false;
    bool own = false;        // this process appends to it (and holds its lock)
    uint64_t end = 0;        // end of the records known (own: where the next record goes)
    std::vector<std::pair<Key, Loc>> entries;  // records of an unsealed pack, in file order
    const unsigned char* index = nullptr;      // sealed: the mapped index file
    size_t index_size = 0;
    uint64_t index_count = 0;
    std::vector<uint64_t> filter;               // sealed: Bloom filter of its keys (kFilterBitsPerKey)
  };

  std::string dir, packs_dir;
  Options options;
  mutable std::mutex mu;
  std::vector<std::unique_ptr<Pack>> packs;
  std::unordered_map<Key, Loc, KeyHash> unsealed;  // records of every unsealed pack
  Pack* active = nullptr;                          // own pack being appended to
  bool loose = false;                              // blobs of the one-file-per-blob layout exist
  mutable uint64_t index_searches = 0;             // sealed indexes searched (under mu)

  ~Impl() {
    if (active) {
      ::fdatasync(active->fd);
      Seal(active);  // best effort: an unsealed pack is recovered on the next open anyway
    }
    for (auto& p : packs) {
      if (p->index) ::munmap(const_cast<unsigned char*>(p->index), p->index_size);
      if (p->fd >= 0) ::close(p->fd);
    }
  }

  static bool MayHold(const Pack& p, const Key& k) {
    if (p.filter.empty()) return true;
    const uint64_t bits = p.filter.size() * 64;
    for (int i = 0; i < kFilterProbes; ++i) {
      uint64_t b = FilterProbe(k.data(), i) % bits;
      if (!(p.filter[b / 64] >> (b % 64) & 1)) return false;
    }
    return true;
  }

  static void BuildFilter(Pack* p) {
    p->filter.assign((std::max<uint64_t>(64, p->index_count * kFilterBitsPerKey) + 63) / 64, 0);
    const uint64_t bits = p->filter.size() * 64;
    const unsigned char* base = p->index + kIndexHeader;
    for (uint64_t e = 0; e < p->index_count; ++e)
      for (int i = 0; i < kFilterProbes; ++i) {
        uint64_t b = FilterProbe(base + e * kIndexEntry, i) % bits;
        p->filter[b / 64] |= uint64_t{1} << (b % 64);
      }
  }

  // Looks a key up; caller holds mu.
  std::optional<Loc> Find(const Key& k) const {
    if (auto it = unsealed.find(k); it != unsealed.end()) return it->second;
    for (uint32_t i = 0; i < packs.size(); ++i) {
      const Pack& p = *packs[i];
      if (!p.sealed || p.index_count == 0 || !MayHold(p, k)) continue;
      ++index_searches;
      const unsigned char* base = p.index + kIndexHeader;
      uint64_t lo = 0, hi = p.index_count;
      while (lo < hi) {
        uint64_t mid = (lo + hi) / 2;
        int c = std::memcmp(base + mid * kIndexEntry, k.data(), 32);
        if (c == 0) {
          const unsigned char* e = base + mid * kIndexEntry;
          return Loc{i, GetU64(e + 32), GetU64(e + 40)};
        }
        if (c < 0) lo = mid + 1;
        else hi = mid;
      }
    }
    return std::nullopt;
  }

  // Reads the records of `p` from p->end on, stopping at the first that is incomplete or whose
  // bytes do not hash to its SHA-256. Caller holds mu (or is opening).
  void Scan(Pack* p, uint32_t pack_index) {
    struct stat st;
    if (::fstat(p->fd, &st) != 0) return;
    uint64_t size = static_cast<uint64_t>(st.st_size);
    if (p->end < kPackHeader) {
      char magic[sizeof kPackMagic];
      if (!ReadAllAt(p->fd, magic, sizeof magic, 0) || std::memcmp(magic, kPackMagic, sizeof magic) != 0) {
        p->end = 0;  // no pack header: nothing in it can be trusted
        return;
      }
    }
    uint64_t pos = std::max(p->end, kPackHeader);
    std::string data;
    while (pos + kRecordHeader <= size) {
      unsigned char h[kRecordHeader];
      if (!ReadAllAt(p->fd, h, sizeof h, pos) || std::memcmp(h, kRecordMagic, 4) != 0) break;
      uint64_t len = GetU64(h + 8);
      if (len > size - pos - kRecordHeader) break;
      Key k;
      std::memcpy(k.data(), h + 16, 32);
      data.resize(len);
      if (!ReadAllAt(p->fd, data.data(), len, pos + kRecordHeader)) break;
      if (Sha256Raw(data) != std::string_view(reinterpret_cast<const char*>(k.data()), 32)) break;
      Loc loc{pack_index, pos + kRecordHeader, len};
      p->entries.emplace_back(k, loc);
      unsealed.emplace(k, loc);
      pos += kRecordHeader + len;
    }
    p->end = pos;
  }

  // Writes p's index and marks it sealed. The pack itself must already be synced.
  Status Seal(Pack* p) {
    std::vector<std::pair<Key, Loc>> e = p->entries;
    std::sort(e.begin(), e.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    e.erase(std::unique(e.begin(), e.end(), [](const auto& a, const auto& b) { return a.first == b.first; }),
            e.end());
    std::string buf(kIndexHeader + e.size() * kIndexEntry, '\0');
    auto* u = reinterpret_cast<unsigned char*>(buf.data());
    std::memcpy(u, kIndexMagic, 8);
    PutU64(u + 8, e.size());
    for (size_t i = 0; i < e.size(); ++i) {
      unsigned char* x = u + kIndexHeader + i * kIndexEntry;
      std::memcpy(x, e[i].first.data(), 32);
      PutU64(x + 32, e[i].second.offset);
      PutU64(x + 40, e[i].second.length);
    }
    buf += Sha256Raw(buf);  // the index's own checksum
    std::string final_path = packs_dir + "/" + PackName(p->number) + ".idx";
    std::string tmp = final_path + ".tmp." + std::to_string(::getpid());
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0444);
    if (fd < 0) return Errno(tmp);
    Status s = WriteAllAt(fd, buf.data(), buf.size(), 0, tmp);
    if (s.ok() && ::fsync(fd) != 0) s = Errno("fsync " + tmp);
    ::close(fd);
    if (s.ok() && ::rename(tmp.c_str(), final_path.c_str()) != 0) s = Errno("rename " + tmp);
    if (s.ok()) s = SyncDir(packs_dir);
    if (!s.ok()) {
      ::unlink(tmp.c_str());
      return s;
    }
    if (Status m = MapIndex(p, final_path); !m.ok()) return m;
    for (const auto& [k, loc] : p->entries) unsealed.erase(k);
    p->entries.clear();
    p->entries.shrink_to_fit();
    if (p->own) ::flock(p->fd, LOCK_UN);
    p->own = false;
    if (active == p) active = nullptr;
    return Status::Ok();
  }

  // Maps a sealed pack's index after checking its magic, size and checksum.
  Status MapIndex(Pack* p, const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Errno(path);
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      ::close(fd);
      return Errno(path);
    }
    size_t size = static_cast<size_t>(st.st_size);
    void* m = size ? ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0) : MAP_FAILED;
    ::close(fd);
    if (m == MAP_FAILED) return Status::Corruption(path + ": cannot be mapped");
    auto* u = static_cast<const unsigned char*>(m);
    bool ok = size >= kIndexHeader + 32 && std::memcmp(u, kIndexMagic, 8) == 0 &&
              GetU64(u + 8) == (size - kIndexHeader - 32) / kIndexEntry &&
              (size - kIndexHeader - 32) % kIndexEntry == 0 &&
              Sha256Raw(std::string_view(reinterpret_cast<const char*>(u), size - 32)) ==
                  std::string_view(reinterpret_cast<const char*>(u + size - 32), 32);
    if (!ok) {
      ::munmap(m, size);
      return Status::Corruption(path + ": damaged pack index");
    }
    p->index = u;
    p->index_size = size;
    p->index_count = GetU64(u + 8);
    p->sealed = true;
    BuildFilter(p);
    return Status::Ok();
  }

  // Opens a pack found on disk: sealed ones by their index; an unsealed one that no live process
  // holds is recovered and sealed; one another process is writing is scanned as far as it goes.
  Status AddPack(uint32_t number) {
    auto p = std::make_unique<Pack>();
    p->number = number;
    p->path = packs_dir + "/" + PackName(number) + ".pack";
    p->fd = ::open(p->path.c_str(), O_RDWR | O_CLOEXEC);
    if (p->fd < 0) return Errno(p->path);
    Pack* raw = p.get();
    uint32_t index = static_cast<uint32_t>(packs.size());
    raw->slot = index;
    packs.push_back(std::move(p));
    std::string idx = packs_dir + "/" + PackName(number) + ".idx";
    if (::access(idx.c_str(), F_OK) == 0) {
      if (MapIndex(raw, idx).ok()) return Status::Ok();
      ::unlink(idx.c_str());  // rebuilt from the pack below
    }
    if (::flock(raw->fd, LOCK_EX | LOCK_NB) != 0) {
      // A live writer's pack: read as far as its records are whole and hash right (a record being
      // written, or the torn tail of a pack another process is recovering, is left out).
      Scan(raw, index);
      return Status::Ok();
    }
    Scan(raw, index);
    struct stat st;
    if (::fstat(raw->fd, &st) != 0) return Errno(raw->path);
    uint64_t size = static_cast<uint64_t>(st.st_size);
    if (size > raw->end) {
      // A torn tail: appended, never synced, never acknowledged (or, with no pack header, a pack
      // whose creation never completed). Keep the bytes aside.
      std::string qdir = dir + "/quarantine";
      fs::create_directories(qdir);
      std::string q = qdir + "/" + PackName(number) + "." + std::to_string(raw->end);
      std::string tail(size - raw->end, '\0');
      if (!ReadAllAt(raw->fd, tail.data(), tail.size(), raw->end)) return Errno("reading " + raw->path);
      int qfd = ::open(q.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0444);
      if (qfd < 0) return Errno(q);
      Status s = WriteAllAt(qfd, tail.data(), tail.size(), 0, q);
      if (s.ok() && ::fsync(qfd) != 0) s = Errno("fsync " + q);
      ::close(qfd);
      if (!s.ok()) return s;
      if (Status d = SyncDir(qdir); !d.ok()) return d;
      if (::ftruncate(raw->fd, static_cast<off_t>(raw->end)) != 0) return Errno("truncating " + raw->path);
    }
    if (raw->end < kPackHeader) {
      unsigned char h[kPackHeader] = {};
      std::memcpy(h, kPackMagic, sizeof kPackMagic);
      if (Status w = WriteAllAt(raw->fd, h, sizeof h, 0, raw->path); !w.ok()) return w;
      raw->end = kPackHeader;
    }
    if (::fdatasync(raw->fd) != 0) return Errno("fdatasync " + raw->path);
    raw->own = true;
    return Seal(raw);
  }

  // Creates this process's pack, locked before it becomes visible under its name.
  Status NewPack() {
    uint32_t number = 1;
    for (const auto& p : packs) number = std::max(number, p->number + 1);
    std::string tmp = packs_dir + "/new." + std::to_string(::getpid()) + "." + std::to_string(g_tmp_counter++);
    int fd = ::open(tmp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return Errno(tmp);
    unsigned char h[kPackHeader] = {};
    std::memcpy(h, kPackMagic, 8);
    Status s = ::flock(fd, LOCK_EX) == 0 ? WriteAllAt(fd, h, sizeof h, 0, tmp) : Errno("locking " + tmp);
    if (s.ok() && ::fdatasync(fd) != 0) s = Errno("fdatasync " + tmp);
    std::string path;
    for (int tries = 0; s.ok(); ++tries, ++number) {
      path = packs_dir + "/" + PackName(number) + ".pack";
      if (::link(tmp.c_str(), path.c_str()) == 0) break;
      if (errno != EEXIST || tries > 1000) s = Errno("creating " + path);
    }
    ::unlink(tmp.c_str());
    if (s.ok()) s = SyncDir(packs_dir);
    if (!s.ok()) {
      ::close(fd);
      return s;
    }
    auto p = std::make_unique<Pack>();
    p->number = number;
    p->path = path;
    p->fd = fd;
    p->own = true;
    p->end = kPackHeader;
    p->slot = static_cast<uint32_t>(packs.size());
    active = p.get();
    packs.push_back(std::move(p));
    return Status::Ok();
  }

  // Picks up packs written by other processes since the last look. Caller holds mu.
  void Refresh() {
    std::vector<uint32_t> found = ListPacks();
    for (uint32_t n : found) {
      bool known = false;
      for (auto& p : packs) known = known || p->number == n;
      if (!known) AddPack(n);
    }
    for (uint32_t i = 0; i < packs.size(); ++i) {
      Pack* p = packs[i].get();
      if (p->sealed || p->own) continue;
      std::string idx = packs_dir + "/" + PackName(p->number) + ".idx";
      if (::access(idx.c_str(), F_OK) == 0 && MapIndex(p, idx).ok()) {
        for (const auto& [k, loc] : p->entries) unsealed.erase(k);
        p->entries.clear();
      } else {
        Scan(p, i);
      }
    }
  }

  std::vector<uint32_t> ListPacks() const {
    std::vector<uint32_t> out;
    DIR* d = ::opendir(packs_dir.c_str());
    if (!d) return out;
    while (dirent* e = ::readdir(d)) {
      std::string_view n = e->d_name;
      if (n.size() != 13 || n.substr(8) != ".pack") continue;
      uint32_t v = 0;
      bool digits = true;
      for (char c : n.substr(0, 8)) {
        digits = digits && c >= '0' && c <= '9';
        v = v * 10 + static_cast<uint32_t>(c - '0');
      }
      if (digits) out.push_back(v);
    }
    ::closedir(d);
    std::sort(out.begin(), out.end());
    return out;
  }

  std::optional<Loc> FindOrRefresh(const Key& k) {
    std::lock_guard<std::mutex> l(mu);
    if (auto loc = Find(k)) return loc;
    Refresh();
    return Find(k);
  }
};

Result<EvidenceStore> EvidenceStore::Open(const std::string& dir, const Options& options) {
  auto impl = std::make_shared<Impl>();
  impl->dir = dir;
  impl->packs_dir = dir + "/packs";
  impl->options = options;
  std::error_code ec;
  fs::create_directories(impl->packs_dir, ec);
  if (ec) return Fail(Status::IoError("cannot create " + impl->packs_dir + ": " + ec.message()));
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string n = e.path().filename().string();
    if (n.size() == 2 && HexValue(n[0]) >= 0 && HexValue(n[1]) >= 0 && e.is_directory()) impl->loose = true;
  }
  for (uint32_t n : impl->ListPacks())
    if (Status s = impl->AddPack(n); !s.ok()) return Fail(s);
  return EvidenceStore(impl);
}

Result<PutResult> EvidenceStore::Put(std::string_view bytes, bool sync) const {
  PutResult r;
  std::string raw = Sha256Raw(bytes);
  r.sha256 = HexOf(reinterpret_cast<const unsigned char*>(raw.data()));
  struct stat st;
  if (impl_->loose && ::stat(LoosePath(impl_->dir, r.sha256).c_str(), &st) == 0) return r;
  Key k;
  std::memcpy(k.data(), raw.data(), 32);
  Impl& m = *impl_;
  int fd;
  {
    std::lock_guard<std::mutex> l(m.mu);
    if (m.Find(k)) return r;
    if (m.active && m.active->end >= m.options.pack_limit) {
      if (::fdatasync(m.active->fd) != 0) return Fail(Errno("fdatasync " + m.active->path));
      if (Status s = m.Seal(m.active); !s.ok()) return Fail(s);
    }
    if (!m.active)
      if (Status s = m.NewPack(); !s.ok()) return Fail(s);
    Impl::Pack* p = m.active;
    unsigned char h[kRecordHeader] = {};
    std::memcpy(h, kRecordMagic, 4);
    PutU32(h + 4, 0);
    PutU64(h + 8, bytes.size());
    std::memcpy(h + 16, raw.data(), 32);
    std::string rec(reinterpret_cast<const char*>(h), kRecordHeader);
    rec.append(bytes);
    if (Status s = WriteAllAt(p->fd, rec.data(), rec.size(), p->end, p->path); !s.ok()) {
      // Whatever part was written is overwritten by the next record or cut off on recovery.
      return Fail(s);
    }
    Loc loc{p->slot, p->end + kRecordHeader, bytes.size()};
    p->entries.emplace_back(k, loc);
    m.unsealed.emplace(k, loc);
    p->end += rec.size();
    fd = p->fd;
  }
  if (sync && ::fdatasync(fd) != 0) return Fail(Errno("fdatasync evidence"));
  r.created = true;
  return r;
}

Status EvidenceStore::Sync() const {
  int fd = -1;
  {
    std::lock_guard<std::mutex> l(impl_->mu);
    if (impl_->active) fd = impl_->active->fd;
  }
  if (fd >= 0 && ::fdatasync(fd) != 0) return Errno("fdatasync evidence");
  return Status::Ok();
}

std::optional<EvidenceLocation> EvidenceStore::Locate(const std::string& sha) const {
  if (!IsSha256Hex(sha)) return std::nullopt;
  if (auto loc = impl_->FindOrRefresh(KeyOf(sha))) {
    std::lock_guard<std::mutex> l(impl_->mu);
    return EvidenceLocation{impl_->packs[loc->pack]->path, loc->offset, loc->length};
  }
  if (impl_->loose) {
    std::string path = LoosePath(impl_->dir, sha);
    struct stat st;
    if (::stat(path.c_str(), &st) == 0) return EvidenceLocation{path, 0, static_cast<uint64_t>(st.st_size)};
  }
  return std::nullopt;
}

uint64_t EvidenceStore::IndexSearches() const {
  std::lock_guard<std::mutex> l(impl_->mu);
  return impl_->index_searches;
}

bool EvidenceStore::Contains(const std::string& sha) const {
  if (!IsSha256Hex(sha)) return false;
  Key k = KeyOf(sha);
  {
    std::lock_guard<std::mutex> l(impl_->mu);
    if (impl_->Find(k)) return true;
  }
  if (impl_->loose) {
    struct stat st;
    if (::stat(LoosePath(impl_->dir, sha).c_str(), &st) == 0) return true;
  }
  return false;
}

Result<std::string> EvidenceStore::Get(const std::string& sha) const {
  if (!IsSha256Hex(sha)) return Fail(Status::InvalidArgument("not a SHA-256: " + sha));
  std::string bytes;
  if (auto loc = impl_->FindOrRefresh(KeyOf(sha))) {
    int fd;
    {
      std::lock_guard<std::mutex> l(impl_->mu);
      fd = impl_->packs[loc->pack]->fd;
    }
    bytes.resize(loc->length);
    if (!ReadAllAt(fd, bytes.data(), bytes.size(), loc->offset))
      return Fail(Status::IoError("cannot read evidence " + sha));
  } else {
    std::ifstream in(impl_->loose ? LoosePath(impl_->dir, sha) : std::string(), std::ios::binary);
    if (!impl_->loose || !in) return Fail(Status::NotFound("no evidence " + sha));
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (in.bad()) return Fail(Status::IoError("cannot read evidence " + sha));
  }
  if (Sha256Hex(bytes) != sha) return Fail(Status::Corruption("evidence " + sha + " is corrupt: its bytes no longer hash to its name"));
  return bytes;
}

VerifyStats EvidenceStore::Verify(
    const std::function<void(const std::string&, const std::string&)>& on_corrupt) const {
  VerifyStats st;
  Impl& m = *impl_;
  struct Item {
    std::string pack;
    int fd;
    Key key;
    uint64_t offset, length;
  };
  std::vector<Item> items;
  {
    std::lock_guard<std::mutex> l(m.mu);
    m.Refresh();
    for (const auto& p : m.packs) {
      if (p->sealed) {
        const unsigned char* base = p->index + kIndexHeader;
        for (uint64_t i = 0; i < p->index_count; ++i) {
          Item it{p->path, p->fd, {}, GetU64(base + i * kIndexEntry + 32), GetU64(base + i * kIndexEntry + 40)};
          std::memcpy(it.key.data(), base + i * kIndexEntry, 32);
          items.push_back(it);
        }
      } else {
        for (const auto& [k, loc] : p->entries) items.push_back({p->path, p->fd, k, loc.offset, loc.length});
      }
    }
  }
  std::string data;
  for (const auto& it : items) {
    ++st.blobs;
    std::string sha = HexOf(it.key.data());
    unsigned char h[kRecordHeader];
    data.resize(it.length);
    bool read = it.offset >= kRecordHeader && ReadAllAt(it.fd, h, sizeof h, it.offset - kRecordHeader) &&
                ReadAllAt(it.fd, data.data(), data.size(), it.offset);
    if (!read) {
      ++st.corrupt;
      on_corrupt(sha, "cannot be read from " + it.pack);
      continue;
    }
    st.bytes += it.length;
    std::string got = Sha256Hex(data);
    if (std::memcmp(h, kRecordMagic, 4) != 0 || GetU64(h + 8) != it.length ||
        std::memcmp(h + 16, it.key.data(), 32) != 0) {
      ++st.corrupt;
      on_corrupt(sha, "its record header in " + it.pack + " is damaged");
    } else if (got != sha) {
      ++st.corrupt;
      on_corrupt(sha, "content hashes to " + got + " (" + it.pack + ", offset " + std::to_string(it.offset) + ")");
    }
  }
  if (!m.loose) return st;
  // Blobs of the one-file-per-blob layout.
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(m.dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_directory() && (it->path().filename() == "tmp" || it->path().filename() == "packs" ||
                               it->path().filename() == "quarantine")) {
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file()) continue;
    std::string name = it->path().filename().string();
    if (!IsSha256Hex(name)) continue;
    ++st.blobs;
    std::ifstream in(it->path(), std::ios::binary);
    if (!in) {
      ++st.corrupt;
      on_corrupt(name, "cannot be read");
      continue;
    }
    Sha256 h;
    char buf[1 << 16];
    while (in) {
      in.read(buf, sizeof buf);
      std::streamsize n = in.gcount();
      if (n > 0) {
        h.Update(std::string_view(buf, static_cast<size_t>(n)));
        st.bytes += static_cast<uint64_t>(n);
      }
    }
    std::string got = h.HexDigest();
    if (got != name) {
      ++st.corrupt;
      on_corrupt(name, "content hashes to " + got);
    }
  }
  if (ec) {
    ++st.corrupt;
    on_corrupt("", "cannot walk " + m.dir + ": " + ec.message());
  }
  return st;
}

}  // namespace lapis::store
