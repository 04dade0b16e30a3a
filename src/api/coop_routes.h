// The cooperation routes of the API (docs/api.md, "Cooperation"): the directory, contacts,
// resource lists, groups, agreements and cases. Registered by the server.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "api/access.h"
#include "api/http_util.h"
#include "coop/coop.h"
#include "coop/package.h"
#include "store/sql.h"
#include "store/evidence.h"

namespace lapis::federation {
class Federation;
}

namespace lapis::api {

struct CoopEnv {
  coop::Coop* coop = nullptr;
  const store::EvidenceStore* evidence = nullptr;
  const coop::NodeKey* node_key = nullptr;  // signs evidence packages; null: packages are refused
  int64_t objection_seconds = 14 * 86400;   // how long member agencies may object to an application
  // The caller when allowed `p` (nullopt with the response written).
  std::function<std::optional<Principal>(const httplib::Request&, httplib::Response&, Permission)>
      authenticate;
  // Appends to the audit log; false (with 503 written) when it cannot.
  std::function<bool(httplib::Response*, const std::string& org, const std::string& actor,
                     const std::string& action, const std::string& target,
                     const std::string& detail)>
      audit;
};

void RegisterCoopRoutes(httplib::Server& http, const CoopEnv& env);
// Organisations' messages to each other across the network and the node's federation status
// (docs/federation.md); `fed` null: they answer 503.
void RegisterFederationRoutes(httplib::Server& http, const CoopEnv& env, federation::Federation* fed,
                              store::SqlDb* db);
// Referrals, requests, membership applications, notifications (api/workflow_routes.cc).
void RegisterWorkflowRoutes(httplib::Server& http, const CoopEnv& env);
// Shares of reports, campaigns and indicators (api/share_routes.cc).
void RegisterShareRoutes(httplib::Server& http, const CoopEnv& env);

}  // namespace lapis::api
