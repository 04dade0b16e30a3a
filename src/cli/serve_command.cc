#include <signal.h>

#include <cstdio>
#include <thread>

#include "api/server.h"
#include "cli/commands.h"
#include "common/log.h"
#include "enrich/ipdb.h"
#include "service/intake.h"
#include "store/evidence.h"

namespace lapis::cli {

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
  auto ev = store::EvidenceStore::Open(o.data_dir + "/evidence");
  if (!ev) {
    std::fprintf(stderr, "lapis: %s\n", ev.error().ToString().c_str());
    return kExitPartial;
  }
  auto st = open_store(o.database, o.data_dir);
  if (!st) {
    std::fprintf(stderr, "lapis: %s\n", st.error().ToString().c_str());
    return kExitPartial;
  }
  std::unique_ptr<enrich::IpDb> db;
  if (auto r = enrich::IpDb::Open(o.ip_db.empty() ? DefaultIpDbPath() : o.ip_db)) db = std::move(*r);
  else std::fprintf(stderr, "lapis: warning: %s; IPs are not enriched\n", r.error().message().c_str());
  analysis::AnalyzerOptions ao;
  ao.trust.resolver = db.get();
  analysis::Analyzer analyzer(ao);
  service::Intake intake(st->get(), &*ev, &analyzer, db.get(), o.max_message_size);
  api::Server server(st->get(), &intake, so);
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
  std::thread signals([&] {
    int sig = 0;
    sigwait(&set, &sig);
    std::fprintf(stderr, "lapis: stopping (signal %d)\n", sig);
    server.Stop();
  });
  std::fprintf(stderr, "lapis: listening on http://%s:%d\n", so.host.c_str(), *port);
  std::fflush(stderr);
  log::Info("node.start", {{"url", "http://" + so.host + ":" + std::to_string(*port)},
                           {"schema_version", (*st)->SchemaVersion()}, {"analysis_threads", o.jobs}});
  server.Run();
  pthread_kill(signals.native_handle(), SIGTERM);
  signals.join();
  return kExitOk;
}

}  // namespace lapis::cli
