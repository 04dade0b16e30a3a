#include "store/evidence.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "common/sha256.h"

namespace lapis::store {
namespace {

namespace fs = std::filesystem;

// Opens `path` and calls `sync` (fsync or syncfs) on it.
Status SyncPath(const std::string& path, int flags, int (*sync)(int) = ::fsync, const char* what = "fsync") {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return Status::IoError(path + ": " + std::strerror(errno));
  int rc = sync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return Status::IoError(std::string(what) + " " + path + ": " + std::strerror(err));
  return Status::Ok();
}

Status WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IoError(std::strerror(errno));
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

std::atomic<uint64_t> g_tmp_counter{0};

}  // namespace

bool IsSha256Hex(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

Result<EvidenceStore> EvidenceStore::Open(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Fail(Status::IoError("cannot create " + dir + ": " + ec.message()));
  fs::create_directories(dir + "/tmp", ec);
  if (ec) return Fail(Status::IoError("cannot create " + dir + "/tmp: " + ec.message()));
  return EvidenceStore(dir);
}

std::string EvidenceStore::PathOf(const std::string& sha) const {
  return dir_ + "/" + sha.substr(0, 2) + "/" + sha.substr(2, 2) + "/" + sha;
}

bool EvidenceStore::Contains(const std::string& sha) const {
  if (!IsSha256Hex(sha)) return false;
  struct stat st;
  return ::stat(PathOf(sha).c_str(), &st) == 0;
}

Status EvidenceStore::Sync() const { return SyncPath(dir_, O_RDONLY | O_DIRECTORY, ::syncfs, "syncfs"); }

Result<PutResult> EvidenceStore::Put(std::string_view bytes, bool sync) const {
  PutResult r;
  r.sha256 = Sha256Hex(bytes);
  std::string path = PathOf(r.sha256);
  if (Contains(r.sha256)) return r;
  std::string sub = dir_ + "/" + r.sha256.substr(0, 2) + "/" + r.sha256.substr(2, 2);
  std::error_code ec;
  fs::create_directories(sub, ec);
  if (ec) return Fail(Status::IoError("cannot create " + sub + ": " + ec.message()));
  std::string tmp = dir_ + "/tmp/" + r.sha256 + "." + std::to_string(::getpid()) + "." +
                    std::to_string(g_tmp_counter.fetch_add(1));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
  if (fd < 0) return Fail(Status::IoError(tmp + ": " + std::strerror(errno)));
  Status s = WriteAll(fd, bytes);
  if (s.ok() && sync && ::fsync(fd) != 0) s = Status::IoError("fsync " + tmp + ": " + std::strerror(errno));
  ::close(fd);
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return Fail(s);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Status e = Status::IoError("rename to " + path + ": " + std::strerror(errno));
    ::unlink(tmp.c_str());
    return Fail(e);
  }
  if (sync) {
    s = SyncPath(sub, O_RDONLY | O_DIRECTORY);
    if (!s.ok()) return Fail(s);
  }
  r.created = true;
  return r;
}

Result<std::string> EvidenceStore::Get(const std::string& sha) const {
  if (!IsSha256Hex(sha)) return Fail(Status::InvalidArgument("not a SHA-256: " + sha));
  std::ifstream in(PathOf(sha), std::ios::binary);
  if (!in) return Fail(Status::NotFound("no evidence " + sha));
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Fail(Status::IoError("cannot read evidence " + sha));
  return bytes;
}

VerifyStats EvidenceStore::Verify(
    const std::function<void(const std::string&, const std::string&)>& on_corrupt) const {
  VerifyStats st;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir_, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_directory() && it->path().filename() == "tmp") {
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
    } else if (it->path().parent_path().filename() != name.substr(2, 2) ||
               it->path().parent_path().parent_path().filename() != name.substr(0, 2)) {
      ++st.corrupt;
      on_corrupt(name, "stored in the wrong folder " + it->path().parent_path().string());
    }
  }
  if (ec) {
    ++st.corrupt;
    on_corrupt("", "cannot walk " + dir_ + ": " + ec.message());
  }
  return st;
}

}  // namespace lapis::store
