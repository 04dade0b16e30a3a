// Sharing under control: every cooperation object carries a TLP 2.0 marking and an audience, and
// is visible only to the organisations its audience names (docs/cooperation.md, "Sharing").
//
// Visibility is decided in the database: an object has access rows ("principals") and a viewer
// holds principals; the viewer sees the object when they share one and no exclusion names the
// viewer. Principals:
//   owner:ORG    the originating organisation (always)
//   org:ORG      an organisation named in the audience
//   group:ID     every member of a group
//   agencies     every member agency of the network
//   network      every member of the network, agencies and partners
//   !org:ORG     an organisation left out (LAP B.3), whatever else names it
// Only members of the network hold anything beyond owner:ORG, so a withdrawn member keeps its own
// objects and loses everything shared with it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace lapis::coop {

enum class Tlp { kClear, kGreen, kAmber, kAmberStrict, kRed };

std::optional<Tlp> ParseTlp(
    std::string_view name);  // "CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"
const char* TlpName(Tlp t);

struct Audience {
  // "organisation": the originating organisation only; "organisations": those named in `orgs`;
  // "groups": the members of `groups` (and any organisation named in `orgs`); "agencies": every
  // member agency; "network": every member, agencies and partners.
  std::string kind = "organisation";
  std::vector<std::string> orgs;
  std::vector<int64_t> groups;
  std::vector<std::string> exclude;  // left out whatever else names them
};

inline constexpr const char* kAudienceKinds[] = {"organisation", "organisations", "groups",
                                                 "agencies", "network"};

// Whether `a` may carry marking `t`: RED and AMBER+STRICT go to named organisations only (TLP 2.0:
// individual recipients; the recipient organisation only), AMBER to named organisations or
// groups; GREEN and CLEAR to any audience. Also checks that the audience is well formed.
Status CheckMarking(Tlp t, const Audience& a);

// The access rows of an object of `owner` shared with `a`.
std::vector<std::string> AccessPrincipals(const std::string& owner, const Audience& a);

// What a viewer holds.
struct Viewer {
  std::string org;
  std::string role;
  std::string actor;    // "user:NAME", "token:ID", "cli"
  bool member = false;  // of the network (admitted and not withdrawn)
  bool agency = false;
  std::vector<int64_t> groups;  // groups the organisation belongs to
};

std::vector<std::string> ViewerPrincipals(const Viewer& v);

// JSON form: {"kind": ..., "organisations": [...], "groups": [...], "exclude": [...]}.
std::string AudienceJson(const Audience& a);
Result<Audience> ParseAudienceJson(std::string_view json);

}  // namespace lapis::coop
