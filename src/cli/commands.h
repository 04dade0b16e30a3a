// The verbs of the `lapis` program. Each takes parsed options and returns the process exit status:
// 0 success, 1 some inputs could not be read or analysed (each reported on stderr), 2 usage.
#pragma once

#include <memory>
#include <functional>
#include <string>
#include <vector>

#include "store/store.h"

namespace lapis::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitPartial = 1;
inline constexpr int kExitUsage = 2;

struct AnalyzeOptions {
  std::vector<std::string> paths;
  int jobs = 1;
  bool summary = false;
  bool summary_json = false;
  bool sms = false;
  bool pretty = false;
  bool unwrap = true;
  size_t top = 10;
  size_t max_message_size = 32 * 1024 * 1024;
  std::vector<std::string> trusted_networks;
  std::vector<std::string> trusted_hosts;
  bool infer_trust = true;
  std::string region;
  std::string ip_db;  // compiled IP database; "" = default location
  bool enrich = true;
};

int RunAnalyze(const AnalyzeOptions& o);

struct IpDataOptions {
  std::string dir;         // data directory holding npm/ and ipdb.bin
  std::string node_modules;  // build: where the CSV packages are
  std::string out;
  std::vector<std::string> ips;
  bool offline = false;    // update: do not run npm, rebuild from what is there
};

struct IngestOptions {
  std::vector<std::string> paths;
  std::string data_dir;
  std::string database;  // "" = SQLite in data_dir
  std::string org = "default";
  int jobs = 2;
  bool sms = false;
  bool analyze = true;
  bool progress = true;
  size_t max_message_size = 32 * 1024 * 1024;
  std::string ip_db;
};

int RunIngest(const IngestOptions& o, const store::StoreOpener& open_store);

struct VerifyOptions {
  std::string data_dir;
  std::string database;
};

int RunVerify(const VerifyOptions& o, const store::StoreOpener& open_store);

struct CampaignOptions {
  std::string data_dir;
  std::string database;
  std::string org = "default";
  size_t top = 20;
  size_t members = 5;
  bool json = false;
};

int RunCampaigns(const CampaignOptions& o, const store::StoreOpener& open_store);
int RunRecluster(const CampaignOptions& o, const store::StoreOpener& open_store);

struct ReportShowOptions {
  std::string data_dir;
  std::string database;
  std::string org = "default";
  std::string id;  // SHA-256 of the report's bytes
  bool personal = false;
};

// Prints one stored report as JSON: its record, its analysis and, if asked, its personal data.
int RunReportShow(const ReportShowOptions& o, const store::StoreOpener& open_store);

struct ServeOptions {
  std::string data_dir;
  std::string database;
  std::string listen = "127.0.0.1:8080";
  int jobs = 1;
  size_t max_message_size = 32 * 1024 * 1024;
  std::string ip_db;
  std::string log_format = "logfmt";
  int http_threads = 64;
  int max_inflight = 256;
  int64_t max_pending = 500000;
  int session_hours = 12;
  // The mail listener (src/smtp): HOST:PORT of SMTP and LMTP ("" = off) and its routes.
  std::string smtp, lmtp;
  std::vector<std::string> smtp_routes;  // ADDRESS=ORG or *@DOMAIN=ORG
  size_t smtp_max_connections = 32;
  int smtp_timeout = 300;  // seconds a client may stay silent
  size_t smtp_max_message_size = 32 * 1024 * 1024;
  std::string smtp_hostname;  // in the greeting; "" = this host's name
  // The built web application; "" = DefaultWebDir(), missing there = the API only.
  std::string web_dir;
  bool no_web = false;
  int64_t objection_seconds = 14 * 86400;  // LAP D: how long member agencies may object to an applicant
  // The federation listener (HTTPS with mutual TLS) for other nodes: HOST:PORT, "" = not listening.
  std::string federation_listen;
};

int RunServe(const ServeOptions& o, const store::StoreOpener& open_store);

struct TokenOptions {
  std::string data_dir;
  std::string database;
  std::string org;
  std::string role;
  std::string label;
};

int RunTokenCreate(const TokenOptions& o, const store::StoreOpener& open_store);

struct UserOptions {
  std::string data_dir;
  std::string database;
  std::string org;
  std::string name;
  std::string role;
  std::string password_file;  // "" = generate and print; "-" = read a line from stdin
};

int RunUserCreate(const UserOptions& o, const store::StoreOpener& open_store);
int RunUserList(const UserOptions& o, const store::StoreOpener& open_store);

struct AuditOptions {
  std::string data_dir;
  std::string database;
  std::string org;
  size_t limit = 50;
};

int RunAuditVerify(const AuditOptions& o, const store::StoreOpener& open_store);
int RunAuditList(const AuditOptions& o, const store::StoreOpener& open_store);

struct EvidenceVerifyOptions {
  std::vector<std::string> packages;
  std::string key;  // the node key the packages must be signed with (hex); "" = any
};

int RunEvidenceVerify(const EvidenceVerifyOptions& o);

// The node operator's settings of an organisation's directory entry.
struct DirectoryOptions {
  std::string data_dir;
  std::string database;
  std::string org;
  std::string kind, country, membership, display_name, sector;
  std::vector<std::string> competences;
};

int RunDirectorySet(const DirectoryOptions& o, const store::StoreOpener& open_store);
// Prints the node's public signing key (made if there is none yet).
int RunNodeKey(const DirectoryOptions& o);

int RunIpDataUpdate(const IpDataOptions& o);
int RunIpDataBuild(const IpDataOptions& o);
int RunIpDataLookup(const IpDataOptions& o);

// Adds `lapis federation ...` to `app`; the returned function runs the one parsed (-1: none).
}  // namespace lapis::cli
namespace CLI {
class App;
}
namespace lapis::cli {
std::function<int(const store::StoreOpener&)> AddFederationCommands(CLI::App& app, const std::string& database_help);

// Opens the node's store, or says why not on stderr and returns null.
std::unique_ptr<store::Store> OpenStoreOrReport(const std::string& database, const std::string& data_dir,
                                                const store::StoreOpener& open_store);

// Default data directory: $LAPIS_DATA_DIR, else the one configured at build time.
std::string DefaultDataDir();
std::string DefaultIpDbPath();
// web/dist of the source tree the program was built from (scripts/setup.sh builds it there).
std::string DefaultWebDir();

}  // namespace lapis::cli
