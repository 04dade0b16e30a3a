// What each role may do (docs/api.md, "Roles"). Every route checks one permission; every query is
// also scoped to the caller's organisation.
#pragma once

#include <string>

namespace lapis::api {

enum class Permission {
  kSubmit,             // send reports
  kLookup,             // indicator lookups and dashboard aggregates
  kReadReports,        // list, search and read reports and campaigns
  kReadEvidence,       // download raw evidence
  kReadPersonalData,   // see who complained and the recipients of the spam
  kReadAudit,          // the organisation's audit log
  kManageUsers,        // users and API tokens of the organisation
  kCooperate,          // read the directory and the cooperation objects shared with the organisation
  kManageCases,        // make and change cases, agreements, groups; share them
  kManageDirectory,    // the organisation's own profile, contacts and resource lists
  kOperateNode,        // the node's federation status: peers, queues, refused messages
};

// Every permission, in the order above (for listing what a role may do).
inline constexpr Permission kAllPermissions[] = {
    Permission::kSubmit,       Permission::kLookup,       Permission::kReadReports,     Permission::kReadEvidence,
    Permission::kReadPersonalData, Permission::kReadAudit, Permission::kManageUsers,    Permission::kCooperate,
    Permission::kManageCases,  Permission::kManageDirectory, Permission::kOperateNode};

bool Allowed(const std::string& role, Permission p);
const char* PermissionName(Permission p);

}  // namespace lapis::api
