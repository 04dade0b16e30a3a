#include "coop/package.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <memory>
#include <set>

#include <nlohmann/json.hpp>

#include "common/sha256.h"
#include "common/strings.h"

namespace lapis::coop {
namespace {

using nlohmann::json;

std::string Hex(const std::string& bytes) {
  return HexEncode(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

bool Unhex(const std::string& hex, std::string* out) {
  out->assign(hex.size() / 2, '\0');
  size_t n = 0;
  if (sodium_hex2bin(reinterpret_cast<unsigned char*>(out->data()), out->size(), hex.data(),
                     hex.size(), nullptr, &n, nullptr) != 0 ||
      n != out->size())
    return false;
  return true;
}

struct ArchiveWriteDeleter {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct ArchiveReadDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};

la_ssize_t AppendToString(archive*, void* out, const void* buf, size_t n) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(buf), n);
  return static_cast<la_ssize_t>(n);
}

Status AddEntry(archive* a, const std::string& path, const std::string& bytes, time_t mtime) {
  std::unique_ptr<archive_entry, void (*)(archive_entry*)> e(archive_entry_new(),
                                                             archive_entry_free);
  archive_entry_set_pathname(e.get(), path.c_str());
  archive_entry_set_size(e.get(), static_cast<la_int64_t>(bytes.size()));
  archive_entry_set_filetype(e.get(), AE_IFREG);
  archive_entry_set_perm(e.get(), 0644);
  archive_entry_set_mtime(e.get(), mtime, 0);
  if (archive_write_header(a, e.get()) != ARCHIVE_OK)
    return Status::Internal(std::string("zip: ") + archive_error_string(a));
  if (!bytes.empty() &&
      archive_write_data(a, bytes.data(), bytes.size()) != static_cast<la_ssize_t>(bytes.size()))
    return Status::Internal(std::string("zip: ") + archive_error_string(a));
  return Status::Ok();
}

}  // namespace

std::string NodeKey::PublicHex() const { return Hex(public_key); }

Result<NodeKey> LoadOrCreateNodeKey(const std::string& data_dir) {
  if (sodium_init() < 0) return Fail(Status::Internal("libsodium cannot start"));
  const std::string path = data_dir + "/node.key";
  NodeKey k;
  k.public_key.assign(crypto_sign_PUBLICKEYBYTES, '\0');
  k.secret_key.assign(crypto_sign_SECRETKEYBYTES, '\0');
  std::string seed;
  std::ifstream in(path);
  std::string hex;
  if (in && std::getline(in, hex)) {
    if (!Unhex(std::string(Trim(hex)), &seed) || seed.size() != crypto_sign_SEEDBYTES)
      return Fail(Status::Corruption(path + " does not hold a signing key (64 hex digits)"));
  } else {
    seed.assign(crypto_sign_SEEDBYTES, '\0');
    randombytes_buf(seed.data(), seed.size());
    // Written to a new file only (O_EXCL): two processes starting at once keep one key.
    const std::string tmp = path + ".tmp" + std::to_string(getpid());
    int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return Fail(Status::IoError("cannot write " + tmp + ": " + strerror(errno)));
    std::string line = Hex(seed) + "\n";
    bool ok =
        write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && fsync(fd) == 0;
    close(fd);
    if (!ok || link(tmp.c_str(), path.c_str()) != 0) {
      unlink(tmp.c_str());
      if (errno == EEXIST) return LoadOrCreateNodeKey(data_dir);
      return Fail(Status::IoError("cannot write " + path + ": " + strerror(errno)));
    }
    unlink(tmp.c_str());
  }
  crypto_sign_seed_keypair(reinterpret_cast<unsigned char*>(k.public_key.data()),
                           reinterpret_cast<unsigned char*>(k.secret_key.data()),
                           reinterpret_cast<const unsigned char*>(seed.data()));
  sodium_memzero(seed.data(), seed.size());
  return k;
}

Result<std::string> BuildPackage(const std::vector<PackageFile>& files,
                                 const std::string& manifest_json, const NodeKey& key) {
  json manifest = json::parse(manifest_json, nullptr, false);
  if (!manifest.is_object()) return Fail(Status::Internal("package manifest is not a JSON object"));
  manifest["format"] = kPackageFormat;
  manifest["node_key"] = key.PublicHex();
  json list = json::array();
  uint64_t total = 0;
  for (const auto& f : files) {
    total += f.bytes.size();
    list.push_back({{"path", f.path}, {"sha256", Sha256Hex(f.bytes)}, {"size", f.bytes.size()}});
  }
  if (total > kMaxPackageBytes)
    return Fail(Status::InvalidArgument("the package would hold " + std::to_string(total >> 20) +
                                        " MiB; export at most " +
                                        std::to_string(kMaxPackageBytes >> 20) + " MiB"));
  manifest["files"] = list;
  const std::string m = manifest.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
  std::string sig(crypto_sign_BYTES, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data()), nullptr,
                       reinterpret_cast<const unsigned char*>(m.data()), m.size(),
                       reinterpret_cast<const unsigned char*>(key.secret_key.data()));
  std::string out;
  std::unique_ptr<archive, ArchiveWriteDeleter> a(archive_write_new());
  // Stored, not deflated: each file's bytes appear in the archive as they are.
  if (archive_write_set_format_zip(a.get()) != ARCHIVE_OK ||
      archive_write_set_format_option(a.get(), "zip", "compression", "store") != ARCHIVE_OK ||
      archive_write_open2(a.get(), &out, nullptr, AppendToString, nullptr, nullptr) != ARCHIVE_OK)
    return Fail(Status::Internal(std::string("zip: ") + archive_error_string(a.get())));
  const time_t now = time(nullptr);
  // The manifest first, so that a reader sees what to expect before the files.
  if (Status s = AddEntry(a.get(), "manifest.json", m, now); !s.ok()) return Fail(s);
  if (Status s = AddEntry(a.get(), "manifest.sig", Hex(sig) + "\n", now); !s.ok()) return Fail(s);
  for (const auto& f : files)
    if (Status s = AddEntry(a.get(), f.path, f.bytes, now); !s.ok()) return Fail(s);
  if (archive_write_close(a.get()) != ARCHIVE_OK)
    return Fail(Status::Internal(std::string("zip: ") + archive_error_string(a.get())));
  return out;
}

PackageCheck VerifyPackage(const std::string& zip_bytes, const std::string& pinned_key_hex) {
  PackageCheck c;
  auto problem = [&](std::string p) { c.problems.push_back(std::move(p)); };
  if (sodium_init() < 0) {
    problem("libsodium cannot start");
    return c;
  }
  std::unique_ptr<archive, ArchiveReadDeleter> a(archive_read_new());
  archive_read_support_format_zip(a.get());
  if (archive_read_open_memory(a.get(), zip_bytes.data(), zip_bytes.size()) != ARCHIVE_OK) {
    problem(std::string("not a zip archive: ") + archive_error_string(a.get()));
    return c;
  }
  std::string manifest_text, sig_hex;
  // Every file's hash and size, as read (contents other than the manifest are not kept).
  std::map<std::string, std::pair<std::string, uint64_t>> seen;
  archive_entry* e = nullptr;
  for (;;) {
    int r = archive_read_next_header(a.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      problem(std::string("unreadable archive: ") + archive_error_string(a.get()));
      return c;
    }
    const std::string path = archive_entry_pathname(e) ? archive_entry_pathname(e) : "";
    Sha256 h;
    uint64_t size = 0;
    std::string keep;
    const bool small = path == "manifest.json" || path == "manifest.sig";
    char buf[65536];
    for (;;) {
      la_ssize_t n = archive_read_data(a.get(), buf, sizeof buf);
      if (n < 0) {
        problem(path + ": unreadable: " + archive_error_string(a.get()));
        return c;
      }
      if (n == 0) break;
      h.Update(std::string_view(buf, static_cast<size_t>(n)));
      size += static_cast<uint64_t>(n);
      if (small) {
        if (size > (64u << 20)) {
          problem(path + " is too large");
          return c;
        }
        keep.append(buf, static_cast<size_t>(n));
      }
    }
    if (seen.count(path)) problem(path + " appears twice");
    seen[path] = {h.HexDigest(), size};
    if (path == "manifest.json") manifest_text = std::move(keep);
    if (path == "manifest.sig") sig_hex = std::string(Trim(keep));
  }
  if (manifest_text.empty()) {
    problem("no manifest.json");
    return c;
  }
  json m = json::parse(manifest_text, nullptr, false);
  if (!m.is_object() || m.value("format", "") != kPackageFormat || !m.contains("files") ||
      !m["files"].is_array()) {
    problem("manifest.json is not a " + std::string(kPackageFormat) + " manifest");
    return c;
  }
  c.node_key = m.value("node_key", "");
  std::string key, sig;
  if (!Unhex(c.node_key, &key) || key.size() != crypto_sign_PUBLICKEYBYTES) {
    problem("the manifest names no valid node key");
  } else if (!pinned_key_hex.empty() && ToLower(pinned_key_hex) != ToLower(c.node_key)) {
    problem("signed by node key " + c.node_key + ", not by the expected " + pinned_key_hex);
  } else if (!Unhex(sig_hex, &sig) || sig.size() != crypto_sign_BYTES ||
             crypto_sign_verify_detached(
                 reinterpret_cast<const unsigned char*>(sig.data()),
                 reinterpret_cast<const unsigned char*>(manifest_text.data()), manifest_text.size(),
                 reinterpret_cast<const unsigned char*>(key.data())) != 0) {
    problem("manifest.sig: the manifest's signature does not verify");
  }
  std::set<std::string> listed{"manifest.json", "manifest.sig"};
  for (const auto& f : m["files"]) {
    if (!f.is_object()) {
      problem("manifest.json: a file entry is not an object");
      continue;
    }
    const std::string path = f.value("path", ""), sha = f.value("sha256", "");
    const uint64_t size = f.value("size", uint64_t{0});
    listed.insert(path);
    ++c.files;
    auto it = seen.find(path);
    if (it == seen.end()) {
      problem(path + ": listed in the manifest but missing");
      continue;
    }
    if (it->second.first != sha || it->second.second != size)
      problem(path + ": content differs from the manifest (SHA-256 " + it->second.first + ", " +
              std::to_string(it->second.second) + " bytes)");
    // Evidence is content-addressed: evidence/SHA.eml must hash to SHA.
    if (path.rfind("evidence/", 0) == 0 && path.size() > 13 &&
        path.compare(path.size() - 4, 4, ".eml") == 0) {
      std::string named = path.substr(9, path.size() - 13);
      if (named != it->second.first)
        problem(path + ": the message's SHA-256 is " + it->second.first);
    }
  }
  for (const auto& [path, info] : seen)
    if (!listed.count(path)) problem(path + ": not in the manifest");
  c.ok = c.problems.empty();
  return c;
}

}  // namespace lapis::coop
