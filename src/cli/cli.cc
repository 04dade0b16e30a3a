#include "cli/cli.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "cli/commands.h"

namespace lapis::cli {
namespace {

constexpr const char* kVersion = "0.1.0";
constexpr const char* kDatabaseHelp =
    "Database: sqlite:PATH, or PostgreSQL as postgresql://USER:PASSWORD@HOST:PORT/DB or host=... key=value "
    "(default: SQLite in the data directory)";

std::string DefaultConfigPath() {
  if (const char* c = std::getenv("LAPIS_CONFIG"); c && *c) return c;
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x) return std::string(x) + "/lapis/lapis.toml";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.config/lapis/lapis.toml";
  return "";
}

}  // namespace

std::unique_ptr<store::Store> OpenStoreOrReport(const std::string& database, const std::string& data_dir,
                                                const store::StoreOpener& open_store) {
  auto st = open_store(database, data_dir);
  if (!st) {
    std::fprintf(stderr, "lapis: %s\n", st.error().ToString().c_str());
    return nullptr;
  }
  return std::move(*st);
}

int Main(int argc, char** argv, const store::StoreOpener& open_store) {
  CLI::App app{"Lapis: analysis and cooperation platform for international spam enforcement."};
  app.name("lapis");
  app.set_version_flag("--version", kVersion);
  app.require_subcommand(1);
  app.fallthrough();
  std::string config = DefaultConfigPath();
  app.set_config("--config", config,
                 "TOML config file; keys are option names, in a section named after the verb ([analyze], [ingest], [serve], ...) "
                 "(default: $LAPIS_CONFIG, else ~/.config/lapis/lapis.toml)");
  app.footer("Exit status: 0 success, 1 some inputs could not be read (each reported on stderr), "
             "2 usage error.\nRun `lapis VERB --help` for the options of a verb; docs/cli.md has "
             "the config file format.");

  AnalyzeOptions ao;
  auto* analyze = app.add_subcommand(
      "analyze", "Analyse spam complaints: .eml files, directories (recursive), mbox files, "
                 "Maildir folders or - for stdin. Prints one JSON object per message (docs/analysis.md).");
  analyze->add_option("paths", ao.paths, "Inputs to analyse")->required()->type_name("PATH...");
  analyze->add_option("-j,--jobs", ao.jobs, "Worker threads")->capture_default_str()->check(CLI::Range(1, 256));
  analyze->add_flag("--summary", ao.summary, "Print aggregates instead of one object per message");
  analyze->add_flag("--summary-json", ao.summary_json, "With --summary: print the aggregates as JSON");
  analyze->add_option("--top", ao.top, "Rows per table in the summary")->capture_default_str();
  analyze->add_flag("--sms", ao.sms,
                    "Inputs are SMS reports, one per line: JSON {sender,text,time,reporter_country} "
                    "or sender<TAB>text[<TAB>time[<TAB>country]]");
  analyze->add_flag("--pretty", ao.pretty, "Indent the JSON (one object spans several lines)");
  analyze->add_flag("!--no-unwrap", ao.unwrap,
                    "Analyse ARF reports and forwarded complaints as they are instead of the "
                    "message they carry");
  analyze->add_option("--trusted-network", ao.trusted_networks,
                      "CIDR of a relay whose Received stamps are believed (repeatable)")
      ->type_name("CIDR");
  analyze->add_option("--trusted-host", ao.trusted_hosts,
                      "Host name (or .suffix) of a trusted relay, matched on its reverse DNS (repeatable)")
      ->type_name("HOST");
  analyze->add_flag("!--no-infer-trust", ao.infer_trust,
                    "Trust only configured relays; do not infer trust from private hops or chain "
                    "continuity");
  analyze->add_option("--region", ao.region,
                      "ISO 3166 country for national-format phone numbers (default: from the "
                      "recipient's or sender's country-code domain)");
  analyze->add_option("--max-message-size", ao.max_message_size,
                      "Bytes of a message analysed; the rest is hashed but not parsed")
      ->capture_default_str();
  analyze->add_option("--ip-db", ao.ip_db, "Compiled IP database (default: DATA_DIR/ipdb.bin)");
  analyze->add_flag("!--no-enrich", ao.enrich, "Do not look up AS numbers and countries of IPs");

  IngestOptions ing;
  auto* ingest = app.add_subcommand(
      "ingest", "Import complaints into a node's store: .eml files, directories, mbox, Maildir, - for "
                "stdin. Each is kept as evidence, recorded, then analysed.");
  ingest->add_option("paths", ing.paths, "Inputs")->required()->type_name("PATH...");
  ingest->add_option("--data", ing.data_dir, "Data directory of the node (database and evidence)")->required();
  ingest->add_option("--database", ing.database, kDatabaseHelp);
  ingest->add_option("--org", ing.org, "Organisation the complaints belong to")->capture_default_str();
  ingest->add_option("-j,--jobs", ing.jobs, "Analysis threads")->capture_default_str()->check(CLI::Range(1, 256));
  ingest->add_flag("--sms", ing.sms, "Inputs are SMS reports, one per line (as for analyze --sms)");
  ingest->add_flag("!--no-analyze", ing.analyze, "Only record the complaints; analyse later");
  ingest->add_flag("!--no-progress", ing.progress, "No progress line on a terminal");
  ingest->add_option("--max-message-size", ing.max_message_size, "Bytes of a message that are analysed")
      ->capture_default_str();
  ingest->add_option("--ip-db", ing.ip_db, "Compiled IP database (default: DATA_DIR/ipdb.bin)");

  VerifyOptions vo;
  auto* verify = app.add_subcommand(
      "verify", "Re-hash every piece of evidence in a node's store and check that every report's "
                "evidence is present; exit 1 on any corruption");
  verify->add_option("--data", vo.data_dir, "Data directory of the node")->required();
  verify->add_option("--database", vo.database, kDatabaseHelp);

  CampaignOptions co;
  auto* campaigns = app.add_subcommand("campaigns", "List an organisation's campaigns, largest first");
  auto* recluster = app.add_subcommand(
      "recluster", "Rebuild an organisation's campaigns from scratch from the stored analyses");
  for (auto* c : {campaigns, recluster}) {
    c->add_option("--data", co.data_dir, "Data directory of the node")->required();
    c->add_option("--database", co.database, kDatabaseHelp);
    c->add_option("--org", co.org, "Organisation")->capture_default_str();
  }
  campaigns->add_option("--top", co.top, "Campaigns to list")->capture_default_str();
  campaigns->add_option("--members", co.members, "Member reports shown per campaign")->capture_default_str();
  campaigns->add_flag("--json", co.json, "One JSON object per campaign");

  ReportShowOptions rso;
  auto* report = app.add_subcommand("report", "Stored reports");
  report->require_subcommand(1);
  auto* report_show = report->add_subcommand(
      "show", "Print a stored report as JSON: its record and its analysis (and, with --personal, the "
              "personal data kept apart from it)");
  report_show->add_option("--data", rso.data_dir, "Data directory of the node")->required();
  report_show->add_option("--database", rso.database, kDatabaseHelp);
  report_show->add_option("--org", rso.org, "Organisation")->capture_default_str();
  report_show->add_flag("--personal", rso.personal, "Include the personal data");
  report_show->add_option("id", rso.id, "The report's id (SHA-256 of its bytes)")->required();

  ServeOptions so;
  auto* serve = app.add_subcommand("serve", "Run the node: the HTTP/JSON API under /api/v1, the web application, "
                                            "optionally SMTP and LMTP listeners that take forwarded spam, and the "
                                            "analysis of what it receives");
  serve->add_option("--data", so.data_dir, "Data directory of the node")->required();
  serve->add_option("--database", so.database, kDatabaseHelp);
  serve->add_option("--listen", so.listen, "Address and port to listen on (port 0: any free port)")
      ->capture_default_str();
  serve->add_option("-j,--jobs", so.jobs, "Analysis threads (0: take reports in only; they wait for a node that analyses)")
      ->capture_default_str()
      ->check(CLI::Range(0, 256));
  serve->add_option("--max-message-size", so.max_message_size, "Bytes of a message that are analysed")
      ->capture_default_str();
  serve->add_option("--ip-db", so.ip_db, "Compiled IP database (default: DATA_DIR/ipdb.bin)");
  serve->add_option("--log-format", so.log_format, "Log lines on stderr: logfmt or json")
      ->capture_default_str()
      ->check(CLI::IsMember({"logfmt", "json"}));
  serve->add_option("--http-threads", so.http_threads, "HTTP requests served at once")
      ->capture_default_str()
      ->check(CLI::Range(2, 1024));
  serve->add_option("--max-inflight", so.max_inflight,
                    "Submissions being stored at once; more answer 503 with Retry-After")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  serve->add_option("--max-pending", so.max_pending,
                    "Reports waiting for analysis beyond which submissions answer 503 with Retry-After")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  serve->add_option("--federation-listen", so.federation_listen,
                    "Address and port of the listener for other nodes of the network (HTTPS with mutual TLS; "
                    "docs/federation.md); default: not listening");
  serve->add_option("--session-hours", so.session_hours, "Lifetime of a sign-in session")
      ->capture_default_str()
      ->check(CLI::Range(1, 24 * 30));
  serve->add_option("--smtp", so.smtp, "Also take spam by SMTP on this address and port (port 0: any free port)")
      ->type_name("HOST:PORT");
  serve->add_option("--lmtp", so.lmtp, "Also take spam by LMTP (from a mail server) on this address and port")
      ->type_name("HOST:PORT");
  serve->add_option("--smtp-route", so.smtp_routes,
                    "Recipient address and the organisation its mail belongs to; *@DOMAIN=ORG for the rest of "
                    "a domain (repeatable; other recipients are refused)")
      ->type_name("ADDRESS=ORG");
  serve->add_option("--smtp-max-connections", so.smtp_max_connections,
                    "SMTP and LMTP connections at once; more are answered 421")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  serve->add_option("--smtp-timeout", so.smtp_timeout, "Seconds a mail client may stay silent")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  serve->add_option("--smtp-max-message-size", so.smtp_max_message_size,
                    "Largest message taken by SMTP or LMTP (advertised as SIZE; larger ones get 552)")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1024}, size_t{1} << 30));
  serve->add_option("--smtp-hostname", so.smtp_hostname, "Name in the SMTP greeting (default: this host's name)");
  auto* web_opt = serve->add_option("--web", so.web_dir,
                                    "The built web application served at every path outside /api (default: "
                                    "web/dist of the source tree; the API alone when it is not built)")
                      ->type_name("DIR");
  serve->add_flag("--no-web", so.no_web, "Serve the API only, no web application")->excludes(web_opt);
  serve->add_option("--objection-period", so.objection_seconds,
                    "Seconds member agencies have to object to an organisation applying to join (LAP D)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{365} * 86400));

  TokenOptions to;
  auto* token = app.add_subcommand("token", "Manage API tokens");
  token->require_subcommand(1);
  auto* token_create = token->add_subcommand(
      "create", "Create an API token for an organisation (created if needed) and print it");
  token_create->add_option("--data", to.data_dir, "Data directory of the node")->required();
  token_create->add_option("--database", to.database, kDatabaseHelp);
  token_create->add_option("--org", to.org, "Organisation")->required();
  token_create->add_option("--role", to.role, "Role")
      ->required()
      ->check(CLI::IsMember({"admin", "coordinator", "analyst", "partner", "reporter"}));
  token_create->add_option("--label", to.label, "What the token is for (shown in lists)");

  UserOptions uo;
  auto* user = app.add_subcommand("user", "Manage users who sign in to the node");
  user->require_subcommand(1);
  auto* user_create = user->add_subcommand(
      "create", "Create a user of an organisation (created if needed); prints a generated password unless one is given");
  auto* user_list = user->add_subcommand("list", "List the users of an organisation");
  for (auto* c : {user_create, user_list}) {
    c->add_option("--data", uo.data_dir, "Data directory of the node")->required();
    c->add_option("--database", uo.database, kDatabaseHelp);
    c->add_option("--org", uo.org, "Organisation")->required();
  }
  user_create->add_option("--name", uo.name, "User name (signs in with it)")->required();
  user_create->add_option("--role", uo.role, "Role")
      ->required()
      ->check(CLI::IsMember({"admin", "coordinator", "analyst", "partner", "reporter"}));
  user_create->add_option("--password-file", uo.password_file,
                          "Read the password from the first line of this file (- for stdin)");

  AuditOptions auo;
  auto* audit = app.add_subcommand("audit", "The append-only, hash-chained audit log");
  audit->require_subcommand(1);
  auto* audit_verify = audit->add_subcommand(
      "verify", "Re-walk the hash chain; print the number of entries and the head hash, or where it is broken");
  auto* audit_list = audit->add_subcommand("list", "Print an organisation's latest entries");
  for (auto* c : {audit_verify, audit_list}) {
    c->add_option("--data", auo.data_dir, "Data directory of the node")->required();
    c->add_option("--database", auo.database, kDatabaseHelp);
  }
  audit_list->add_option("--org", auo.org, "Organisation")->required();
  audit_list->add_option("--limit", auo.limit, "Entries")->capture_default_str();

  EvidenceVerifyOptions evo;
  auto* evidence = app.add_subcommand("evidence", "Evidence packages exported from cases");
  evidence->require_subcommand(1);
  auto* evidence_verify = evidence->add_subcommand(
      "verify", "Check evidence packages: the manifest's signature, every file's SHA-256 and size, nothing added");
  evidence_verify->add_option("packages", evo.packages, "Package files (.zip)")->required();
  evidence_verify->add_option("--key", evo.key, "The node key (hex) the packages must be signed with; "
                                                "without it any valid signature is accepted and its key printed");

  DirectoryOptions dso;
  auto* directory = app.add_subcommand("directory", "The network's directory of organisations");
  directory->require_subcommand(1);
  auto* directory_set = directory->add_subcommand(
      "set", "Set an organisation's kind, country and membership (created if needed), as the node's operator");
  directory_set->add_option("--data", dso.data_dir, "Data directory of the node")->required();
  directory_set->add_option("--database", dso.database, kDatabaseHelp);
  directory_set->add_option("--org", dso.org, "Organisation")->required();
  directory_set->add_option("--kind", dso.kind, "agency or partner")->check(CLI::IsMember({"agency", "partner"}));
  directory_set->add_option("--country", dso.country, "ISO 3166-1 alpha-2 code, e.g. FR");
  directory_set->add_option("--membership", dso.membership, "applicant, member, refused or withdrawn")
      ->check(CLI::IsMember({"applicant", "member", "refused", "withdrawn"}));
  directory_set->add_option("--display-name", dso.display_name, "Name shown in the directory");
  directory_set->add_option("--competence", dso.competences,
                            "Agency competence (repeat): telecommunications, consumer-protection, data-protection, "
                            "criminal-enforcement")
      ->check(CLI::IsMember({"telecommunications", "consumer-protection", "data-protection", "criminal-enforcement"}));
  directory_set->add_option("--sector", dso.sector, "Partner sector (docs/cooperation.md), e.g. isps");
  auto* node = app.add_subcommand("node", "The node itself");
  node->require_subcommand(1);
  auto* node_key = node->add_subcommand("key", "Print the node's public signing key (Ed25519, hex)");
  node_key->add_option("--data", dso.data_dir, "Data directory of the node")->required();

  auto run_federation = AddFederationCommands(app, kDatabaseHelp);

  IpDataOptions io;
  auto* ipdata = app.add_subcommand("ipdata", "Manage the IP to AS-number and country data");
  ipdata->require_subcommand(1);
  auto* update = ipdata->add_subcommand(
      "update", "Fetch the latest @ip-location-db/asn and asn-country packages with npm and compile them");
  update->add_option("--dir", io.dir, "Data directory (default: $LAPIS_DATA_DIR or the build's .data)");
  update->add_flag("--offline", io.offline, "Do not run npm; recompile what is already there");
  auto* build = ipdata->add_subcommand("build", "Compile the CSV packages into DATA_DIR/ipdb.bin");
  build->add_option("--dir", io.dir, "Data directory");
  build->add_option("--node-modules", io.node_modules, "Folder holding @ip-location-db/* (default: DATA_DIR/npm/node_modules)");
  build->add_option("--out", io.out, "Output file (default: DATA_DIR/ipdb.bin)");
  auto* lookup = ipdata->add_subcommand("lookup", "Print AS number, country and organisation of IPs");
  lookup->add_option("ips", io.ips, "Addresses")->required();
  lookup->add_option("--db", io.out, "Compiled IP database (default: DATA_DIR/ipdb.bin)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  } catch (const CLI::CallForVersion& e) {
    app.exit(e);
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  try {
    if (analyze->parsed()) return RunAnalyze(ao);
    if (ingest->parsed()) return RunIngest(ing, open_store);
    if (verify->parsed()) return RunVerify(vo, open_store);
    if (campaigns->parsed()) return RunCampaigns(co, open_store);
    if (serve->parsed()) return RunServe(so, open_store);
    if (token_create->parsed()) return RunTokenCreate(to, open_store);
    if (user_create->parsed()) return RunUserCreate(uo, open_store);
    if (user_list->parsed()) return RunUserList(uo, open_store);
    if (audit_verify->parsed()) return RunAuditVerify(auo, open_store);
    if (audit_list->parsed()) return RunAuditList(auo, open_store);
    if (recluster->parsed()) return RunRecluster(co, open_store);
    if (report_show->parsed()) return RunReportShow(rso, open_store);
    if (evidence_verify->parsed()) return RunEvidenceVerify(evo);
    if (directory_set->parsed()) return RunDirectorySet(dso, open_store);
    if (node_key->parsed()) return RunNodeKey(dso);
    if (update->parsed()) return RunIpDataUpdate(io);
    if (build->parsed()) return RunIpDataBuild(io);
    if (lookup->parsed()) return RunIpDataLookup(io);
    if (int rc = run_federation(open_store); rc >= 0) return rc;
  } catch (const std::exception& e) {
    std::cerr << "lapis: internal error: " << e.what() << "\n";
    return kExitPartial;
  }
  return kExitUsage;
}

}  // namespace lapis::cli
