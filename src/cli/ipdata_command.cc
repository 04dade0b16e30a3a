#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "cli/commands.h"
#include "common/ip.h"
#include "enrich/ipdb.h"

#ifndef LAPIS_DEFAULT_DATA_DIR
#define LAPIS_DEFAULT_DATA_DIR ".data"
#endif

namespace lapis::cli {
namespace {

constexpr const char* kIpPackages[] = {"@ip-location-db/asn", "@ip-location-db/asn-country"};

int Build(const std::string& node_modules, const std::string& out) {
  auto t0 = std::chrono::steady_clock::now();
  auto db = enrich::IpDb::BuildFromCsv(enrich::SourcesUnder(node_modules));
  if (!db) {
    std::fprintf(stderr, "lapis: %s\n", db.error().ToString().c_str());
    return kExitPartial;
  }
  Status s = (*db)->Save(out);
  if (!s.ok()) {
    std::fprintf(stderr, "lapis: %s\n", s.ToString().c_str());
    return kExitPartial;
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr, "lapis: wrote %s: %zu AS ranges, %zu country ranges (%.1f s)\n", out.c_str(),
               (*db)->asn_ranges(), (*db)->country_ranges(), secs);
  return kExitOk;
}

}  // namespace

std::string DefaultDataDir() {
  const char* env = std::getenv("LAPIS_DATA_DIR");
  return env && *env ? env : LAPIS_DEFAULT_DATA_DIR;
}

std::string DefaultIpDbPath() { return DefaultDataDir() + "/ipdb.bin"; }

std::string DefaultWebDir() { return LAPIS_DEFAULT_WEB_DIR; }

int RunIpDataUpdate(const IpDataOptions& o) {
  std::string dir = o.dir.empty() ? DefaultDataDir() : o.dir;
  std::string npm_dir = dir + "/npm";
  std::error_code ec;
  std::filesystem::create_directories(npm_dir, ec);
  if (ec) {
    std::fprintf(stderr, "lapis: cannot create %s: %s\n", npm_dir.c_str(), ec.message().c_str());
    return kExitPartial;
  }
  if (!o.offline) {
    std::vector<std::string> args = {"npm", "install", "--no-audit", "--no-fund", "--prefix", npm_dir};
    for (const char* p : kIpPackages) args.push_back(std::string(p) + "@latest");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::fprintf(stderr, "lapis: fetching %s and %s with npm into %s\n", kIpPackages[0],
                 kIpPackages[1], npm_dir.c_str());
    pid_t pid = fork();
    if (pid == 0) {
      execvp("npm", argv.data());
      _exit(127);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      std::fprintf(stderr, "lapis: npm failed; IP data not updated\n");
      return kExitPartial;
    }
  }
  return Build(npm_dir + "/node_modules", o.out.empty() ? dir + "/ipdb.bin" : o.out);
}

int RunIpDataBuild(const IpDataOptions& o) {
  std::string dir = o.dir.empty() ? DefaultDataDir() : o.dir;
  std::string nm = o.node_modules.empty() ? dir + "/npm/node_modules" : o.node_modules;
  return Build(nm, o.out.empty() ? dir + "/ipdb.bin" : o.out);
}

int RunIpDataLookup(const IpDataOptions& o) {
  std::string path = o.out.empty() ? DefaultIpDbPath() : o.out;
  auto db = enrich::IpDb::Open(path);
  if (!db) {
    std::fprintf(stderr, "lapis: %s\n", db.error().ToString().c_str());
    return kExitPartial;
  }
  int rc = kExitOk;
  for (const auto& s : o.ips) {
    auto ip = IpAddress::Parse(s);
    if (!ip) {
      std::fprintf(stderr, "lapis: not an IP address: %s\n", s.c_str());
      rc = kExitPartial;
      continue;
    }
    auto info = (*db)->Lookup(*ip);
    std::printf("%s\tAS%u\t%s\t%s\t%s\n", ip->ToString().c_str(), info.asn,
                info.country.empty() ? "-" : info.country.c_str(),
                info.as_org.empty() ? "-" : info.as_org.c_str(),
                std::string(SpecialRange(*ip)).c_str());
  }
  return rc;
}

}  // namespace lapis::cli
