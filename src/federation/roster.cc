#include "federation/roster.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/strings.h"
#include "federation/identity.h"

namespace lapis::federation {
namespace {

using json = nlohmann::json;

bool IsHex(const std::string& s, size_t n) {
  if (s.size() != n) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

bool IsName(const std::string& s) {
  if (s.empty() || s.size() > 63) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}

std::string Str(const json& j, const char* k) {
  auto it = j.find(k);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream s;
  s << in.rdbuf();
  *out = s.str();
  return true;
}

Status WriteFileAtomic(const std::string& path, const std::string& bytes) {
  const std::string tmp = path + ".tmp" + std::to_string(getpid());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IoError("cannot write " + tmp + ": " + strerror(errno));
  bool ok = write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()) && fsync(fd) == 0;
  close(fd);
  if (!ok || rename(tmp.c_str(), path.c_str()) != 0) {
    unlink(tmp.c_str());
    return Status::IoError("cannot write " + path + ": " + strerror(errno));
  }
  return Status::Ok();
}

Status MakeDir(const std::string& dir) {
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return Status::IoError("cannot make " + dir + ": " + strerror(errno));
  return Status::Ok();
}

}  // namespace

const RosterNode* Roster::ByName(const std::string& name) const {
  for (const auto& n : nodes)
    if (n.name == name) return &n;
  return nullptr;
}
const RosterNode* Roster::BySignKey(const std::string& key) const {
  for (const auto& n : nodes)
    if (n.sign_key == key) return &n;
  return nullptr;
}
const RosterNode* Roster::ByTlsKey(const std::string& spki) const {
  for (const auto& n : nodes)
    if (n.tls_key == spki) return &n;
  return nullptr;
}
const RosterNode* Roster::HomeOf(const std::string& org) const {
  for (const auto& n : nodes)
    for (const auto& o : n.orgs)
      if (o == org) return &n;
  return nullptr;
}
const Revocation* Roster::RevocationOf(const std::string& name, const std::string& sign_key) const {
  for (const auto& r : revoked)
    if ((!name.empty() && r.name == name) || (!sign_key.empty() && r.sign_key == sign_key)) return &r;
  return nullptr;
}

const Revocation* Roster::RevocationOfTls(const std::string& spki) const {
  for (const auto& r : revoked)
    if (!spki.empty() && r.tls_key == spki) return &r;
  return nullptr;
}

std::string RosterJson(const Roster& r) {
  json nodes = json::array(), revoked = json::array();
  for (const auto& n : r.nodes)
    nodes.push_back({{"name", n.name}, {"endpoint", n.endpoint}, {"sign_key", n.sign_key},
                     {"tls_key", n.tls_key}, {"orgs", n.orgs}});
  for (const auto& v : r.revoked)
    revoked.push_back({{"name", v.name}, {"sign_key", v.sign_key}, {"tls_key", v.tls_key}, {"reason", v.reason}, {"at", v.at}});
  return json{{"format", "lapis-roster/1"}, {"network", r.network}, {"serial", r.serial},
              {"issued_at", r.issued_at}, {"nodes", nodes}, {"revoked", revoked}}
      .dump(2);
}

Result<Roster> ParseRoster(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return Fail(Status::InvalidArgument("the roster is not a JSON object"));
  if (Str(j, "format") != "lapis-roster/1") return Fail(Status::InvalidArgument("not a lapis-roster/1 document"));
  Roster r;
  r.network = Str(j, "network");
  if (!j.contains("serial") || !j["serial"].is_number_integer() || j["serial"].get<int64_t>() < 1)
    return Fail(Status::InvalidArgument("the roster has no serial (a positive integer)"));
  r.serial = j["serial"].get<int64_t>();
  if (j.contains("issued_at") && j["issued_at"].is_number_integer()) r.issued_at = j["issued_at"].get<int64_t>();
  std::set<std::string> names, keys, tls, orgs;
  if (j.contains("nodes") && !j["nodes"].is_array()) return Fail(Status::InvalidArgument("nodes is not a list"));
  for (const auto& n : j.value("nodes", json::array())) {
    if (!n.is_object()) return Fail(Status::InvalidArgument("a node is not an object"));
    RosterNode x;
    x.name = Str(n, "name");
    x.endpoint = Str(n, "endpoint");
    x.sign_key = Str(n, "sign_key");
    x.tls_key = Str(n, "tls_key");
    if (!IsName(x.name)) return Fail(Status::InvalidArgument("node name '" + x.name + "' is not [a-z0-9-]{1,63}"));
    if (x.endpoint.rfind("https://", 0) != 0)
      return Fail(Status::InvalidArgument("node " + x.name + ": the endpoint is not https://"));
    if (!IsHex(x.sign_key, 64)) return Fail(Status::InvalidArgument("node " + x.name + ": sign_key is not 64 hex digits"));
    if (!IsHex(x.tls_key, 64)) return Fail(Status::InvalidArgument("node " + x.name + ": tls_key is not 64 hex digits"));
    if (!names.insert(x.name).second) return Fail(Status::InvalidArgument("node " + x.name + " is named twice"));
    if (!keys.insert(x.sign_key).second || !tls.insert(x.tls_key).second)
      return Fail(Status::InvalidArgument("node " + x.name + " has another node's key"));
    if (n.contains("orgs") && n["orgs"].is_array())
      for (const auto& o : n["orgs"]) {
        if (!o.is_string() || o.get<std::string>().empty())
          return Fail(Status::InvalidArgument("node " + x.name + ": an organisation is not a name"));
        if (!orgs.insert(o.get<std::string>()).second)
          return Fail(Status::InvalidArgument("organisation " + o.get<std::string>() + " is hosted by two nodes"));
        x.orgs.push_back(o.get<std::string>());
      }
    r.nodes.push_back(std::move(x));
  }
  for (const auto& v : j.value("revoked", json::array())) {
    if (!v.is_object()) return Fail(Status::InvalidArgument("a revocation is not an object"));
    Revocation x;
    x.name = Str(v, "name");
    x.sign_key = Str(v, "sign_key");
    x.tls_key = Str(v, "tls_key");
    x.reason = Str(v, "reason");
    if (v.contains("at") && v["at"].is_number_integer()) x.at = v["at"].get<int64_t>();
    r.revoked.push_back(std::move(x));
  }
  return r;
}

std::string SignRoster(const Roster& r, const coop::NodeKey& secretariat) {
  return SignDocument(RosterJson(r), secretariat);
}

Result<Roster> VerifyRoster(const std::string& doc, const std::string& secretariat_key_hex) {
  auto text = OpenDocument(doc, secretariat_key_hex);
  if (!text) return Fail(Status::PermissionDenied("roster: " + text.error().message() +
                                                  " (not signed by the secretariat's key)"));
  return ParseRoster(*text);
}

Result<std::string> LoadSecretariatKey(const std::string& dir) {
  std::string s;
  if (!ReadFile(dir + "/secretariat.pub", &s))
    return Fail(Status::NotFound("no secretariat key in " + dir + " (lapis federation roster install)"));
  s = std::string(Trim(s));
  if (!IsHex(s, 64)) return Fail(Status::Corruption(dir + "/secretariat.pub is not 64 hex digits"));
  return s;
}

Status SaveSecretariatKey(const std::string& dir, const std::string& key_hex) {
  if (!IsHex(key_hex, 64)) return Status::InvalidArgument("the secretariat's key is not 64 lower-case hex digits");
  if (Status s = MakeDir(dir); !s.ok()) return s;
  return WriteFileAtomic(dir + "/secretariat.pub", key_hex + "\n");
}

Result<std::string> LoadRosterDocument(const std::string& dir) {
  std::string s;
  if (!ReadFile(dir + "/roster.json", &s)) return Fail(Status::NotFound("no roster in " + dir));
  return s;
}

Status SaveRosterDocument(const std::string& dir, const std::string& doc) {
  if (Status s = MakeDir(dir); !s.ok()) return s;
  return WriteFileAtomic(dir + "/roster.json", doc);
}

}  // namespace lapis::federation
