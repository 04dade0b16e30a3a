#include "smtp/router.h"

#include "common/strings.h"

namespace lapis::smtp {
namespace {

Status Add(std::unordered_map<std::string, std::string>* m, std::string key, const std::string& org,
           const std::string& rule) {
  auto [it, inserted] = m->emplace(std::move(key), org);
  if (!inserted && it->second != org)
    return Status::InvalidArgument("route " + rule + ": the address is already routed to " +
                                   it->second);
  return Status::Ok();
}

}  // namespace

Result<Router> Router::Parse(const std::vector<std::string>& rules) {
  Router r;
  for (const auto& rule : rules) {
    size_t eq = rule.rfind('=');
    if (eq == std::string::npos)
      return Fail(Status::InvalidArgument("route " + rule + ": expected ADDRESS=ORG"));
    std::string address = ToLower(Trim(std::string_view(rule).substr(0, eq)));
    std::string org(Trim(std::string_view(rule).substr(eq + 1)));
    size_t at = address.rfind('@');
    if (org.empty()) return Fail(Status::InvalidArgument("route " + rule + ": no organisation"));
    if (at == std::string::npos || at == 0 || at + 1 == address.size() ||
        address.find_first_of(" \t<>") != std::string::npos)
      return Fail(Status::InvalidArgument("route " + rule + ": expected user@domain or *@domain"));
    Status s = address.compare(0, at, "*") == 0
                   ? Add(&r.domains_, address.substr(at + 1), org, rule)
                   : Add(&r.exact_, address, org, rule);
    if (!s.ok()) return Fail(s);
  }
  return r;
}

std::optional<std::string> Router::Find(std::string_view address) const {
  std::string a = ToLower(address);
  if (auto it = exact_.find(a); it != exact_.end()) return it->second;
  size_t at = a.rfind('@');
  if (at == std::string::npos) return std::nullopt;
  if (auto it = domains_.find(a.substr(at + 1)); it != domains_.end()) return it->second;
  return std::nullopt;
}

}  // namespace lapis::smtp
