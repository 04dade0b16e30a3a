#include "api/server.h"

#include <httplib.h>
#include <openssl/rand.h>

#include <chrono>
#include <ctime>
#include <optional>

#include "analysis/analyzer.h"
#include "common/json_writer.h"
#include "common/sha256.h"
#include "common/strings.h"
#include "store/evidence.h"

namespace lapis::api {
namespace {

constexpr auto kIdleAnalysisWait = std::chrono::seconds(1);
constexpr size_t kAnalysisBatch = 256;

void Problem(httplib::Response& res, int status, const std::string& title, const std::string& detail) {
  JsonWriter w;
  w.BeginObject();
  w.Key("type").String("about:blank");
  w.Key("title").String(title);
  w.Key("status").Int(status);
  if (!detail.empty()) w.Key("detail").String(detail);
  w.EndObject();
  res.status = status;
  res.set_content(w.str(), "application/problem+json");
}

void Json(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body, "application/json");
}

void ReportJson(JsonWriter& w, const store::ReportRow& r, bool with_analysis) {
  w.BeginObject();
  w.Key("id").String(r.sha256);
  w.Key("kind").String(r.kind);
  w.Key("status").String(r.status);
  w.Key("complaints").Int(r.complaints);
  w.Key("size").Uint(r.size);
  w.Key("first_seen").String(FormatRfc3339(r.first_seen));
  w.Key("last_seen").String(FormatRfc3339(r.last_seen));
  w.Key("category").StringOrNull(r.category);
  w.Key("subject").StringOrNull(r.subject);
  w.Key("campaign");
  if (r.campaign) w.Int(r.campaign);
  else w.Null();
  if (r.status == "failed") w.Key("error").StringOrNull(r.last_error);
  if (with_analysis) {
    w.Key("analysis");
    if (r.analysis_json.empty()) w.Null();
    else w.Raw(r.analysis_json);
    w.Key("personal_data");
    if (r.personal_json.empty()) w.Null();
    else w.Raw(r.personal_json);
  }
  w.EndObject();
}

std::optional<int64_t> ParseTime(const std::string& v) {
  struct tm tm {};
  const char* end = strptime(v.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!end || (*end != 'Z' && *end != '\0') || (*end == 'Z' && end[1] != '\0')) return std::nullopt;
  return static_cast<int64_t>(timegm(&tm));
}

}  // namespace

std::string NewToken() {
  unsigned char buf[32];
  if (RAND_bytes(buf, sizeof buf) != 1) return "";
  return "lapis_" + HexEncode(buf, sizeof buf);
}

struct Server::Impl {
  store::Store* store;
  service::Intake* intake;
  ServerOptions opt;
  httplib::Server http;
  std::thread worker;
  std::mutex mu;
  std::condition_variable wake;
  bool stopping = false;
  std::atomic<uint64_t> received{0}, analysed{0}, failed{0}, intake_errors{0};
  std::atomic<double> last_batch_seconds{0};

  // The caller's organisation, or an error response already written.
  std::optional<store::TokenInfo> Authenticate(const httplib::Request& req, httplib::Response& res) {
    std::string auth = req.get_header_value("Authorization");
    if (!StartsWithIgnoreCase(auth, "Bearer ")) {
      res.set_header("WWW-Authenticate", "Bearer");
      Problem(res, 401, "Unauthorized", "send an API token as Authorization: Bearer TOKEN");
      return std::nullopt;
    }
    auto t = store->FindToken(Sha256Hex(std::string(Trim(std::string_view(auth).substr(7)))));
    if (!t) {
      Problem(res, 503, "Service Unavailable", "the store cannot be read");
      return std::nullopt;
    }
    if (!*t) {
      res.set_header("WWW-Authenticate", "Bearer error=\"invalid_token\"");
      Problem(res, 401, "Unauthorized", "unknown or revoked token");
      return std::nullopt;
    }
    return **t;
  }

  void PostReport(const httplib::Request& req, httplib::Response& res) {
    auto who = Authenticate(req, res);
    if (!who) return;
    const std::string content_type = req.get_header_value("Content-Type");
    std::string type = ToLower(Trim(std::string_view(content_type).substr(0, content_type.find(';'))));
    if (req.body.empty()) return Problem(res, 400, "Bad Request", "the request has no body");
    std::string kind, bytes;
    if (type == "message/rfc822" || type == "message/global") {
      kind = "email";
      bytes = req.body;
    } else if (type == "application/json") {
      analysis::SmsReport sms;
      std::string err;
      if (req.body.find('\n') != std::string::npos && Trim(req.body).find('\n') != std::string::npos)
        return Problem(res, 400, "Bad Request", "one SMS report per request");
      if (!analysis::ParseSmsLine(req.body, &sms, &err))
        return Problem(res, 400, "Bad Request", "not an SMS report: " + err);
      kind = "sms";
      bytes = analysis::CanonicalSmsJson(sms);
    } else {
      return Problem(res, 415, "Unsupported Media Type",
                     "send message/rfc822 (an e-mail or ARF report) or application/json (an SMS report)");
    }
    std::string sha;
    auto r = intake->Submit(who->org, bytes, kind, "api", req.remote_addr, "", &sha);
    if (!r) {
      ++intake_errors;
      res.set_header("Retry-After", "5");
      return Problem(res, 503, "Service Unavailable", "the report could not be stored: " + r.error().message());
    }
    ++received;
    wake.notify_one();
    JsonWriter w;
    w.BeginObject().Key("id").String(sha).Key("new_report").Bool(r->new_report).EndObject();
    res.set_header("Location", "/api/v1/reports/" + sha);
    Json(res, 202, w.str());
  }

  // The caller's report named by the first path parameter, or nullopt with the error written.
  std::optional<store::ReportRow> OwnReport(const httplib::Request& req, httplib::Response& res) {
    auto who = Authenticate(req, res);
    if (!who) return std::nullopt;
    std::string id = req.matches[1];
    if (!store::IsSha256Hex(id)) {
      Problem(res, 404, "Not Found", "no such report");
      return std::nullopt;
    }
    auto row = store->GetReport(who->org, id);
    if (!row) {
      Problem(res, 503, "Service Unavailable", row.error().message());
      return std::nullopt;
    }
    if (!*row) Problem(res, 404, "Not Found", "no such report");
    return *row;
  }

  void GetReport(const httplib::Request& req, httplib::Response& res) {
    auto row = OwnReport(req, res);
    if (!row) return;
    JsonWriter w;
    ReportJson(w, *row, true);
    Json(res, 200, w.str());
  }

  void ListReports(const httplib::Request& req, httplib::Response& res) {
    auto who = Authenticate(req, res);
    if (!who) return;
    store::ReportQuery q;
    q.org = who->org;
    q.category = req.get_param_value("category");
    q.origin_country = req.get_param_value("origin_country");
    q.text = req.get_param_value("q");
    q.campaign = 0;
    if (req.has_param("campaign")) {
      try {
        q.campaign = std::stoll(req.get_param_value("campaign"));
      } catch (...) {
        return Problem(res, 400, "Bad Request", "campaign must be a number");
      }
    }
    if (req.has_param("asn")) {
      std::string v = req.get_param_value("asn");
      if (StartsWithIgnoreCase(v, "AS")) v = v.substr(2);
      try {
        q.origin_asn = static_cast<uint32_t>(std::stoul(v));
      } catch (...) {
        return Problem(res, 400, "Bad Request", "asn must be a number");
      }
    }
    for (const char* t : {"ip", "domain", "host", "url", "email", "phone", "payment", "attachment"}) {
      if (!req.has_param(t)) continue;
      if (!q.indicator_type.empty())
        return Problem(res, 400, "Bad Request", "filter on one indicator at a time");
      q.indicator_type = t;
      q.indicator_value = req.get_param_value(t);
    }
    for (const char* t : {"since", "until"}) {
      if (!req.has_param(t)) continue;
      auto v = ParseTime(req.get_param_value(t));
      if (!v) return Problem(res, 400, "Bad Request", std::string(t) + " must be an RFC 3339 time in UTC");
      (std::string(t) == "since" ? q.since : q.until) = v;
    }
    q.cursor = req.get_param_value("cursor");
    if (req.has_param("limit")) {
      try {
        q.limit = std::stoul(req.get_param_value("limit"));
      } catch (...) {
        return Problem(res, 400, "Bad Request", "limit must be a number");
      }
      if (q.limit == 0 || q.limit > kMaxPageSize)
        return Problem(res, 400, "Bad Request", "limit must be 1 to " + std::to_string(kMaxPageSize));
    }
    auto page = store->ListReports(q);
    if (!page) {
      if (page.error().code() == Status::Code::kInvalidArgument)
        return Problem(res, 400, "Bad Request", page.error().message());
      return Problem(res, 503, "Service Unavailable", page.error().message());
    }
    JsonWriter w;
    w.BeginObject().Key("items").BeginArray();
    for (const auto& r : page->rows) ReportJson(w, r, false);
    w.EndArray();
    w.Key("next_cursor").StringOrNull(page->next_cursor);
    w.EndObject();
    Json(res, 200, w.str());
  }

  void LookupIndicator(const httplib::Request& req, httplib::Response& res) {
    auto who = Authenticate(req, res);
    if (!who) return;
    std::string type = req.get_param_value("type"), value = req.get_param_value("value");
    static const char* kTypes[] = {"ip", "domain", "host", "url", "email", "phone", "payment", "attachment"};
    bool known = false;
    for (const char* t : kTypes) known = known || type == t;
    if (!known || value.empty())
      return Problem(res, 400, "Bad Request",
                     "give type (ip, domain, host, url, email, phone, payment, attachment) and value");
    auto s = store->LookupIndicator(who->org, type, value, 50);
    if (!s) return Problem(res, 503, "Service Unavailable", s.error().message());
    JsonWriter w;
    w.BeginObject().Key("type").String(type).Key("value").String(value).Key("reports").Int(s->reports);
    w.Key("first_seen");
    if (s->reports) w.String(FormatRfc3339(s->first_seen));
    else w.Null();
    w.Key("last_seen");
    if (s->reports) w.String(FormatRfc3339(s->last_seen));
    else w.Null();
    w.Key("report_ids").BeginArray();
    for (const auto& id : s->report_ids) w.String(id);
    w.EndArray().EndObject();
    Json(res, 200, w.str());
  }

  void GetRaw(const httplib::Request& req, httplib::Response& res) {
    auto row = OwnReport(req, res);
    if (!row) return;
    const std::string& id = row->sha256;
    auto bytes = intake->evidence().Get(id);
    if (!bytes) return Problem(res, 500, "Internal Server Error", "evidence unreadable: " + bytes.error().message());
    res.set_header("Content-Disposition", "attachment; filename=\"" + id + (row->kind == "sms" ? ".json" : ".eml") + "\"");
    res.set_header("Digest", "sha-256=" + id);
    res.set_content(*bytes, row->kind == "sms" ? "application/json" : "message/rfc822");
  }

  static void CampaignJson(JsonWriter& w, const store::CampaignRow& c) {
    w.BeginObject().Key("id").Int(c.id).Key("reports").Int(c.reports);
    w.Key("first_seen").String(FormatRfc3339(c.first_seen)).Key("last_seen").String(FormatRfc3339(c.last_seen));
    w.EndObject();
  }

  void ListCampaigns(const httplib::Request& req, httplib::Response& res) {
    auto who = Authenticate(req, res);
    if (!who) return;
    size_t limit = 50;
    if (req.has_param("limit")) {
      try {
        limit = std::stoul(req.get_param_value("limit"));
      } catch (...) {
        limit = 0;
      }
      if (limit == 0 || limit > kMaxPageSize)
        return Problem(res, 400, "Bad Request", "limit must be 1 to " + std::to_string(kMaxPageSize));
    }
    auto list = store->ListCampaigns(who->org, limit, 0);
    if (!list) return Problem(res, 503, "Service Unavailable", list.error().message());
    JsonWriter w;
    w.BeginObject().Key("items").BeginArray();
    for (const auto& c : *list) CampaignJson(w, c);
    w.EndArray().EndObject();
    Json(res, 200, w.str());
  }

  void GetCampaign(const httplib::Request& req, httplib::Response& res) {
    auto who = Authenticate(req, res);
    if (!who) return;
    int64_t id = 0;
    try {
      id = std::stoll(std::string(req.matches[1]));
    } catch (...) {
      return Problem(res, 404, "Not Found", "no such campaign");
    }
    auto c = store->GetCampaign(who->org, id);
    if (!c) return Problem(res, 503, "Service Unavailable", c.error().message());
    if (!*c) return Problem(res, 404, "Not Found", "no such campaign");
    JsonWriter w;
    CampaignJson(w, **c);
    Json(res, 200, w.str());
  }

  void Metrics(const httplib::Request&, httplib::Response& res) {
    std::string out;
    out += "# HELP lapis_reports_received_total Complaints acknowledged through the API.\n";
    out += "# TYPE lapis_reports_received_total counter\n";
    out += "lapis_reports_received_total " + std::to_string(received.load()) + "\n";
    out += "# HELP lapis_reports_analysed_total Reports analysed by this server.\n";
    out += "# TYPE lapis_reports_analysed_total counter\n";
    out += "lapis_reports_analysed_total " + std::to_string(analysed.load()) + "\n";
    out += "# HELP lapis_analysis_failures_total Analyses that failed (the reports are kept and retried).\n";
    out += "# TYPE lapis_analysis_failures_total counter\n";
    out += "lapis_analysis_failures_total " + std::to_string(failed.load()) + "\n";
    out += "# HELP lapis_intake_errors_total Complaints that could not be stored (not acknowledged).\n";
    out += "# TYPE lapis_intake_errors_total counter\n";
    out += "lapis_intake_errors_total " + std::to_string(intake_errors.load()) + "\n";
    out += "# HELP lapis_analysis_batch_seconds Time of the last analysis batch.\n";
    out += "# TYPE lapis_analysis_batch_seconds gauge\n";
    out += "lapis_analysis_batch_seconds " + std::to_string(last_batch_seconds.load()) + "\n";
    res.set_content(out, "text/plain; version=0.0.4");
  }

  void AnalysisLoop() {
    while (true) {
      auto t0 = std::chrono::steady_clock::now();
      auto st = intake->AnalyzePending(kAnalysisBatch, opt.analysis_jobs);
      bool idle = !st || st->analysed + st->failed == 0;
      if (st && !idle) {
        analysed += st->analysed;
        failed += st->failed;
        last_batch_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      }
      std::unique_lock<std::mutex> l(mu);
      if (stopping) return;
      if (idle) wake.wait_for(l, kIdleAnalysisWait);
      if (stopping) return;
    }
  }
};

Server::Server(store::Store* store, service::Intake* intake, ServerOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->store = store;
  impl_->intake = intake;
  impl_->opt = options;
  auto& http = impl_->http;
  Impl* p = impl_.get();
  http.set_payload_max_length(kMaxRequestBody);
  http.set_read_timeout(30);
  http.Post("/api/v1/reports", [p](const httplib::Request& q, httplib::Response& r) { p->PostReport(q, r); });
  http.Get(R"(/api/v1/reports/([^/]+))", [p](const httplib::Request& q, httplib::Response& r) { p->GetReport(q, r); });
  http.Get(R"(/api/v1/reports/([^/]+)/raw)", [p](const httplib::Request& q, httplib::Response& r) { p->GetRaw(q, r); });
  http.Get("/api/v1/campaigns", [p](const httplib::Request& q, httplib::Response& r) { p->ListCampaigns(q, r); });
  http.Get(R"(/api/v1/campaigns/([^/]+))", [p](const httplib::Request& q, httplib::Response& r) { p->GetCampaign(q, r); });
  http.Get("/metrics", [p](const httplib::Request& q, httplib::Response& r) { p->Metrics(q, r); });
  http.Get("/api/v1/reports", [p](const httplib::Request& q, httplib::Response& r) { p->ListReports(q, r); });
  http.Get("/api/v1/indicators", [p](const httplib::Request& q, httplib::Response& r) { p->LookupIndicator(q, r); });
  http.Get("/api/v1/openapi.json", [](const httplib::Request&, httplib::Response& r) {
    r.set_content(OpenApiDocument(), "application/json");
  });
  http.set_error_handler([](const httplib::Request&, httplib::Response& r) {
    if (r.get_header_value("Content-Type") == "application/problem+json") return;
    const char* title = r.status == 404 ? "Not Found" : r.status == 413 ? "Payload Too Large" : "Error";
    Problem(r, r.status, title, r.status == 404 ? "no such route" : "");
  });
  http.set_exception_handler([](const httplib::Request&, httplib::Response& r, std::exception_ptr) {
    Problem(r, 500, "Internal Server Error", "");
  });
}

Server::~Server() { Stop(); }

Result<int> Server::Bind() {
  int port = impl_->opt.port == 0 ? impl_->http.bind_to_any_port(impl_->opt.host)
                                  : (impl_->http.bind_to_port(impl_->opt.host, impl_->opt.port) ? impl_->opt.port : -1);
  if (port < 0)
    return Fail(Status::Unavailable("cannot listen on " + impl_->opt.host + ":" + std::to_string(impl_->opt.port)));
  return port;
}

void Server::Run() {
  {
    std::lock_guard<std::mutex> l(impl_->mu);
    if (impl_->stopping) return;
    impl_->worker = std::thread([p = impl_.get()] { p->AnalysisLoop(); });
  }
  impl_->http.listen_after_bind();
  Stop();
}

void Server::Stop() {
  std::thread worker;
  {
    std::lock_guard<std::mutex> l(impl_->mu);
    impl_->stopping = true;
    worker = std::move(impl_->worker);  // exactly one caller joins it
  }
  impl_->wake.notify_all();
  impl_->http.stop();
  if (worker.joinable()) worker.join();
}

}  // namespace lapis::api
