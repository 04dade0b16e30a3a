#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <thread>

#include "api/server.h"
#include "coop/package.h"
#include "cli/commands.h"
#include "common/log.h"
#include "enrich/ipdb.h"
#include "federation/federation.h"
#include "federation/messages.h"
#include "federation/replication.h"
#include "service/intake.h"
#include "smtp/mail_service.h"
#include "store/evidence.h"

namespace lapis::cli {
namespace {

smtp::MailServiceOptions MailOptions(const ServeOptions& o, std::function<void()> on_accepted) {
  smtp::MailServiceOptions m;
  m.smtp = o.smtp;
  m.lmtp = o.lmtp;
  m.routes = o.smtp_routes;
  m.listener.hostname = o.smtp_hostname;
  if (m.listener.hostname.empty()) {
    char name[256] = {};
    m.listener.hostname = gethostname(name, sizeof name - 1) == 0 && name[0] ? name : "localhost";
  }
  m.listener.max_connections = o.smtp_max_connections;
  m.listener.idle_timeout = std::chrono::seconds(o.smtp_timeout);
  m.listener.max_message_size = o.smtp_max_message_size;
  m.listener.on_accepted = std::move(on_accepted);
  return m;
}

}  // namespace

int RunServe(const ServeOptions& o, const store::StoreOpener& open_store) {
  size_t colon = o.listen.rfind(':');
  if (colon == std::string::npos) {
    std::fprintf(stderr, "lapis: --listen takes HOST:PORT\n");
    return kExitUsage;
  }
  api::ServerOptions so;
  so.host = o.listen.substr(0, colon);
  if (so.host.size() > 2 && so.host.front() == '[') so.host = so.host.substr(1, so.host.size() - 2);
  try {
    so.port = std::stoi(o.listen.substr(colon + 1));
  } catch (...) {
    std::fprintf(stderr, "lapis: invalid port in --listen %s\n", o.listen.c_str());
    return kExitUsage;
  }
  const bool mail_on = !o.smtp.empty() || !o.lmtp.empty();
  if (Status s = smtp::MailService::Validate(MailOptions(o, nullptr)); mail_on && !s.ok()) {
    std::fprintf(stderr, "lapis: %s\n", s.ToString().c_str());
    return kExitUsage;
  }
  so.analysis_jobs = o.jobs;
  so.http_threads = o.http_threads;
  so.max_inflight_submissions = o.max_inflight;
  so.max_pending = o.max_pending;
  so.session_seconds = int64_t{o.session_hours} * 3600;
  log::Format format;
  if (!log::ParseFormat(o.log_format, &format)) {
    std::fprintf(stderr, "lapis: --log-format is logfmt or json\n");
    return kExitUsage;
  }
  log::SetFormat(format);
  // The web application: an explicit --web must load; the default one may be missing (not built).
  std::unique_ptr<api::WebApp> web;
  if (!o.no_web) {
    const std::string dir = o.web_dir.empty() ? DefaultWebDir() : o.web_dir;
    auto w = api::WebApp::Load(dir);
    if (w) {
      web = std::move(*w);
      so.web = web.get();
    } else if (!o.web_dir.empty()) {
      std::fprintf(stderr, "lapis: --web: %s\n", w.error().message().c_str());
      return kExitUsage;
    } else {
      std::fprintf(stderr, "lapis: warning: %s; serving the API only (build it with scripts/setup.sh)\n",
                   w.error().message().c_str());
    }
  }
  smtp::MailService* mail_metrics = nullptr;  // set before the server answers requests
  federation::Federation* fed_metrics = nullptr;
  so.extra_metrics = [&mail_metrics, &fed_metrics] {
    return (mail_metrics ? mail_metrics->MetricsText() : std::string()) +
           (fed_metrics ? fed_metrics->MetricsText() : std::string());
  };
  auto ev = store::EvidenceStore::Open(o.data_dir + "/evidence");
  if (!ev) {
    std::fprintf(stderr, "lapis: %s\n", ev.error().ToString().c_str());
    return kExitPartial;
  }
  auto st = OpenStoreOrReport(o.database, o.data_dir, open_store);
  if (!st) return kExitPartial;
  // The node's signing key (evidence packages), made on the first start.
  auto node_key = coop::LoadOrCreateNodeKey(o.data_dir);
  if (!node_key) {
    std::fprintf(stderr, "lapis: %s\n", node_key.error().ToString().c_str());
    return kExitPartial;
  }
  so.node_key = &*node_key;
  // Federation: the TLS identity is made on the first start; peers come from the signed roster.
  federation::FederationOptions fo;
  fo.dir = o.data_dir + "/federation";
  if (!o.federation_listen.empty()) {
    size_t c = o.federation_listen.rfind(':');
    try {
      if (c == std::string::npos) throw std::invalid_argument("no port");
      fo.host = o.federation_listen.substr(0, c);
      fo.port = std::stoi(o.federation_listen.substr(c + 1));
    } catch (...) {
      std::fprintf(stderr, "lapis: --federation-listen takes HOST:PORT\n");
      return kExitUsage;
    }
  }
  auto fed = federation::Federation::Open(&st->Sql(), &*node_key, fo);
  if (!fed) {
    std::fprintf(stderr, "lapis: federation: %s\n", fed.error().ToString().c_str());
    return kExitPartial;
  }
  federation::RegisterOrgMessages(fed->get());
  federation::Replicator replicator(st.get(), fed->get());
  replicator.Register();
  if (!o.federation_listen.empty()) {
    auto fport = (*fed)->Bind();
    if (!fport) {
      std::fprintf(stderr, "lapis: federation: %s\n", fport.error().ToString().c_str());
      return kExitPartial;
    }
    std::fprintf(stderr, "lapis: federation listening on https://%s:%d (node %s)\n", fo.host.c_str(), *fport,
                 (*fed)->Name().empty() ? "not on a roster yet" : (*fed)->Name().c_str());
  }
  so.federation = fed->get();
  fed_metrics = fed->get();
  so.objection_seconds = o.objection_seconds;
  std::unique_ptr<enrich::IpDb> db;
  if (auto r = enrich::IpDb::Open(o.ip_db.empty() ? DefaultIpDbPath() : o.ip_db)) db = std::move(*r);
  else std::fprintf(stderr, "lapis: warning: %s; IPs are not enriched\n", r.error().message().c_str());
  analysis::AnalyzerOptions ao;
  ao.trust.resolver = db.get();
  analysis::Analyzer analyzer(ao);
  service::Intake intake(st.get(), &*ev, &analyzer, db.get(), o.max_message_size);
  api::Server server(st.get(), &intake, so);
  auto port = server.Bind();
  if (!port) {
    std::fprintf(stderr, "lapis: %s\n", port.error().ToString().c_str());
    return kExitPartial;
  }
  // SIGINT/SIGTERM stop the server cleanly: requests in flight finish, nothing acknowledged is lost.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::unique_ptr<smtp::MailService> mail;
  if (!mail_on && !o.smtp_routes.empty())
    std::fprintf(stderr, "lapis: warning: --smtp-route without --smtp or --lmtp has no effect\n");
  if (mail_on) {
    auto m = smtp::MailService::Start(MailOptions(o, [&server] { server.Wake(); }), &intake);
    if (!m) {
      std::fprintf(stderr, "lapis: %s\n", m.error().ToString().c_str());
      return m.error().code() == Status::Code::kInvalidArgument ? kExitUsage : kExitPartial;
    }
    mail = std::move(*m);
    mail_metrics = mail.get();
    for (const auto& [protocol, where] : mail->endpoints())
      std::fprintf(stderr, "lapis: %s listening on %s\n", protocol.c_str(), where.c_str());
  }
  std::thread signals([&] {
    int sig = 0;
    sigwait(&set, &sig);
    std::fprintf(stderr, "lapis: stopping (signal %d)\n", sig);
    if (mail) mail->Stop();
    server.Stop();
  });
  std::fprintf(stderr, "lapis: listening on http://%s:%d\n", so.host.c_str(), *port);
  if (web) std::fprintf(stderr, "lapis: web application from %s\n", web->dir().c_str());
  std::fflush(stderr);
  log::Info("node.start", {{"url", "http://" + so.host + ":" + std::to_string(*port)},
                           {"schema_version", st->SchemaVersion()}, {"analysis_threads", o.jobs}});
  (*fed)->Start();
  replicator.Start();
  server.Run();
  replicator.Stop();
  (*fed)->Stop();
  pthread_kill(signals.native_handle(), SIGTERM);
  signals.join();
  return kExitOk;
}

}  // namespace lapis::cli
