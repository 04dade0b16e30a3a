// Administration verbs: API tokens, users and the audit log.
#include <cstdio>
#include <fstream>
#include <iostream>

#include "api/server.h"
#include "cli/commands.h"
#include "common/sha256.h"
#include "common/strings.h"
#include "service/accounts.h"
#include "store/audit.h"

namespace lapis::cli {
namespace {

void AuditCli(store::Store& st, const std::string& org, const std::string& action, const std::string& target,
              const std::string& detail) {
  store::AuditEvent e;
  e.org = org;
  e.actor = "cli";
  e.action = action;
  e.target = target;
  e.detail = detail;
  if (auto r = st.AppendAudit(e); !r)
    std::fprintf(stderr, "lapis: warning: audit log not written: %s\n", r.error().ToString().c_str());
}

}  // namespace

int RunTokenCreate(const TokenOptions& o, const store::StoreOpener& open_store) {
  auto st = OpenStoreOrReport(o.database, o.data_dir, open_store);
  if (!st) return kExitPartial;
  std::string token = api::NewToken();
  if (token.empty()) {
    std::fprintf(stderr, "lapis: no random bytes available\n");
    return kExitPartial;
  }
  auto id = st->AddToken(o.org, o.role, Sha256Hex(token), o.label);
  if (!id) {
    std::fprintf(stderr, "lapis: %s\n", id.error().ToString().c_str());
    return kExitPartial;
  }
  AuditCli(*st, o.org, "token.create", std::to_string(*id), "role " + o.role);
  std::printf("%s\n", token.c_str());
  return kExitOk;
}

int RunUserCreate(const UserOptions& o, const store::StoreOpener& open_store) {
  std::string password;
  bool generated = o.password_file.empty();
  if (generated) {
    password = service::NewPassword();
  } else if (o.password_file == "-") {
    std::getline(std::cin, password);
  } else {
    std::ifstream in(o.password_file);
    if (!in || !std::getline(in, password)) {
      std::fprintf(stderr, "lapis: cannot read a password from %s\n", o.password_file.c_str());
      return kExitPartial;
    }
  }
  while (!password.empty() && (password.back() == '\r' || password.back() == '\n')) password.pop_back();
  if (Status s = service::CheckNewPassword(password); !s.ok()) {
    std::fprintf(stderr, "lapis: %s\n", s.message().c_str());
    return kExitUsage;
  }
  auto hash = service::HashPassword(password);
  if (!hash) {
    std::fprintf(stderr, "lapis: %s\n", hash.error().ToString().c_str());
    return kExitPartial;
  }
  auto st = OpenStoreOrReport(o.database, o.data_dir, open_store);
  if (!st) return kExitPartial;
  auto id = st->CreateUser(o.org, o.name, o.role, *hash);
  if (!id) {
    std::fprintf(stderr, "lapis: %s\n", id.error().ToString().c_str());
    return id.error().code() == Status::Code::kAlreadyExists ? kExitUsage : kExitPartial;
  }
  AuditCli(*st, o.org, "user.create", o.name, "role " + o.role);
  std::printf("organisation %s\nuser %s\nrole %s\n", o.org.c_str(), o.name.c_str(), o.role.c_str());
  if (generated) std::printf("password %s\n", password.c_str());
  return kExitOk;
}

int RunUserList(const UserOptions& o, const store::StoreOpener& open_store) {
  auto st = OpenStoreOrReport(o.database, o.data_dir, open_store);
  if (!st) return kExitPartial;
  auto users = st->ListUsers(o.org);
  if (!users) {
    std::fprintf(stderr, "lapis: %s\n", users.error().ToString().c_str());
    return kExitPartial;
  }
  for (const auto& u : *users)
    std::printf("%s\t%s\t%s\n", u.name.c_str(), u.role.c_str(), u.disabled ? "disabled" : "active");
  return kExitOk;
}

int RunAuditVerify(const AuditOptions& o, const store::StoreOpener& open_store) {
  auto st = OpenStoreOrReport(o.database, o.data_dir, open_store);
  if (!st) return kExitPartial;
  auto v = store::VerifyAudit(*st);
  if (!v) {
    std::fprintf(stderr, "lapis: %s\n", v.error().ToString().c_str());
    return kExitPartial;
  }
  if (v->first_bad_seq) {
    std::printf("audit log BROKEN at entry %lld: %s\n", static_cast<long long>(v->first_bad_seq), v->problem.c_str());
    return kExitPartial;
  }
  std::printf("audit log intact: %lld entries; head %s\n", static_cast<long long>(v->entries), v->head.c_str());
  return kExitOk;
}

int RunAuditList(const AuditOptions& o, const store::StoreOpener& open_store) {
  auto st = OpenStoreOrReport(o.database, o.data_dir, open_store);
  if (!st) return kExitPartial;
  auto events = st->ListAudit(o.org, 0, o.limit);
  if (!events) {
    std::fprintf(stderr, "lapis: %s\n", events.error().ToString().c_str());
    return kExitPartial;
  }
  for (const auto& e : *events)
    std::printf("%lld\t%s\t%s\t%s\t%s\t%s\n", static_cast<long long>(e.seq), FormatRfc3339(e.at).c_str(),
                e.actor.c_str(), e.action.c_str(), e.target.c_str(), e.detail.c_str());
  return kExitOk;
}

}  // namespace lapis::cli
