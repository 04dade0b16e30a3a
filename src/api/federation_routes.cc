// Organisations' messages across the network and the node's federation status (docs/api.md,
// "Federation"; docs/federation.md).
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "api/coop_routes.h"
#include "common/strings.h"
#include "federation/flows.h"
#include "federation/messages.h"
#include "federation/replication.h"

namespace lapis::api {
namespace {

using json = nlohmann::json;

bool Available(federation::Federation* fed, httplib::Response& res) {
  if (fed) return true;
  Problem(res, 503, "Service Unavailable", "federation is not running on this node");
  return false;
}

json MessageJson(const federation::OrgMessage& m) {
  json j = {{"id", m.id},
            {"conversation", m.conversation},
            {"direction", m.direction},
            {"org", m.org},
            {m.direction == "out" ? "to" : "from", m.peer_org},
            {"subject", m.subject},
            {"text", m.text},
            {"actor", m.actor},
            {"sent_at", m.at},
            {"node", m.node.empty() ? json(nullptr) : json(m.node)},
            {"delivery", m.delivery}};
  if (!m.delivery_error.empty()) j["delivery_error"] = m.delivery_error;
  return j;
}

json MirrorJson(const federation::Mirror& m) {
  return {{"origin_node", m.origin_node},
          {"origin_id", m.origin_id},
          {"type", m.type},
          {"organisation", m.org},
          {"title", m.title},
          {"status", m.status},
          {"tlp", m.tlp},
          {"audience", json::parse(m.audience_json, nullptr, false)},
          {"data", json::parse(m.data_json, nullptr, false)},
          {"version", m.version},
          {"updated_at", m.updated_at},
          {"received_at", m.received_at},
          {"reports_held", m.reports}};
}

}  // namespace

void RegisterFederationRoutes(httplib::Server& http, const CoopEnv& env, federation::Federation* fed,
                              store::SqlDb* db) {
  http.Post("/api/v1/federation/messages", [env, fed, db](const httplib::Request& req, httplib::Response& res) {
    auto who = env.authenticate(req, res, Permission::kCooperate);
    if (!who || !Available(fed, res)) return;
    auto body = JsonBody(req, res);
    if (!body) return;
    std::string to, conversation, subject, text;
    if (!StringMember(*body, "to", &to) || !StringMember(*body, "conversation", &conversation) ||
        !StringMember(*body, "subject", &subject) || !StringMember(*body, "text", &text))
      return BadRequest(res, "to, conversation, subject and text are strings");
    auto sent = federation::SendOrgMessage(*db, *fed, who->org, to, conversation, subject, text, who->actor);
    if (!sent) return StoreProblem(res, sent.error());
    if (!env.audit(&res, who->org, who->actor, "federation.message", sent->id,
                   "to " + to + (sent->to_node.empty() ? "" : " on node " + sent->to_node)))
      return;
    Json(res, 202,
         json{{"id", sent->id},
              {"conversation", sent->conversation},
              {"to_node", sent->to_node.empty() ? json(nullptr) : json(sent->to_node)},
              {"seq", sent->seq},
              {"delivery", sent->to_node.empty() ? "local" : "queued"}}
             .dump());
  });
  http.Get("/api/v1/federation/messages", [env, fed, db](const httplib::Request& req, httplib::Response& res) {
    auto who = env.authenticate(req, res, Permission::kCooperate);
    if (!who || !Available(fed, res)) return;
    size_t limit = 0;
    if (!ParseLimit(req, res, 100, &limit)) return;
    const std::string conv = req.has_param("conversation") ? req.get_param_value("conversation") : "";
    int64_t before = 0;
    if (req.has_param("cursor")) {
      const std::string c = req.get_param_value("cursor");
      if (c.empty() || c.size() > 18 || c.find_first_not_of("0123456789") != std::string::npos)
        return BadRequest(res, "cursor is the next_cursor of the previous page");
      before = std::stoll(c);
    }
    auto list = federation::ListOrgMessages(*db, who->org, conv, limit + 1, before);
    if (!list) return StoreProblem(res, list.error());
    json items = json::array(), page = json::object();
    for (size_t i = 0; i < list->size() && i < limit; ++i) items.push_back(MessageJson((*list)[i]));
    page["items"] = items;
    if (list->size() > limit) page["next_cursor"] = std::to_string((*list)[limit - 1].row);
    Json(res, 200, page.dump());
  });
  // Shares (and, with type=case, cases) made on other nodes for the caller's organisation:
  // read-only copies their node keeps up to date (withdrawn ones stay, without their reports).
  http.Get("/api/v1/federation/shares", [env, fed, db](const httplib::Request& req, httplib::Response& res) {
    auto who = env.authenticate(req, res, Permission::kCooperate);
    if (!who || !Available(fed, res)) return;
    size_t limit = 0;
    if (!ParseLimit(req, res, 100, &limit)) return;
    const std::string type = req.has_param("type") ? req.get_param_value("type") : "share";
    if (type != "share" && type != "case" && type != "application")
      return BadRequest(res, "type is share, case or application");
    auto list = federation::ListMirrors(*db, who->org, type, limit);
    if (!list) return StoreProblem(res, list.error());
    json items = json::array();
    for (const auto& m : *list) items.push_back(MirrorJson(m));
    Json(res, 200, json{{"items", items}}.dump());
  });
  http.Get(R"(/api/v1/federation/shares/([a-z0-9-]+)/([0-9]{1,18}))",
           [env, fed, db](const httplib::Request& req, httplib::Response& res) {
             auto who = env.authenticate(req, res, Permission::kCooperate);
             if (!who || !Available(fed, res)) return;
             auto m = federation::GetMirror(*db, who->org, req.matches[1].str(), std::stoll(req.matches[2].str()));
             if (!m) return StoreProblem(res, m.error());
             if (!*m) return NotFound(res, "no share " + req.matches[1].str() + "/" + req.matches[2].str());
             if (!env.audit(&res, who->org, who->actor, "federation.share.read",
                            req.matches[1].str() + "/" + req.matches[2].str(), ""))
               return;
             json j = MirrorJson((*m)->first);
             json reports = json::array();
             for (const auto& b : (*m)->second) reports.push_back(json::parse(b, nullptr, false));
             j["reports"] = reports;
             Json(res, 200, j.dump());
           });
  // A member agency here objects to an application another node holds (its copy is listed with
  // type=application); the objection travels there and counts as one made on that node.
  http.Post(R"(/api/v1/federation/applications/([a-z0-9-]+)/([0-9]{1,18})/objections)",
            [env, fed, db](const httplib::Request& req, httplib::Response& res) {
              auto who = env.authenticate(req, res, Permission::kManageDirectory);
              if (!who || !Available(fed, res)) return;
              auto v = env.coop->ViewerFor(who->org, who->role, who->actor);
              if (!v) return StoreProblem(res, v.error());
              if (!v->agency || !v->member)
                return Problem(res, 403, "Forbidden", "member agencies object to applications");
              auto body = JsonBody(req, res);
              if (!body) return;
              std::string reason;
              if (!StringMember(*body, "reason", &reason) || reason.empty())
                return BadRequest(res, "reason is required");
              const std::string node = req.matches[1].str();
              const int64_t id = std::stoll(req.matches[2].str());
              auto m = federation::GetMirror(*db, who->org, node, id);
              if (!m) return StoreProblem(res, m.error());
              if (!*m || (*m)->first.type != "application")
                return NotFound(res, "no application " + node + "/" + std::to_string(id));
              if ((*m)->first.status != "open")
                return BadRequest(res, "the application was decided: " + (*m)->first.status);
              auto sent = federation::SendObjection(*db, *fed, who->org, who->actor, node, id,
                                                    SanitizeUtf8(reason));
              if (!sent) return StoreProblem(res, sent.error());
              if (!env.audit(&res, who->org, who->actor, "membership.object", node + "/" + std::to_string(id),
                             reason))
                return;
              Json(res, 202, json{{"id", *sent}, {"to_node", node}}.dump());
            });
  http.Get("/api/v1/federation/status", [env, fed, db](const httplib::Request& req, httplib::Response& res) {
    auto who = env.authenticate(req, res, Permission::kOperateNode);
    if (!who || !Available(fed, res)) return;
    auto roster = fed->CurrentRoster();
    auto s = federation::StatusJson(*db, roster.get(), fed->Name());
    if (!s) return StoreProblem(res, s.error());
    json j = json::parse(*s);
    j["sign_key"] = fed->key().PublicHex();
    j["tls_key"] = fed->tls().spki_sha256;
    j["secretariat"] = fed->IsSecretariat();
    Json(res, 200, j.dump());
  });
}

}  // namespace lapis::api
