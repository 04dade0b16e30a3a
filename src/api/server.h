// The node's HTTP/JSON API under /api/v1 (docs/api.md, OpenAPI at /api/v1/openapi.json).
// Errors are RFC 9457 problem+json. Every request is authenticated — an API token or a session
// token as Authorization: Bearer, or the session cookie of a signed-in user — checked against
// the caller's role (api/access.h) and scoped to the caller's organisation.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "api/web_app.h"
#include "coop/package.h"
#include "service/intake.h"
#include "store/store.h"

namespace lapis {
class JsonWriter;
}
namespace lapis::federation {
class Federation;
}

namespace lapis::api {

inline constexpr size_t kMaxRequestBody = 32 * 1024 * 1024;
inline constexpr size_t kMaxPageSize = 500;

// A report as the API returns it (GET /api/v1/reports/{id}; docs/api.md): with its analysis, and
// its personal data when also asked for. `origin`, `outcomes` and `sharing` (raw JSON) are written
// as members of those names when given.
void ReportJson(JsonWriter& w, const store::ReportRow& r, bool with_analysis, bool with_personal,
                const std::string* origin = nullptr, const std::string* outcomes = nullptr,
                const std::string* sharing = nullptr);

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;        // 0 = any free port
  int analysis_jobs = 1;  // threads analysing what was received; 0 = take reports in only
  int http_threads = 64;  // requests served at once
  // Overload: submissions beyond these answer 503 with Retry-After (nothing is half-accepted).
  int max_inflight_submissions = 256;
  int64_t max_pending = 500000;  // reports waiting for analysis
  int64_t session_seconds = 12 * 3600;
  bool secure_cookies = false;  // mark the session cookie Secure (behind HTTPS)
  // More Prometheus text appended to /metrics (other intake channels); called from HTTP threads.
  std::function<std::string()> extra_metrics;
  // The web application served at every path outside /api/ and /metrics; null = the API only.
  // Not owned; must outlive the server.
  const WebApp* web = nullptr;
  // Signs evidence packages (not owned); null: packages are refused.
  const coop::NodeKey* node_key = nullptr;
  // How long member agencies may object to an application to join the network (LAP D).
  int64_t objection_seconds = 14 * 86400;
  // Federation with other nodes (not owned); null: the federation routes answer 503.
  federation::Federation* federation = nullptr;
};

class Server {
 public:
  // Nothing is owned; both must outlive the server.
  Server(store::Store* store, service::Intake* intake, ServerOptions options);
  ~Server();

  // Binds the listening socket; returns the port.
  Result<int> Bind();
  // Serves until Stop(); runs the analysis worker meanwhile.
  void Run();
  // Stops accepting requests and the worker; in-flight requests finish. Thread-safe.
  void Stop();
  // Tells the analysis worker that something arrived through another channel. Thread-safe.
  void Wake();

  // The OpenAPI 3 document describing the routes.
  static std::string OpenApiDocument();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A new random API token (printable); the store keeps its SHA-256.
std::string NewToken();

}  // namespace lapis::api
