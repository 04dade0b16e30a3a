#include "api/access.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace lapis::api {
namespace {

TEST(Access, AdminMayDoEverything) {
  for (auto p : {Permission::kSubmit, Permission::kLookup, Permission::kReadReports, Permission::kReadEvidence,
                 Permission::kReadPersonalData, Permission::kReadAudit, Permission::kManageUsers,
                 Permission::kCooperate, Permission::kManageCases, Permission::kManageDirectory,
                 Permission::kOperateNode})
    EXPECT_TRUE(Allowed("admin", p)) << PermissionName(p);
}

TEST(Access, OnlyAdminsSeeTheNodesFederationStatus) {
  for (const char* r : {"coordinator", "analyst", "partner", "reporter"})
    EXPECT_FALSE(Allowed(r, Permission::kOperateNode)) << r;
}

TEST(Access, CoordinatorReadsTheAuditLogButDoesNotManageUsers) {
  EXPECT_TRUE(Allowed("coordinator", Permission::kReadAudit));
  EXPECT_FALSE(Allowed("coordinator", Permission::kManageUsers));
}

TEST(Access, AnalystReadsReportsAndEvidenceButNotTheAuditLog) {
  EXPECT_TRUE(Allowed("analyst", Permission::kReadReports));
  EXPECT_TRUE(Allowed("analyst", Permission::kReadEvidence));
  EXPECT_FALSE(Allowed("analyst", Permission::kReadAudit));
  EXPECT_FALSE(Allowed("analyst", Permission::kManageUsers));
}

TEST(Access, PartnerSubmitsAndLooksUpButReadsNoReports) {
  EXPECT_TRUE(Allowed("partner", Permission::kSubmit));
  EXPECT_TRUE(Allowed("partner", Permission::kLookup));
  EXPECT_FALSE(Allowed("partner", Permission::kReadReports));
  EXPECT_FALSE(Allowed("partner", Permission::kReadPersonalData));
}

TEST(Access, ReporterOnlySubmits) {
  EXPECT_TRUE(Allowed("reporter", Permission::kSubmit));
  EXPECT_FALSE(Allowed("reporter", Permission::kLookup));
  EXPECT_FALSE(Allowed("reporter", Permission::kReadReports));
}

TEST(Access, CooperationIsForAnalystsUpAndPartnersOnlyRead) {
  EXPECT_TRUE(Allowed("analyst", Permission::kManageCases));
  EXPECT_FALSE(Allowed("analyst", Permission::kManageDirectory));
  EXPECT_TRUE(Allowed("coordinator", Permission::kManageDirectory));
  EXPECT_TRUE(Allowed("partner", Permission::kCooperate));
  EXPECT_FALSE(Allowed("partner", Permission::kManageCases));
  EXPECT_FALSE(Allowed("reporter", Permission::kCooperate));
}

TEST(Access, EveryPermissionIsListedOnceWithAName) {
  std::set<std::string> names;
  for (auto p : kAllPermissions) EXPECT_TRUE(names.insert(PermissionName(p)).second) << PermissionName(p);
  EXPECT_EQ(names.size(), static_cast<size_t>(Permission::kOperateNode) + 1);
}

TEST(Access, UnknownRoleMayDoNothing) {
  EXPECT_FALSE(Allowed("root", Permission::kSubmit));
  EXPECT_FALSE(Allowed("", Permission::kSubmit));
}

}  // namespace
}  // namespace lapis::api
