#include "api/server.h"

#include "common/workers.h"

#include <httplib.h>

#include <cctype>
#include <chrono>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "analysis/analyzer.h"
#include "api/access.h"
#include "api/coop_routes.h"
#include "api/http_util.h"
#include "api/token_cache.h"
#include "coop/workflow.h"
#include "federation/flows.h"
#include "common/json_writer.h"
#include "common/log.h"
#include "common/sha256.h"
#include "common/strings.h"
#include "service/accounts.h"
#include "store/evidence.h"

namespace lapis::api {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kIdleAnalysisWait = std::chrono::seconds(1);
// When the analysis keeps up with intake, each pass would take the few reports that came in since
// the last and save them in a transaction of their own, which rewrites the pages every save
// shares (counters, campaigns, index interiors, a new full-text segment). After a pass that was
// not full, the next waits this long, so that reports are analysed in batches at any rate.
constexpr auto kAnalysisGather = std::chrono::milliseconds(100);
// Reports analysed in one pass and saved in one transaction. 1,024 took less CPU per report over
// 150,000 reports but more over 1,000,000 (bench/node_bench.sh: 1,167 reports/s against 1,451,
// and twice the peak memory); the cause at that size was not measured.
constexpr size_t kAnalysisBatch = 256;
constexpr const char* kSessionCookie = "lapis_session";
constexpr const char* kRequestHeader = "X-Lapis-Request";  // required with the cookie on changes
// Sign-in throttling: this many failures for one user name or one address within the window
// answer 429 until the window ends.
constexpr int kMaxSignInFailures = 5;
constexpr int64_t kSignInWindowSeconds = 15 * 60;
constexpr size_t kMaxThrottleEntries = 100000;
// How long an API token found valid is taken as valid without asking the store again. A token
// revoked through this node stops working at once; this bounds how long one revoked by another
// node sharing the store still works.
constexpr int64_t kTokenCacheMs = 2000;
constexpr double kLatencyBuckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
const char* const kIndicatorTypes[] = {"ip", "domain", "host", "url", "email", "phone", "payment", "attachment"};

int64_t Now() { return static_cast<int64_t>(time(nullptr)); }



// {"ip","kind","country","asn","as_org"} of an analysis's origin, or "null".
std::string OriginSummaryJson(const std::string& analysis_json) {
  // Only the top-level "origin" member is kept while parsing.
  auto keep = [](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    if (event == nlohmann::json::parse_event_t::key && depth == 1) return parsed == "origin";
    return true;
  };
  auto j = nlohmann::json::parse(analysis_json, keep, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return "null";
  auto it = j.find("origin");
  if (it == j.end() || !it->is_object()) return "null";
  nlohmann::json out = nlohmann::json::object();
  for (const char* k : {"ip", "kind", "country", "asn", "as_org"}) out[k] = it->contains(k) ? (*it)[k] : nullptr;
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}


// since/until query parameters; false with the error written.
bool ParseTimeRange(const httplib::Request& req, httplib::Response& res, std::optional<int64_t>* since,
                    std::optional<int64_t>* until) {
  for (const char* t : {"since", "until"}) {
    if (!req.has_param(t)) continue;
    auto v = ParseTime(req.get_param_value(t));
    if (!v) {
      BadRequest(res, std::string(t) + " must be an RFC 3339 time in UTC, e.g. 2026-01-31T00:00:00Z");
      return false;
    }
    (std::string(t) == "since" ? *since : *until) = v;
  }
  return true;
}


std::string CookieValue(const httplib::Request& req, const std::string& name) {
  std::string header = req.get_header_value("Cookie");
  for (std::string_view part : Split(header, ';')) {
    part = Trim(part);
    size_t eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name) return std::string(part.substr(eq + 1));
  }
  return "";
}


// Per-thread context of the request being served, for the access log.
thread_local Clock::time_point t_request_start;
thread_local std::string t_actor;
thread_local std::string t_org;

}  // namespace

void ReportJson(JsonWriter& w, const store::ReportRow& r, bool with_analysis, bool with_personal,
                const std::string* origin, const std::string* outcomes, const std::string* sharing) {
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
  if (origin) w.Key("origin").Raw(*origin);
  if (outcomes) w.Key("outcomes").Raw(*outcomes);
  if (sharing) w.Key("sharing").Raw(*sharing);
  if (with_analysis) {
    w.Key("analysis");
    if (r.analysis_json.empty()) w.Null();
    else w.Raw(r.analysis_json);
    if (with_personal) {
      w.Key("personal_data");
      if (r.personal_json.empty()) w.Null();
      else w.Raw(r.personal_json);
    }
  }
  w.EndObject();
}

std::string NewToken() { return service::NewSecret("lapis_"); }


struct Server::Impl {
  store::Store* store;
  std::unique_ptr<coop::Coop> coop;
  service::Intake* intake;
  ServerOptions opt;
  httplib::Server http;
  std::thread worker;
  std::thread chores;  // the node's own timed work: deciding membership applications
  std::condition_variable chores_cv;
  std::mutex mu;
  std::condition_variable wake;
  bool stopping = false;
  std::atomic<uint64_t> received{0}, analysed{0}, failed{0}, intake_errors{0}, overload_rejections{0};
  std::atomic<uint64_t> audit_errors{0}, sign_in_failures{0};
  std::atomic<int64_t> queue_depth{0};
  std::atomic<int> inflight{0};
  std::atomic<double> last_batch_seconds{0}, analysis_seconds_sum{0};
  // HTTP request durations: a histogram over kLatencyBuckets, and responses by status class.
  std::atomic<uint64_t> latency_buckets[std::size(kLatencyBuckets)] = {};
  std::atomic<uint64_t> latency_count{0}, status_classes[6] = {};
  std::atomic<double> latency_sum{0};

  // API tokens found valid in the last seconds (a token revoked here is forgotten at once).
  TokenCache tokens{kTokenCacheMs};

  std::mutex throttle_mu;
  struct Failures {
    int count = 0;
    int64_t window_start = 0;
  };
  std::map<std::string, Failures> throttle;

  // --- authentication and audit ---------------------------------------------------------------

  // The caller, allowed `perm`, or nullopt with the error response written.
  std::optional<Principal> Authenticate(const httplib::Request& req, httplib::Response& res, Permission perm) {
    auto who = Identify(req, res);
    if (!who) return std::nullopt;
    if (!Allowed(who->role, perm)) {
      Problem(res, 403, "Forbidden", "the role " + who->role + " may not " + PermissionName(perm));
      return std::nullopt;
    }
    return who;
  }

  std::optional<Principal> Identify(const httplib::Request& req, httplib::Response& res) {
    std::string auth = req.get_header_value("Authorization");
    std::string secret;
    bool cookie = false;
    if (StartsWithIgnoreCase(auth, "Bearer ")) {
      secret = std::string(Trim(std::string_view(auth).substr(7)));
    } else if (!auth.empty()) {
      res.set_header("WWW-Authenticate", "Bearer");
      Problem(res, 401, "Unauthorized", "only Bearer tokens are accepted");
      return std::nullopt;
    } else {
      secret = CookieValue(req, kSessionCookie);
      cookie = true;
    }
    if (secret.empty()) {
      res.set_header("WWW-Authenticate", "Bearer");
      Problem(res, 401, "Unauthorized", "sign in, or send an API token as Authorization: Bearer TOKEN");
      return std::nullopt;
    }
    const std::string hash = Sha256Hex(secret);
    Principal p;
    if (!cookie) {
      const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch()).count();
      std::optional<store::TokenInfo> token = tokens.Get(hash, now_ms);
      if (!token) {
        auto t = store->FindToken(hash);
        if (!t) {
          StoreProblem(res, t.error());
          return std::nullopt;
        }
        if (*t) tokens.Put(hash, **t, now_ms);
        token = std::move(*t);
      }
      if (token) {
        p.org = token->org;
        p.role = token->role;
        p.actor = "token:" + std::to_string(token->id);
      }
    }
    if (p.org.empty()) {
      auto s = store->FindSession(hash, Now());
      if (!s) {
        StoreProblem(res, s.error());
        return std::nullopt;
      }
      if (!*s) {
        res.set_header("WWW-Authenticate", "Bearer error=\"invalid_token\"");
        Problem(res, 401, "Unauthorized", cookie ? "the session has ended; sign in again" : "unknown or revoked token");
        return std::nullopt;
      }
      // A cookie is sent by the browser whatever page asks; changes need a header that another
      // site's page cannot add without this server's consent (no CORS is granted).
      if (cookie && req.method != "GET" && req.method != "HEAD" && !req.has_header(kRequestHeader)) {
        Problem(res, 403, "Forbidden", std::string("changes made with the session cookie need the ") + kRequestHeader +
                                           " header");
        return std::nullopt;
      }
      p.org = (*s)->org;
      p.role = (*s)->role;
      p.user = (*s)->user;
      p.actor = "user:" + (*s)->user;
      p.session_hash = hash;
    }
    t_actor = p.actor;
    t_org = p.org;
    return p;
  }

  // Records an event; false (with 503 written) when the log cannot be written — reads of evidence
  // are then refused rather than left unrecorded.
  bool Audit(httplib::Response* res, const std::string& org, const std::string& actor, const std::string& action,
             const std::string& target, const std::string& detail = "") {
    store::AuditEvent e;
    e.org = org;
    e.actor = actor;
    e.action = action;
    e.target = target;
    e.detail = detail;
    auto r = store->AppendAudit(e);
    if (r) return true;
    ++audit_errors;
    log::Error("audit.error", {{"action", action}, {"detail", r.error().ToString()}});
    if (res) Problem(*res, 503, "Service Unavailable", "the audit log cannot be written");
    return false;
  }

  // --- sessions -------------------------------------------------------------------------------

  // Seconds until `key` may try again, or 0.
  int64_t Throttled(const std::string& key) {
    std::lock_guard<std::mutex> l(throttle_mu);
    auto it = throttle.find(key);
    if (it == throttle.end()) return 0;
    int64_t end = it->second.window_start + kSignInWindowSeconds;
    if (Now() >= end) {
      throttle.erase(it);
      return 0;
    }
    return it->second.count >= kMaxSignInFailures ? end - Now() : 0;
  }

  void CountFailure(const std::string& key) {
    std::lock_guard<std::mutex> l(throttle_mu);
    if (throttle.size() >= kMaxThrottleEntries) {
      for (auto it = throttle.begin(); it != throttle.end();)
        it = Now() >= it->second.window_start + kSignInWindowSeconds ? throttle.erase(it) : std::next(it);
      if (throttle.size() >= kMaxThrottleEntries) throttle.clear();
    }
    auto& f = throttle[key];
    if (f.count == 0 || Now() >= f.window_start + kSignInWindowSeconds) f = Failures{0, Now()};
    ++f.count;
  }

  void SignIn(const httplib::Request& req, httplib::Response& res) {
    auto body = JsonBody(req, res);
    if (!body) return;
    std::string name, password;
    if (!StringMember(*body, "user", &name) || !StringMember(*body, "password", &password) || name.empty() ||
        password.empty())
      return BadRequest(res, "give user and password");
    if (password.size() > service::kMaxPasswordLength) return BadRequest(res, "password too long");
    for (const std::string& key : {"user:" + name, "addr:" + req.remote_addr}) {
      if (int64_t wait = Throttled(key)) {
        res.set_header("Retry-After", std::to_string(wait));
        return Problem(res, 429, "Too Many Requests", "too many failed sign-ins; try again later");
      }
    }
    auto user = store->FindUser(name);
    if (!user) return StoreProblem(res, user.error());
    bool ok = false;
    if (*user) ok = service::VerifyPassword((*user)->password_hash, password) && !(*user)->disabled;
    else service::VerifyDummyPassword(password);
    if (!ok) {
      ++sign_in_failures;
      CountFailure("user:" + name);
      CountFailure("addr:" + req.remote_addr);
      Audit(nullptr, *user ? (*user)->org : "", "anonymous", "session.denied", name, "from " + req.remote_addr);
      return Problem(res, 401, "Unauthorized", "wrong user name or password");
    }
    std::string secret = service::NewSecret("lapis_s_");
    if (secret.empty()) return Problem(res, 503, "Service Unavailable", "no random bytes available");
    int64_t expires = Now() + opt.session_seconds;
    if (Status s = store->CreateSession(Sha256Hex(secret), (*user)->id, expires); !s.ok()) return StoreProblem(res, s);
    if (!Audit(&res, (*user)->org, "user:" + name, "session.create", name, "from " + req.remote_addr)) return;
    std::string cookie = std::string(kSessionCookie) + "=" + secret + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
                         std::to_string(opt.session_seconds);
    if (opt.secure_cookies) cookie += "; Secure";
    res.set_header("Set-Cookie", cookie);
    res.set_header("Cache-Control", "no-store");
    JsonWriter w;
    w.BeginObject().Key("user").String(name).Key("organisation").String((*user)->org);
    w.Key("role").String((*user)->role).Key("expires_at").String(FormatRfc3339(expires));
    // The token also works as a Bearer token, for scripts that sign in as a user.
    w.Key("token").String(secret).EndObject();
    Json(res, 201, w.str());
  }

  void WhoAmI(const httplib::Request& req, httplib::Response& res) {
    auto who = Identify(req, res);
    if (!who) return;
    JsonWriter w;
    w.BeginObject().Key("organisation").String(who->org).Key("role").String(who->role);
    w.Key("user").StringOrNull(who->user).Key("actor").String(who->actor);
    // What the organisation is in the network decides what it may share and receive.
    auto profile = coop->GetProfile(who->org);
    if (!profile) return StoreProblem(res, profile.error());
    w.Key("organisation_kind").String(profile->kind).Key("membership").String(profile->membership);
    w.Key("permissions").BeginArray();
    for (auto p : kAllPermissions)
      if (Allowed(who->role, p)) w.String(PermissionName(p));
    w.EndArray().EndObject();
    Json(res, 200, w.str());
  }

  void SignOut(const httplib::Request& req, httplib::Response& res) {
    auto who = Identify(req, res);
    if (!who) return;
    if (who->session_hash.empty()) return BadRequest(res, "an API token is not a session; revoke it instead");
    if (Status s = store->DeleteSession(who->session_hash); !s.ok()) return StoreProblem(res, s);
    Audit(nullptr, who->org, who->actor, "session.delete", who->user);
    res.set_header("Set-Cookie", std::string(kSessionCookie) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    res.status = 204;
  }

  // --- reports --------------------------------------------------------------------------------

  void PostReport(const httplib::Request& req, httplib::Response& res) {
    auto who = Authenticate(req, res, Permission::kSubmit);
    if (!who) return;
    struct Inflight {
      std::atomic<int>& n;
      ~Inflight() { --n; }
    } guard{inflight};
    if (++inflight > opt.max_inflight_submissions) {
      ++overload_rejections;
      res.set_header("Retry-After", "1");
      return Problem(res, 503, "Service Unavailable", "too many submissions at once; retry shortly");
    }
    if (int64_t depth = queue_depth.load(); depth >= opt.max_pending) {
      ++overload_rejections;
      res.set_header("Retry-After", "30");
      return Problem(res, 503, "Service Unavailable",
                     "analysis is behind (" + std::to_string(depth) + " reports waiting); retry later");
    }
    const std::string content_type = req.get_header_value("Content-Type");
    std::string type = ToLower(Trim(std::string_view(content_type).substr(0, content_type.find(';'))));
    if (req.body.empty()) return BadRequest(res, "the request has no body");
    std::string kind, bytes;
    if (type == "message/rfc822" || type == "message/global") {
      kind = "email";
      bytes = req.body;
    } else if (type == "application/json") {
      analysis::SmsReport sms;
      std::string err;
      if (Trim(req.body).find('\n') != std::string_view::npos) return BadRequest(res, "one SMS report per request");
      if (!analysis::ParseSmsLine(req.body, &sms, &err)) return BadRequest(res, "not an SMS report: " + err);
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
      log::Error("intake.error", {{"channel", "api"}, {"detail", r.error().ToString()}});
      res.set_header("Retry-After", "5");
      return Problem(res, 503, "Service Unavailable", "the report could not be stored: " + r.error().message());
    }
    ++received;
    if (r->new_report) {
      ++queue_depth;
      wake.notify_one();
    }
    JsonWriter w;
    w.BeginObject().Key("id").String(sha).Key("new_report").Bool(r->new_report).EndObject();
    res.set_header("Location", "/api/v1/reports/" + sha);
    Json(res, 202, w.str());
  }

  // The caller's report named by the first path parameter, or nullopt with the error written.
  std::optional<store::ReportRow> OwnReport(const Principal& who, const httplib::Request& req, httplib::Response& res) {
    std::string id = req.matches[1];
    if (!store::IsSha256Hex(id)) {
      NotFound(res, "no such report");
      return std::nullopt;
    }
    auto row = store->GetReport(who.org, id);
    if (!row) {
      StoreProblem(res, row.error());
      return std::nullopt;
    }
    if (!*row) NotFound(res, "no such report");
    return *row;
  }

  void GetReport(const httplib::Request& req, httplib::Response& res) {
    auto who = Authenticate(req, res, Permission::kReadReports);
    if (!who) return;
    auto row = OwnReport(*who, req, res);
    if (!row) return;
    bool personal = Allowed(who->role, Permission::kReadPersonalData);
    if (!Audit(&res, who->org, who->actor, "report.read", row->sha256, personal ? "with personal data" : "")) return;
    // Outcomes of the cases, referrals and requests the report went into.
    auto outcomes = coop::OutcomesOfReport(*coop, who->org, row->sha256);
    if (!outcomes) return StoreProblem(res, outcomes.error());
    nlohmann::json oc = nlohmann::json::array();
    for (const auto& o : *outcomes)
      oc.push_back({{"type", o.type}, {"id", o.id}, {"organisation", o.org}, {"kind", o.kind}, {"detail", o.detail},
                    {"at", o.at.empty() ? nlohmann::json(nullptr) : nlohmann::json(o.at)}});
    const std::string outcomes_json = oc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    // A report is its organisation's alone (TLP:AMBER+STRICT, audience "organisation") but for the
    // shares that carry it, each with its own marking and audience.
    auto shares = coop->LinkedAny("share", "report", who->org + "/" + row->sha256, 100);
    if (!shares) return StoreProblem(res, shares.error());
    nlohmann::json carried = nlohmann::json::array();
    for (int64_t id : *shares) {
      auto s = coop->GetAny(id);
      if (!s) return StoreProblem(res, s.error());
      if (!*s || (*s)->org != who->org || (*s)->status != "active") continue;
      carried.push_back({{"id", id}, {"title", (*s)->title}, {"tlp", coop::TlpName((*s)->tlp)},
                         {"audience", nlohmann::json::parse(coop::AudienceJson((*s)->audience))}});
    }
    const std::string sharing_json =
        nlohmann::json({{"organisation", who->org},
                        {"tlp", "AMBER+STRICT"},
                        {"audience", {{"kind", "organisation"}}},
                        {"shares", carried}})
            .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    JsonWriter w;
    ReportJson(w, *row, true, personal, nullptr, &outcomes_json, &sharing_json);
    Json(res, 200, w.str());
  }

  void GetRaw(const httplib::Request& req, httplib::Response& res) {
    auto who = Authenticate(req, res, Permission::kReadEvidence);
    if (!who) return;
    auto row = OwnReport(*who, req, res);
    if (!row) return;
    const std::string& id = row->sha256;
    auto bytes = intake->evidence().Get(id);
    if (!bytes) return Problem(res, 500, "Internal Server Error", "evidence unreadable: " + bytes.error().message());
    if (!Audit(&res, who->org, who->actor, "report.download", id)) return;
    res.set_header("Content-Disposition", "attachment; filename=\"" + id + (row->kind == "sms" ? ".json" : ".eml") + "\"");
    res.set_header("Digest", "sha-256=" + id);
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_content(*bytes, row->kind == "sms" ? "application/json" : "message/rfc822");
  }

  void ListReports(const httplib::Request& req, httplib::Response& res) {
    auto who = Authenticate(req, res, Permission::kReadReports);
    if (!who) return;
    if (req.has_param("organisation") && req.get_param_value("organisation") != who->org)
      return Problem(res, 403, "Forbidden", "you can list only your own organisation's reports");
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
        return BadRequest(res, "campaign must be a number");
      }
    }
    if (req.has_param("asn")) {
      std::string v = req.get_param_value("asn");
      if (StartsWithIgnoreCase(v, "AS")) v = v.substr(2);
      try {
        q.origin_asn = static_cast<uint32_t>(std::stoul(v));
      } catch (...) {
        return BadRequest(res, "asn must be a number");
      }
    }
    for (const char* t : kIndicatorTypes) {
      if (!req.has_param(t)) continue;
      if (!q.indicator_type.empty()) return BadRequest(res, "filter on one indicator at a time");
      q.indicator_type = t;
      q.indicator_value = req.get_param_value(t);
    }
    if (!ParseTimeRange(req, res, &q.since, &q.until)) return;
    q.cursor = req.get_param_value("cursor");
    if (!ParseLimit(req, res, 50, &q.limit)) return;
    const std::string with = req.get_param_value("with");
    if (!with.empty() && with != "origin") return BadRequest(res, "with takes the value origin");
    auto page = store->ListReports(q);
    if (!page) return StoreProblem(res, page.error());
    JsonWriter w;
    w.BeginObject().Key("items").BeginArray();
    for (const auto& r : page->rows) {
      if (with.empty()) {
        ReportJson(w, r, false, false);
        continue;
      }
      // The origin of each report (for a list that shows where each came from): one read by key.
      std::string origin = "null";
      if (r.status == "analysed") {
        auto full = store->GetReport(who->org, r.sha256);
        if (!full) return StoreProblem(res, full.error());
        if (*full) origin = OriginSummaryJson((*full)->analysis_json);
      }
      ReportJson(w, r, false, false, &origin);
    }
    w.EndArray();
    w.Key("next_cursor").StringOrNull(page->next_cursor);
    w.EndObject();
    Json(res, 200, w.str());
  }

  void LookupIndicator(const httplib::Request& req, httplib::Response& res) {
    auto who = Authenticate(req, res, Permission::kLookup);
    if (!who) return;
    std::string type = req.get_param_value("type"), value = req.get_param_value("value");
    bool known = false;
    for (const char* t : kIndicatorTypes) known = known || type == t;
    if (!known || value.empty())
      return BadRequest(res, "give type (ip, domain, host, url, email, phone, payment, attachment) and value");
    // Partners learn whether and when an indicator was seen, not which reports hold it.
    bool ids = Allowed(who->role, Permission::kReadReports);
    auto s = store->LookupIndicator(who->org, type, value, ids ? 50 : 0);
    if (!s) return StoreProblem(res, s.error());
    JsonWriter w;
    w.BeginObject().Key("type").String(type).Key("value").String(value).Key("reports").Int(s->reports);
    w.Key("first_seen");
    if (s->reports) w.String(FormatRfc3339(s->first_seen));
    else w.Null();
    w.Key("last_seen");
    if (s->reports) w.String(FormatRfc3339(s->last_seen));
    else w.Null();
    if (ids) {
      w.Key("report_ids").BeginArray();
      for (const auto& id : s->report_ids) w.String(id);
      w.EndArray();
    }
    w.EndObject();
    Json(res, 200, w.str());
  }

  // --- campaigns and aggregates ---------------------------------------------------------------

  static void FacetsJson(JsonWriter& w, const char* key, const std::vector<store::Facet>& facets) {
    w.Key(key).BeginArray();
    for (const auto& f : facets) w.BeginObject().Key("value").String(f.value).Key("reports").Int(f.count).EndObject();
    w.EndArray();
  }

  static void CampaignJson(JsonWriter& w, const store::CampaignRow& c, bool detail) {
    w.BeginObject().Key("id").Int(c.id).Key("reports").Int(c.reports);
    w.Key("first_seen").String(FormatRfc3339(c.first_seen)).Key("last_seen").String(FormatRfc3339(c.last_seen));
    if (detail) {
      FacetsJson(w, "categories", c.categories);
      FacetsJson(w, "origin_countries", c.origin_countries);
      FacetsJson(w, "origin_asns", c.origin_asns);
      w.Key("top_indicators").BeginArray();
      for (const auto& i : c.top_indicators)
        w.BeginObject().Key("type").String(i.type).Key("value").String(i.value).Key("reports").Int(i.count).EndObject();
      w.EndArray();
      w.Key("reports_url").String("/api/v1/reports?campaign=" + std::to_string(c.id));
    }
    w.EndObject();
  }

  void ListCampaigns(const httplib::Request& req, httplib::Response& res) {
    auto who = Authenticate(req, res, Permission::kReadReports);
    if (!who) return;
    size_t limit = 50;
    if (!ParseLimit(req, res, 50, &limit)) return;
    auto list = store->ListCampaigns(who->org, limit, 0);
    if (!list) return StoreProblem(res, list.error());
    JsonWriter w;
    w.BeginObject().Key("items").BeginArray();
    for (const auto& c : *list) CampaignJson(w, c, false);
    w.EndArray().EndObject();
    Json(res, 200, w.str());
  }

  void GetCampaign(const httplib::Request& req, httplib::Response& res) {
    auto who = Authenticate(req, res, Permission::kReadReports);
    if (!who) return;
    int64_t id = 0;
    try {
      id = std::stoll(std::string(req.matches[1]));
    } catch (...) {
      return NotFound(res, "no such campaign");
    }
    auto c = store->GetCampaign(who->org, id);
    if (!c) return StoreProblem(res, c.error());
    if (!*c) return NotFound(res, "no such campaign");
    JsonWriter w;
    CampaignJson(w, **c, true);
    Json(res, 200, w.str());
  }

  void Stats(const httplib::Request& req, httplib::Response& res) {
    auto who = Authenticate(req, res, Permission::kLookup);
    if (!who) return;
    store::AggregateQuery q;
    q.org = who->org;
    q.dimension = req.has_param("dimension") ? req.get_param_value("dimension") : "total";
    if (q.dimension != "total" && q.dimension != "category" && q.dimension != "origin_country" &&
        q.dimension != "origin_asn" && q.dimension != "domain")
      return BadRequest(res, "dimension is one of total, category, origin_country, origin_asn, domain");
    std::string by = req.get_param_value("by");
    if (!by.empty() && by != "day") return BadRequest(res, "by takes the value day");
    q.by_day = by == "day";
    if (!ParseTimeRange(req, res, &q.since, &q.until)) return;
    if (!ParseLimit(req, res, 20, &q.limit)) return;
    auto rows = store->Aggregate(q);
    if (!rows) return StoreProblem(res, rows.error());
    JsonWriter w;
    w.BeginObject().Key("dimension").String(q.dimension).Key("items").BeginArray();
    for (const auto& r : *rows) {
      w.BeginObject();
      if (q.by_day) w.Key("day").String(FormatRfc3339(r.day).substr(0, 10));
      w.Key("value").String(r.value).Key("reports").Int(r.count).EndObject();
    }
    w.EndArray().EndObject();
    Json(res, 200, w.str());
  }

  // --- administration -------------------------------------------------------------------------

  static void UserJson(JsonWriter& w, const store::User& u) {
    w.BeginObject().Key("name").String(u.name).Key("role").String(u.role).Key("disabled").Bool(u.disabled);
    w.Key("created_at").String(FormatRfc3339(u.created_at)).EndObject();
  }

  void ListUsers(const httplib::Request& req, httplib::Response& res) {
    auto who = Authenticate(req, res, Permission::kManageUsers);
    if (!who) return;
    auto users = store->ListUsers(who->org);
    if (!users) return StoreProblem(res, users.error());
    JsonWriter w;
    w.BeginObject().Key("items").BeginArray();
    for (const auto& u : *users) UserJson(w, u);
    w.EndArray().EndObject();
    Json(res, 200, w.str());
  }

  void CreateUser(const httplib::Request& req, httplib::Response& res) {
    auto who = Authenticate(req, res, Permission::kManageUsers);
    if (!who) return;
    auto body = JsonBody(req, res);
    if (!body) return;
    std::string name, role, password;
    if (!StringMember(*body, "name", &name) || !StringMember(*body, "role", &role) ||
        !StringMember(*body, "password", &password))
      return BadRequest(res, "name, role and password are strings");
    if (!ValidUserName(name)) return BadRequest(res, "a user name is 1 to 64 characters: letters, digits, . _ @ -");
    if (!store::IsRole(role)) return BadRequest(res, "role is one of admin, coordinator, analyst, partner, reporter");
    bool generated = password.empty();
    if (generated) password = service::NewPassword();
    if (Status s = service::CheckNewPassword(password); !s.ok()) return BadRequest(res, s.message());
    auto hash = service::HashPassword(password);
    if (!hash) return StoreProblem(res, hash.error());
    auto id = store->CreateUser(who->org, name, role, *hash);
    if (!id) return StoreProblem(res, id.error());
    Audit(nullptr, who->org, who->actor, "user.create", name, "role " + role);
    JsonWriter w;
    w.BeginObject().Key("name").String(name).Key("role").String(role).Key("organisation").String(who->org);
    if (generated) w.Key("password").String(password);
    w.EndObject();
    res.set_header("Cache-Control", "no-store");
    Json(res, 201, w.str());
  }

  static bool ValidUserName(const std::string& n) {
    if (n.empty() || n.size() > 64) return false;
    for (char c : n)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '@' && c != '-') return false;
    return true;
  }

  void UpdateUser(const httplib::Request& req, httplib::Response& res) {
    auto who = Identify(req, res);
    if (!who) return;
    const std::string name = req.matches[1];
    auto body = JsonBody(req, res);
    if (!body) return;
    bool admin = Allowed(who->role, Permission::kManageUsers);
    bool self = !who->user.empty() && who->user == name;
    store::UserChange change;
    std::string role, password, current;
    if (!StringMember(*body, "role", &role) || !StringMember(*body, "password", &password) ||
        !StringMember(*body, "current_password", &current))
      return BadRequest(res, "role, password and current_password are strings");
    if (body->contains("disabled")) {
      if (!(*body)["disabled"].is_boolean()) return BadRequest(res, "disabled is true or false");
      change.disabled = (*body)["disabled"].get<bool>();
    }
    if (!role.empty()) {
      if (!store::IsRole(role)) return BadRequest(res, "role is one of admin, coordinator, analyst, partner, reporter");
      change.role = role;
    }
    if (!password.empty()) {
      if (Status s = service::CheckNewPassword(password); !s.ok()) return BadRequest(res, s.message());
      auto hash = service::HashPassword(password);
      if (!hash) return StoreProblem(res, hash.error());
      change.password_hash = *hash;
    }
    if (!admin) {
      // Anyone may change their own password, proving they know the current one.
      if (!self || change.role || change.disabled || !change.password_hash)
        return Problem(res, 403, "Forbidden", "the role " + who->role + " may only change its own password");
      auto me = store->FindUser(name);
      if (!me) return StoreProblem(res, me.error());
      if (!*me || !service::VerifyPassword((*me)->password_hash, current))
        return Problem(res, 403, "Forbidden", "current_password is wrong");
    }
    if (admin && ((change.role && *change.role != "admin") || (change.disabled && *change.disabled))) {
      if (Status s = KeepAnAdmin(who->org, name); !s.ok()) return StoreProblem(res, s);
    }
    if (Status s = store->UpdateUser(who->org, name, change); !s.ok()) return StoreProblem(res, s);
    std::string what;
    if (change.role) what += "role " + *change.role + "; ";
    if (change.disabled) what += *change.disabled ? "disabled; " : "enabled; ";
    if (change.password_hash) what += "password changed; ";
    Audit(nullptr, who->org, who->actor, "user.update", name, what);
    auto user = store->FindUser(name);
    if (!user) return StoreProblem(res, user.error());
    if (!*user) return NotFound(res, "no user " + name);
    JsonWriter w;
    UserJson(w, **user);
    Json(res, 200, w.str());
  }

  // PermissionDenied when taking away `name`'s administration would leave none in `org`.
  Status KeepAnAdmin(const std::string& org, const std::string& name) {
    auto users = store->ListUsers(org);
    if (!users) return users.error();
    for (const auto& u : *users)
      if (u.name != name && u.role == "admin" && !u.disabled) return Status::Ok();
    return Status::PermissionDenied("the organisation would have no administrator left");
  }

  void ListTokens(const httplib::Request& req, httplib::Response& res) {
    auto who = Authenticate(req, res, Permission::kManageUsers);
    if (!who) return;
    auto tokens = store->ListTokens(who->org);
    if (!tokens) return StoreProblem(res, tokens.error());
    JsonWriter w;
    w.BeginObject().Key("items").BeginArray();
    for (const auto& t : *tokens) {
      w.BeginObject().Key("id").Int(t.id).Key("role").String(t.role).Key("label").String(t.label);
      w.Key("created_at").String(FormatRfc3339(t.created_at)).EndObject();
    }
    w.EndArray().EndObject();
    Json(res, 200, w.str());
  }

  void CreateToken(const httplib::Request& req, httplib::Response& res) {
    auto who = Authenticate(req, res, Permission::kManageUsers);
    if (!who) return;
    auto body = JsonBody(req, res);
    if (!body) return;
    std::string role, label;
    if (!StringMember(*body, "role", &role) || !StringMember(*body, "label", &label))
      return BadRequest(res, "role and label are strings");
    if (!store::IsRole(role)) return BadRequest(res, "role is one of admin, coordinator, analyst, partner, reporter");
    if (label.size() > 200) return BadRequest(res, "label is at most 200 characters");
    std::string token = NewToken();
    if (token.empty()) return Problem(res, 503, "Service Unavailable", "no random bytes available");
    auto id = store->AddToken(who->org, role, Sha256Hex(token), label);
    if (!id) return StoreProblem(res, id.error());
    Audit(nullptr, who->org, who->actor, "token.create", std::to_string(*id), "role " + role);
    JsonWriter w;
    w.BeginObject().Key("id").Int(*id).Key("token").String(token).Key("role").String(role);
    w.Key("label").String(label).EndObject();
    res.set_header("Cache-Control", "no-store");
    Json(res, 201, w.str());
  }

  void RevokeToken(const httplib::Request& req, httplib::Response& res) {
    auto who = Authenticate(req, res, Permission::kManageUsers);
    if (!who) return;
    int64_t id = 0;
    try {
      id = std::stoll(std::string(req.matches[1]));
    } catch (...) {
      return NotFound(res, "no such token");
    }
    if (Status s = store->RevokeToken(who->org, id); !s.ok()) return StoreProblem(res, s);
    tokens.Clear();  // it stops working now, not when its cache entry would run out
    Audit(nullptr, who->org, who->actor, "token.revoke", std::to_string(id));
    res.status = 204;
  }

  void ListAudit(const httplib::Request& req, httplib::Response& res) {
    auto who = Authenticate(req, res, Permission::kReadAudit);
    if (!who) return;
    size_t limit = 100;
    if (!ParseLimit(req, res, 100, &limit)) return;
    int64_t before = 0;
    if (req.has_param("before")) {
      try {
        before = std::stoll(req.get_param_value("before"));
      } catch (...) {
        return BadRequest(res, "before must be a number");
      }
    }
    auto events = store->ListAudit(who->org, before, limit + 1);
    if (!events) return StoreProblem(res, events.error());
    bool more = events->size() > limit;
    if (more) events->pop_back();
    JsonWriter w;
    w.BeginObject().Key("items").BeginArray();
    for (const auto& e : *events) {
      w.BeginObject().Key("seq").Int(e.seq).Key("at").String(FormatRfc3339(e.at)).Key("actor").String(e.actor);
      w.Key("action").String(e.action).Key("target").String(e.target).Key("detail").String(e.detail);
      w.Key("hash").String(e.hash).EndObject();
    }
    w.EndArray().Key("next_before");
    if (more) w.Int(events->back().seq);
    else w.Null();
    w.EndObject();
    Json(res, 200, w.str());
  }

  // --- the web application --------------------------------------------------------------------

  void WebPage(const httplib::Request& req, httplib::Response& res) {
    const WebFile* f = opt.web ? opt.web->Find(req.path) : nullptr;
    if (!f) return NotFound(res, "no such page");
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Referrer-Policy", "no-referrer");
    res.set_header("Content-Security-Policy", kWebContentSecurityPolicy);
    res.set_header("Cross-Origin-Opener-Policy", "same-origin");
    res.set_header("ETag", f->etag);
    // Hashed assets never change under their name; the page that names them is checked each time.
    res.set_header("Cache-Control", f->immutable ? "public, max-age=31536000, immutable" : "no-cache");
    if (req.get_header_value("If-None-Match") == f->etag) {
      res.status = 304;
      return;
    }
    res.set_content(f->body, f->content_type);
  }

  // --- operations -----------------------------------------------------------------------------

  void Metrics(const httplib::Request&, httplib::Response& res) {
    std::string out;
    auto metric = [&](const char* name, const char* type, const char* help, const std::string& value) {
      out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" + name + " " + value + "\n";
    };
    metric("lapis_reports_received_total", "counter", "Complaints acknowledged through the API.",
           std::to_string(received.load()));
    metric("lapis_reports_analysed_total", "counter", "Reports analysed by this server.", std::to_string(analysed.load()));
    metric("lapis_analysis_failures_total", "counter", "Analyses that failed (the reports are kept and retried).",
           std::to_string(failed.load()));
    metric("lapis_intake_errors_total", "counter", "Complaints that could not be stored (not acknowledged).",
           std::to_string(intake_errors.load()));
    metric("lapis_overload_rejections_total", "counter", "Submissions answered 503 because the node was overloaded.",
           std::to_string(overload_rejections.load()));
    metric("lapis_audit_errors_total", "counter", "Audit log entries that could not be written.",
           std::to_string(audit_errors.load()));
    metric("lapis_intake_commits_total", "counter",
           "Commits that made submissions durable (several concurrent submissions share one).",
           std::to_string(intake->group_commits()));
    metric("lapis_intake_committed_total", "counter", "Submissions made durable by those commits.",
           std::to_string(intake->group_committed()));
    metric("lapis_analysis_cpu_seconds_total", "counter", "CPU time spent analysing reports (all analysis threads).",
           std::to_string(intake->analysis_cpu_ns() / 1e9));
    metric("lapis_analysis_save_cpu_seconds_total", "counter", "CPU time spent saving analyses to the store.",
           std::to_string(intake->save_cpu_ns() / 1e9));
    metric("lapis_sign_in_failures_total", "counter", "Failed sign-ins.", std::to_string(sign_in_failures.load()));
    metric("lapis_analysis_queue_depth", "gauge", "Reports waiting for analysis.", std::to_string(queue_depth.load()));
    metric("lapis_analysis_batch_seconds", "gauge", "Time of the last analysis batch.",
           std::to_string(last_batch_seconds.load()));
    metric("lapis_analysis_seconds_total", "counter", "Time spent analysing reports.",
           std::to_string(analysis_seconds_sum.load()));
    out += "# HELP lapis_http_request_duration_seconds Time to answer an HTTP request.\n";
    out += "# TYPE lapis_http_request_duration_seconds histogram\n";
    uint64_t cumulative = 0;
    for (size_t i = 0; i < std::size(kLatencyBuckets); ++i) {
      cumulative += latency_buckets[i].load();
      char le[32];
      std::snprintf(le, sizeof le, "%g", kLatencyBuckets[i]);
      out += "lapis_http_request_duration_seconds_bucket{le=\"" + std::string(le) + "\"} " + std::to_string(cumulative) + "\n";
    }
    out += "lapis_http_request_duration_seconds_bucket{le=\"+Inf\"} " + std::to_string(latency_count.load()) + "\n";
    out += "lapis_http_request_duration_seconds_sum " + std::to_string(latency_sum.load()) + "\n";
    out += "lapis_http_request_duration_seconds_count " + std::to_string(latency_count.load()) + "\n";
    out += "# HELP lapis_http_responses_total HTTP responses by status class.\n";
    out += "# TYPE lapis_http_responses_total counter\n";
    for (int c = 1; c <= 5; ++c)
      out += "lapis_http_responses_total{code=\"" + std::to_string(c) + "xx\"} " + std::to_string(status_classes[c].load()) + "\n";
    if (opt.extra_metrics) out += opt.extra_metrics();
    res.set_content(out, "text/plain; version=0.0.4");
  }

  void AccessLog(const httplib::Request& req, const httplib::Response& res) {
    double seconds = std::chrono::duration<double>(Clock::now() - t_request_start).count();
    size_t bucket = 0;
    while (bucket < std::size(kLatencyBuckets) && seconds > kLatencyBuckets[bucket]) ++bucket;
    if (bucket < std::size(kLatencyBuckets)) ++latency_buckets[bucket];
    ++latency_count;
    latency_sum.fetch_add(seconds);
    if (res.status >= 100 && res.status < 600) ++status_classes[res.status / 100];
    if (req.path == "/metrics") return;
    // The path only: query strings can hold what an analyst searched for.
    log::Info("http.request", {{"method", req.method},
                               {"path", req.path},
                               {"status", res.status},
                               {"ms", static_cast<int64_t>(seconds * 1000)},
                               {"bytes", static_cast<int64_t>(res.body.size())},
                               {"remote", req.remote_addr},
                               {"org", t_org},
                               {"actor", t_actor}});
  }

  // Decides the applications whose objection period has ended, every second.
  void ChoresLoop() {
    NameThread("lapis-chores");
    std::unique_lock<std::mutex> l(mu);
    while (!stopping) {
      l.unlock();
      auto n = coop::DecideApplications(*coop, Now());
      if (!n) log::Error("membership.error", {{"detail", n.error().ToString()}});
      else if (*n) log::Info("membership.decided", {{"applications", static_cast<int64_t>(*n)}});
      l.lock();
      if (stopping) break;
      chores_cv.wait_for(l, std::chrono::seconds(1));
    }
  }

  // Analyses waiting reports; each batch is saved on another thread while the next is analysed.
  void AnalysisLoop() {
    NameThread("lapis-analysis");
    auto t0 = Clock::now();
    // The exact queue depth costs a count of every waiting report, too much to take after every
    // batch when a million wait: between counts the depth is kept up to date by what is received
    // and analysed, and counted again at most every 10 s (less often while a count is slow).
    auto counted = Clock::now();
    double count_seconds = 0;
    auto recount = [&] {
      auto c0 = Clock::now();
      if (auto n = store->CountPending()) queue_depth = *n;
      counted = Clock::now();
      count_seconds = std::chrono::duration<double>(counted - c0).count();
    };
    auto count = [&](const service::AnalyzeStats& st) {
      if (st.analysed + st.failed == 0) return;
      analysed += st.analysed;
      failed += st.failed;
      double s = std::chrono::duration<double>(Clock::now() - t0).count();
      t0 = Clock::now();
      last_batch_seconds = s;
      analysis_seconds_sum.fetch_add(s);
      if (st.failed) log::Warn("analysis.failures", {{"failed", static_cast<int64_t>(st.failed)}});
      int64_t left = queue_depth.load() - static_cast<int64_t>(st.analysed);
      queue_depth = std::max<int64_t>(0, left);
    };
    while (true) {
      auto st = intake->AnalyzePendingOverlapped(kAnalysisBatch, opt.analysis_jobs);
      if (!st) log::Error("analysis.error", {{"detail", st.error().ToString()}});
      if (st) count(st->saved);
      bool idle = !st || st->started == 0;
      if (idle) {
        // Nothing new: finish the last save before waiting.
        auto last = intake->FlushAnalysis();
        if (!last) log::Error("analysis.error", {{"detail", last.error().ToString()}});
        else count(*last);
        recount();
        t0 = Clock::now();
      } else if (std::chrono::duration<double>(Clock::now() - counted).count() > std::max(10.0, 50 * count_seconds)) {
        recount();
      }
      std::unique_lock<std::mutex> l(mu);
      if (stopping) break;
      if (idle) wake.wait_for(l, kIdleAnalysisWait);
      else if (st->started < kAnalysisBatch)  // keeping up: let a batch gather (see kAnalysisGather)
        wake.wait_for(l, kAnalysisGather, [&] { return stopping; });
      if (stopping) break;
    }
    auto last = intake->FlushAnalysis();
    if (last) count(*last);
  }
};

Server::Server(store::Store* store, service::Intake* intake, ServerOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->store = store;
  impl_->intake = intake;
  impl_->opt = options;
  auto& http = impl_->http;
  Impl* p = impl_.get();
  const size_t threads = static_cast<size_t>(std::max(2, options.http_threads));
  http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // Responses go out in several writes; without TCP_NODELAY, Nagle's algorithm and delayed ACKs
  // add ~40 ms to every request on a keep-alive connection.
  http.set_tcp_nodelay(true);
  http.set_payload_max_length(kMaxRequestBody);
  http.set_read_timeout(30);
  // A client that sends many reports (a partner's script, a mail relay, a bulk import) keeps its
  // connection: httplib's default closes it after 5 requests, and every new connection costs a
  // TCP handshake, a hand-over to the thread pool and a thread's wake-up. 1,000 as in nginx.
  http.set_keep_alive_max_count(1000);
  using Handler = void (Impl::*)(const httplib::Request&, httplib::Response&);
  auto route = [p](Handler h) {
    return [p, h](const httplib::Request& q, httplib::Response& r) { (p->*h)(q, r); };
  };
  http.Post("/api/v1/reports", route(&Impl::PostReport));
  http.Get("/api/v1/reports", route(&Impl::ListReports));
  http.Get(R"(/api/v1/reports/([^/]+))", route(&Impl::GetReport));
  http.Get(R"(/api/v1/reports/([^/]+)/raw)", route(&Impl::GetRaw));
  http.Get("/api/v1/indicators", route(&Impl::LookupIndicator));
  http.Get("/api/v1/campaigns", route(&Impl::ListCampaigns));
  http.Get(R"(/api/v1/campaigns/([^/]+))", route(&Impl::GetCampaign));
  http.Get("/api/v1/stats", route(&Impl::Stats));
  http.Post("/api/v1/session", route(&Impl::SignIn));
  http.Get("/api/v1/session", route(&Impl::WhoAmI));
  http.Delete("/api/v1/session", route(&Impl::SignOut));
  http.Get("/api/v1/users", route(&Impl::ListUsers));
  http.Post("/api/v1/users", route(&Impl::CreateUser));
  http.Patch(R"(/api/v1/users/([^/]+))", route(&Impl::UpdateUser));
  http.Get("/api/v1/tokens", route(&Impl::ListTokens));
  http.Post("/api/v1/tokens", route(&Impl::CreateToken));
  http.Delete(R"(/api/v1/tokens/([^/]+))", route(&Impl::RevokeToken));
  http.Get("/api/v1/audit", route(&Impl::ListAudit));
  http.Get("/metrics", route(&Impl::Metrics));
  p->coop = std::make_unique<coop::Coop>(*store);
  // Steps taken here on referrals and requests whose other side is on another node go there.
  if (options.federation) {
    federation::Federation* fed = options.federation;
    p->coop->SetObserver(federation::FlowObserver(fed), [fed] { fed->Kick(); });
  }
  CoopEnv env;
  env.coop = p->coop.get();
  env.evidence = &intake->evidence();
  env.node_key = options.node_key;
  env.authenticate = [p](const httplib::Request& q, httplib::Response& r, Permission perm) {
    return p->Authenticate(q, r, perm);
  };
  env.audit = [p](httplib::Response* r, const std::string& org, const std::string& actor, const std::string& action,
                  const std::string& target, const std::string& detail) {
    return p->Audit(r, org, actor, action, target, detail);
  };
  env.objection_seconds = options.objection_seconds;
  RegisterCoopRoutes(http, env);
  RegisterWorkflowRoutes(http, env);
  RegisterShareRoutes(http, env);
  RegisterFederationRoutes(http, env, options.federation, &store->Sql());
  http.Get("/api/v1/openapi.json", [](const httplib::Request&, httplib::Response& r) {
    r.set_content(OpenApiDocument(), "application/json");
  });
  // Last: every other path outside /api is the web application (or 404 without one).
  http.Get(R"(/(?!api(/|$)).*)", route(&Impl::WebPage));
  http.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
    t_request_start = Clock::now();
    t_actor.clear();
    t_org.clear();
    return httplib::Server::HandlerResponse::Unhandled;
  });
  http.set_logger([p](const httplib::Request& q, const httplib::Response& r) { p->AccessLog(q, r); });
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
    if (auto n = impl_->store->CountPending()) impl_->queue_depth = *n;
    // With no analysis threads the node only takes reports in; they wait for a node that analyses.
    if (impl_->opt.analysis_jobs > 0) impl_->worker = std::thread([p = impl_.get()] { p->AnalysisLoop(); });
    impl_->chores = std::thread([p = impl_.get()] { p->ChoresLoop(); });
  }
  impl_->http.listen_after_bind();
  Stop();
}

void Server::Wake() { impl_->wake.notify_one(); }

void Server::Stop() {
  std::thread worker, chores;
  {
    std::lock_guard<std::mutex> l(impl_->mu);
    impl_->stopping = true;
    worker = std::move(impl_->worker);  // exactly one caller joins them
    chores = std::move(impl_->chores);
  }
  impl_->wake.notify_all();
  impl_->chores_cv.notify_all();
  impl_->http.stop();
  if (worker.joinable()) worker.join();
  if (chores.joinable()) chores.join();
}

}  // namespace lapis::api
