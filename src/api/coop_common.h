// What the cooperation routes share (api/coop_routes.cc, api/workflow_routes.cc): the JSON form
// of objects, markings from request bodies, and the caller as a viewer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "api/coop_routes.h"

namespace lapis::api::coopapi {

using nlohmann::json;

int64_t Now();
std::string Dump(const json& j);
// RFC 3339, or null for 0.
json Time(int64_t t);
json AudienceOut(const coop::Audience& a);
// An object as the API shows it: the common members, then its data's members.
json ObjectOut(const coop::Object& o);
// The words an object is found by: every string (and list of strings) of its data.
std::string SearchText(const json& data);
// The "tlp" and "audience" members of a body, over the defaults in `tlp` and `a`.
Status ReadMarking(const json& body, coop::Tlp* tlp, coop::Audience* a);
// A JSON object parsed from `text`, or an empty object.
json ParseObject(const std::string& text);
// A CSV field (RFC 4180 quoting); a cell a spreadsheet would run as a formula (= + - @) gets a
// leading '.
std::string CsvField(const std::string& v);
// The numeric path parameter `i` (0 when it is not a number).
int64_t PathId(const httplib::Request& req, size_t i = 1);

class CoopBase {
 public:
  explicit CoopBase(CoopEnv env) : env_(std::move(env)) {}

  // The caller and their viewer, when allowed `p` (nullopt with the response written).
  std::optional<std::pair<Principal, coop::Viewer>> Caller(const httplib::Request& req,
                                                           httplib::Response& res, Permission p);
  // Records the read of an object another organisation shared; false with 503 written if the log
  // cannot be written.
  bool AuditRead(httplib::Response& res, const Principal& who, const coop::Object& o,
                 const std::string& what);
  // Records that an object was shared beyond its organisation.
  bool AuditShare(httplib::Response& res, const Principal& who, const coop::Object& o);
  // Answers with the evidence package of `o` (a case or a referral): the analyses of its reports,
  // their raw messages when `raw_messages`, the complainants' personal data when `personal`
  // (the caller has checked the entitlement), the object, the chain of custody, a signed manifest.
  void SendPackage(httplib::Response& res, const Principal& who, const coop::Viewer& v,
                   const coop::Object& o, bool raw_messages, bool personal);
  // A page of the reports object `o` holds, after the report link `after`: each with when and by
  // whom it was added, its summary, its analysis when `analysis`, the complainants' personal data
  // when `personal` (the caller has checked the entitlement). {"items": [...], "next_cursor"?}.
  Result<json> ReportsPage(const coop::Viewer& v, const coop::Object& o, const std::string& after,
                           size_t limit, bool analysis, bool personal);
  // Every group named in the audience exists and the viewer may see it.
  Status CheckGroups(const coop::Viewer& v, const coop::Audience& a);

 protected:
  CoopEnv env_;
};

}  // namespace lapis::api::coopapi
