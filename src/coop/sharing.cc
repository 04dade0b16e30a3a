#include "coop/sharing.h"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace lapis::coop {

namespace {
constexpr const char* kTlpNames[] = {"CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"};
}

std::optional<Tlp> ParseTlp(std::string_view name) {
  // TLP 2.0 writes markings as TLP:RED; both forms are accepted.
  if (name.substr(0, 4) == "TLP:") name.remove_prefix(4);
  for (size_t i = 0; i < std::size(kTlpNames); ++i)
    if (name == kTlpNames[i]) return static_cast<Tlp>(i);
  return std::nullopt;
}

const char* TlpName(Tlp t) { return kTlpNames[static_cast<size_t>(t)]; }

Status CheckMarking(Tlp t, const Audience& a) {
  bool known = false;
  for (const char* k : kAudienceKinds) known |= a.kind == k;
  if (!known) return Status::InvalidArgument("unknown audience \"" + a.kind + "\"");
  if (a.kind == "organisations" && a.orgs.empty())
    return Status::InvalidArgument("an audience of named organisations names at least one");
  if (a.kind == "groups" && a.groups.empty())
    return Status::InvalidArgument("an audience of groups names at least one group");
  if (a.kind == "organisation" && (!a.orgs.empty() || !a.groups.empty()))
    return Status::InvalidArgument(
        "the audience \"organisation\" names no one else; use \"organisations\"");
  if ((a.kind == "agencies" || a.kind == "network") && !a.groups.empty())
    return Status::InvalidArgument("groups go with the audience \"groups\"");
  for (const auto& o : a.orgs)
    if (o.empty()) return Status::InvalidArgument("an empty organisation name in the audience");
  if ((t == Tlp::kRed || t == Tlp::kAmberStrict) && a.kind != "organisation" &&
      a.kind != "organisations")
    return Status::InvalidArgument(
        std::string("TLP:") + TlpName(t) +
        " goes to named organisations only (audience \"organisations\")");
  if (t == Tlp::kAmber && (a.kind == "agencies" || a.kind == "network"))
    return Status::InvalidArgument(
        "TLP:AMBER goes to named organisations or groups, not to the whole network");
  return Status::Ok();
}

std::vector<std::string> AccessPrincipals(const std::string& owner, const Audience& a) {
  std::vector<std::string> p{"owner:" + owner};
  for (const auto& o : a.orgs) p.push_back("org:" + o);
  for (int64_t g : a.groups) p.push_back("group:" + std::to_string(g));
  if (a.kind == "agencies") p.push_back("agencies");
  if (a.kind == "network") p.push_back("network");
  for (const auto& o : a.exclude)
    if (o != owner) p.push_back("!org:" + o);
  std::sort(p.begin(), p.end());
  p.erase(std::unique(p.begin(), p.end()), p.end());
  return p;
}

std::vector<std::string> ViewerPrincipals(const Viewer& v) {
  std::vector<std::string> p{"owner:" + v.org};
  if (!v.member) return p;
  p.push_back("org:" + v.org);
  for (int64_t g : v.groups) p.push_back("group:" + std::to_string(g));
  p.push_back("network");
  if (v.agency) p.push_back("agencies");
  return p;
}

std::string AudienceJson(const Audience& a) {
  nlohmann::json j;
  j["kind"] = a.kind;
  j["organisations"] = a.orgs;
  j["groups"] = a.groups;
  j["exclude"] = a.exclude;
  return j.dump();
}

Result<Audience> ParseAudienceJson(std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return Fail(Status::InvalidArgument("audience: not a JSON object"));
  Audience a;
  try {
    if (j.contains("kind")) a.kind = j.at("kind").get<std::string>();
    if (j.contains("organisations")) a.orgs = j.at("organisations").get<std::vector<std::string>>();
    if (j.contains("groups")) a.groups = j.at("groups").get<std::vector<int64_t>>();
    if (j.contains("exclude")) a.exclude = j.at("exclude").get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception&) {
    return Fail(
        Status::InvalidArgument("audience: expected {\"kind\": string, \"organisations\": "
                                "[string], \"groups\": [integer], \"exclude\": [string]}"));
  }
  return a;
}

}  // namespace lapis::coop
