// `lapis evidence verify`, `lapis directory set|show`, `lapis node key`.
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "coop/coop.h"
#include "coop/package.h"

namespace lapis::cli {

int RunEvidenceVerify(const EvidenceVerifyOptions& o) {
  int status = kExitOk;
  for (const auto& path : o.packages) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "lapis: cannot read %s\n", path.c_str());
      status = kExitPartial;
      continue;
    }
    std::ostringstream buf;
    buf << in.rdbuf();
    auto c = coop::VerifyPackage(buf.str(), o.key);
    if (c.ok) {
      std::printf("%s: intact: %lld files as the manifest lists them, signed by node key %s\n",
                  path.c_str(), static_cast<long long>(c.files), c.node_key.c_str());
    } else {
      std::printf("%s: NOT intact:\n", path.c_str());
      for (const auto& p : c.problems) std::printf("  %s\n", p.c_str());
      status = kExitPartial;
    }
  }
  return status;
}

int RunDirectorySet(const DirectoryOptions& o, const store::StoreOpener& open_store) {
  auto st = OpenStoreOrReport(o.database, o.data_dir, open_store);
  if (!st) return kExitPartial;
  if (auto id = st->EnsureOrganisation(o.org); !id) {
    std::fprintf(stderr, "lapis: %s\n", id.error().ToString().c_str());
    return kExitPartial;
  }
  coop::Coop coop(*st);
  auto p = coop.GetProfile(o.org);
  if (!p) {
    std::fprintf(stderr, "lapis: %s\n", p.error().ToString().c_str());
    return kExitPartial;
  }
  if (!o.kind.empty()) p->kind = o.kind;
  if (!o.country.empty()) p->country = o.country;
  if (!o.membership.empty()) p->membership = o.membership;
  auto data = nlohmann::json::parse(p->data_json, nullptr, false);
  if (!data.is_object()) data = nlohmann::json::object();
  if (!o.display_name.empty()) data["display_name"] = o.display_name;
  if (!o.competences.empty()) data["competences"] = o.competences;
  if (!o.sector.empty()) data["sector"] = o.sector;
  p->data_json = data.dump();
  if (Status s = coop.PutProfile(*p, "cli"); !s.ok()) {
    std::fprintf(stderr, "lapis: %s\n", s.ToString().c_str());
    return s.code() == Status::Code::kInvalidArgument ? kExitUsage : kExitPartial;
  }
  store::AuditEvent e;
  e.org = o.org;
  e.actor = "cli";
  e.action = "directory.set";
  e.target = o.org;
  e.detail = p->kind + " " + p->country + " " + p->membership;
  if (auto a = st->AppendAudit(e); !a) {
    std::fprintf(stderr, "lapis: %s\n", a.error().ToString().c_str());
    return kExitPartial;
  }
  std::printf("%s\t%s\t%s\t%s\t%s\n", p->org.c_str(), p->kind.c_str(), p->country.c_str(),
              p->membership.c_str(), p->data_json.c_str());
  return kExitOk;
}

int RunNodeKey(const DirectoryOptions& o) {
  auto k = coop::LoadOrCreateNodeKey(o.data_dir);
  if (!k) {
    std::fprintf(stderr, "lapis: %s\n", k.error().ToString().c_str());
    return kExitPartial;
  }
  std::printf("%s\n", k->PublicHex().c_str());
  return kExitOk;
}

}  // namespace lapis::cli
