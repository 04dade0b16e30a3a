#include "api/access.h"

namespace lapis::api {

bool Allowed(const std::string& role, Permission p) {
  if (role == "admin") return true;
  if (role == "coordinator") return p != Permission::kManageUsers && p != Permission::kOperateNode;
  if (role == "analyst")
    return p == Permission::kSubmit || p == Permission::kLookup || p == Permission::kReadReports ||
           p == Permission::kReadEvidence || p == Permission::kReadPersonalData || p == Permission::kCooperate ||
           p == Permission::kManageCases;
  // Private-sector partners send reports and check indicators; they do not read the agency's
  // reports, but see what is shared with them.
  if (role == "partner") return p == Permission::kSubmit || p == Permission::kLookup || p == Permission::kCooperate;
  if (role == "reporter") return p == Permission::kSubmit;
  return false;
}

const char* PermissionName(Permission p) {
  switch (p) {
    case Permission::kSubmit: return "submit reports";
    case Permission::kLookup: return "look up indicators and aggregates";
    case Permission::kReadReports: return "read reports";
    case Permission::kReadEvidence: return "download evidence";
    case Permission::kReadPersonalData: return "read personal data";
    case Permission::kReadAudit: return "read the audit log";
    case Permission::kManageUsers: return "manage users and tokens";
    case Permission::kCooperate: return "read the directory and shared cooperation objects";
    case Permission::kManageCases: return "make and change cases, agreements and groups";
    case Permission::kManageDirectory: return "change the organisation's directory entry";
    case Permission::kOperateNode: return "see the node's federation status";
  }
  return "";
}

}  // namespace lapis::api
