// Sharing reports, campaigns and indicators with other organisations (docs/cooperation.md,
// "Sharing"): a share names what is shared, its TLP marking and its audience. What the audience
// sees: the reports' analyses (never the complainants' personal data, nor the raw messages that
// name the recipients, unless an agreement cited by the share entitles the viewer), the
// indicators' sightings, counts, and a CSV export.
#include <algorithm>
#include <set>

#include "api/coop_common.h"
#include "common/strings.h"
#include "coop/cases.h"
#include "coop/workflow.h"

namespace lapis::api {
namespace {

using coop::Object;
using coop::Viewer;
using namespace coopapi;

class Shares : public CoopBase {
 public:
  using CoopBase::CoopBase;

  // Whether the viewer may have the complainants' personal data and the raw messages of the
  // share's reports: the owner's users allowed to read personal data, or a party to the
  // agreement the share cites when it allows personal data.
  bool Entitled(const Principal& who, const Viewer& v, const Object& s) {
    if (s.org == who.org) return Allowed(who.role, Permission::kReadPersonalData);
    json d = ParseObject(s.data_json);
    if (!d.contains("agreement") || !d["agreement"].is_object()) return false;
    auto a = env_.coop->Get(v, d["agreement"].value("id", int64_t{0}), "agreement");
    if (!a || !*a || (*a)->status != "in-force") return false;
    json ad = ParseObject((*a)->data_json);
    auto parties = ad.value("parties", std::vector<std::string>());
    return ad.value("personal_data", false) &&
           std::find(parties.begin(), parties.end(), who.org) != parties.end() &&
           std::find(parties.begin(), parties.end(), s.org) != parties.end();
  }

  void Create(const httplib::Request& req, httplib::Response& res) {
    auto c = Caller(req, res, Permission::kManageCases);
    if (!c) return;
    auto body = JsonBody(req, res);
    if (!body) return;
    std::string title, summary;
    if (!StringMember(*body, "title", &title) || !StringMember(*body, "summary", &summary))
      return BadRequest(res, "title and summary are strings");
    if (title.empty()) return BadRequest(res, "title is required");
    coop::CaseSources src;
    try {
      if (body->contains("reports"))
        src.reports = (*body)["reports"].get<std::vector<std::string>>();
      if (body->contains("campaigns"))
        src.campaigns = (*body)["campaigns"].get<std::vector<int64_t>>();
      if (body->contains("indicators"))
        for (const auto& i : (*body)["indicators"])
          src.indicators.emplace_back(i.at("type").get<std::string>(),
                                      i.at("value").get<std::string>());
    } catch (const json::exception&) {
      return BadRequest(res,
                        "reports is a list of report ids, campaigns a list of campaign ids, "
                        "indicators a list of {type, value}");
    }
    if (src.reports.empty() && src.campaigns.empty() && src.indicators.empty())
      return BadRequest(res, "name what is shared: reports, campaigns or indicators");
    for (const auto& r : src.reports)
      if (r.size() != 64 || r.find_first_not_of("0123456789abcdef") != std::string::npos)
        return BadRequest(res, "report ids are SHA-256 hashes in lower-case hex");
    Object o;
    o.type = "share";
    o.status = "active";
    o.title = SanitizeUtf8(title);
    o.tlp = coop::Tlp::kAmber;
    o.audience.kind = "organisations";
    if (Status s = ReadMarking(*body, &o.tlp, &o.audience); !s.ok()) return StoreProblem(res, s);
    if (Status s = CheckGroups(c->second, o.audience); !s.ok()) return StoreProblem(res, s);
    json data = {{"summary", SanitizeUtf8(summary)}};
    if (body->contains("agreement")) {
      if (!(*body)["agreement"].is_number_integer())
        return BadRequest(res, "agreement is an agreement id");
      auto a = env_.coop->Get(c->second, (*body)["agreement"].get<int64_t>(), "agreement");
      if (!a) return StoreProblem(res, a.error());
      if (!*a)
        return BadRequest(res,
                          "no agreement " + std::to_string((*body)["agreement"].get<int64_t>()));
      if ((*a)->status != "in-force") return BadRequest(res, "the agreement is not in force");
      auto parties = ParseObject((*a)->data_json).value("parties", std::vector<std::string>());
      if (std::find(parties.begin(), parties.end(), c->first.org) == parties.end())
        return BadRequest(res, "a share cites an agreement its organisation is party to");
      data["agreement"] = {
          {"id", (*a)->id},
          {"title", (*a)->title},
          {"personal_data", ParseObject((*a)->data_json).value("personal_data", false)}};
    }
    std::string stats;
    auto links = coop::SourceLinks(*env_.coop, c->first.org, src, &stats);
    if (!links) return StoreProblem(res, links.error());
    data["stats"] = json::parse(stats, nullptr, false);
    data["indicators"] = json::array();
    for (const auto& [t, v] : src.indicators)
      data["indicators"].push_back({{"type", t}, {"value", v}});
    o.data_json = Dump(data);
    auto made = env_.coop->Create(c->second, o, summary, *links);
    if (!made) return StoreProblem(res, made.error());
    if (!AuditShare(res, c->first, *made)) return;
    // The organisations named are told; groups and the whole network find it in their lists.
    coop::Notify(
        *env_.coop, c->second, made->audience.orgs, "share.received", "share", made->id, "active",
        c->first.org + " shared \"" + made->title + "\" (TLP:" + coop::TlpName(made->tlp) + ")");
    res.set_header("Location", "/api/v1/shares/" + std::to_string(made->id));
    Json(res, 201, Dump(Out(c->second, *made)));
  }

  json Out(const Viewer& v, const Object& o) {
    json j = ObjectOut(o);
    for (const char* kind : {"report", "campaign", "indicator"}) {
      auto n = env_.coop->CountLinks(v, o.id, kind);
      j["counts"][std::string(kind) + "s"] = n ? *n : 0;
    }
    return j;
  }

  void List(const httplib::Request& req, httplib::Response& res) {
    auto c = Caller(req, res, Permission::kCooperate);
    if (!c) return;
    coop::ObjectQuery q;
    q.type = "share";
    q.text = req.get_param_value("q");
    q.owner = req.get_param_value("organisation");
    q.status = req.get_param_value("status");
    if (q.status.empty()) q.status = "active";
    if (q.status != "active")
      q.owner = c->first.org;  // withdrawn shares: only their organisation's
    const std::string box = req.has_param("box") ? req.get_param_value("box") : "all";
    if (box == "in")
      q.not_owner = c->first.org;  // shared with the caller by others
    else if (box == "out")
      q.owner = c->first.org;
    else if (box != "all")
      return BadRequest(res, "box is in, out or all");
    q.cursor = req.get_param_value("cursor");
    if (!ParseLimit(req, res, 50, &q.limit)) return;
    auto page = env_.coop->List(c->second, q);
    if (!page) return StoreProblem(res, page.error());
    json items = json::array();
    for (const auto& o : page->items) items.push_back(ObjectOut(o));
    json out = {{"items", items}};
    if (!page->next_cursor.empty()) out["next_cursor"] = page->next_cursor;
    Json(res, 200, Dump(out));
  }

  std::optional<Object> Load(const Viewer& v, const httplib::Request& req, httplib::Response& res) {
    auto o = env_.coop->Get(v, PathId(req), "share");
    if (!o) {
      StoreProblem(res, o.error());
      return std::nullopt;
    }
    // A withdrawn share is gone for everyone but its organisation.
    if (!*o || ((*o)->status != "active" && (*o)->org != v.org)) {
      NotFound(res, "no share " + req.matches[1].str());
      return std::nullopt;
    }
    return **o;
  }

  void Get(const httplib::Request& req, httplib::Response& res) {
    auto c = Caller(req, res, Permission::kCooperate);
    if (!c) return;
    auto o = Load(c->second, req, res);
    if (!o) return;
    if (!AuditRead(res, c->first, *o, "read")) return;
    json j = Out(c->second, *o);
    // The indicators' sightings in the sharing organisation's reports.
    json inds = json::array();
    for (const auto& i : ParseObject(o->data_json).value("indicators", json::array())) {
      auto s =
          env_.coop->store().LookupIndicator(o->org, i.value("type", ""), i.value("value", ""), 0);
      json x = i;
      if (s) {
        x["reports"] = s->reports;
        x["first_seen"] = Time(s->first_seen);
        x["last_seen"] = Time(s->last_seen);
      }
      inds.push_back(std::move(x));
    }
    j["indicators"] = inds;
    j["personal_data_included"] = Entitled(c->first, c->second, *o);
    Json(res, 200, Dump(j));
  }

  void Patch(const httplib::Request& req, httplib::Response& res) {
    auto c = Caller(req, res, Permission::kManageCases);
    if (!c) return;
    auto body = JsonBody(req, res);
    if (!body) return;
    auto cur = env_.coop->Get(c->second, PathId(req), "share");
    if (!cur) return StoreProblem(res, cur.error());
    if (!*cur) return NotFound(res, "no share " + req.matches[1].str());
    Object o = **cur;
    std::string status, title, summary;
    if (!StringMember(*body, "status", &status) || !StringMember(*body, "title", &title) ||
        !StringMember(*body, "summary", &summary))
      return BadRequest(res, "status, title and summary are strings");
    if (body->contains("version")) {
      if (!(*body)["version"].is_number_integer())
        return BadRequest(res, "version must be an integer");
      o.version = (*body)["version"].get<int64_t>();
    }
    if (body->contains("summary")) {
      json d = ParseObject(o.data_json);
      d["summary"] = SanitizeUtf8(summary);
      o.data_json = Dump(d);
    }
    if (!status.empty()) {
      if (status != "active" && status != "withdrawn")
        return BadRequest(res, "a share is active or withdrawn");
      o.status = status;
    }
    if (!title.empty()) o.title = SanitizeUtf8(title);
    if (Status s = ReadMarking(*body, &o.tlp, &o.audience); !s.ok()) return StoreProblem(res, s);
    if (Status s = CheckGroups(c->second, o.audience); !s.ok()) return StoreProblem(res, s);
    auto saved = env_.coop->Update(c->second, o, ParseObject(o.data_json).value("summary", ""),
                                   status == "withdrawn" ? "withdraw" : "update", "");
    if (!saved) return StoreProblem(res, saved.error());
    if (!AuditShare(res, c->first, *saved)) return;
    Json(res, 200, Dump(Out(c->second, *saved)));
  }

  // The shared reports, a page at a time: analyses, and personal data only with entitlement.
  void Reports(const httplib::Request& req, httplib::Response& res) {
    auto c = Caller(req, res, Permission::kCooperate);
    if (!c) return;
    auto o = Load(c->second, req, res);
    if (!o) return;
    size_t limit;
    if (!ParseLimit(req, res, 100, &limit)) return;
    const bool personal = Entitled(c->first, c->second, *o);
    auto page = ReportsPage(c->second, *o, req.get_param_value("cursor"), limit,
                            req.get_param_value("with") == "analysis", personal);
    if (!page) return StoreProblem(res, page.error());
    json out = *page;
    out["personal_data_included"] = personal;
    if (!AuditRead(res, c->first, *o, "reports")) return;
    Json(res, 200, Dump(out));
  }

  // Counts over the shared reports (taken when the share was made).
  void Stats(const httplib::Request& req, httplib::Response& res) {
    auto c = Caller(req, res, Permission::kCooperate);
    if (!c) return;
    auto o = Load(c->second, req, res);
    if (!o) return;
    if (!AuditRead(res, c->first, *o, "stats")) return;
    Json(res, 200, Dump(ParseObject(o->data_json).value("stats", json::object())));
  }

  // The shared reports and indicators as CSV.
  void Export(const httplib::Request& req, httplib::Response& res) {
    auto c = Caller(req, res, Permission::kCooperate);
    if (!c) return;
    auto o = Load(c->second, req, res);
    if (!o) return;
    std::string out =
        "kind,id_or_type,value_or_subject,category,origin_country,origin_asn,first_seen,"
        "complaints\r\n";
    for (const auto& i : ParseObject(o->data_json).value("indicators", json::array()))
      out += "indicator," + CsvField(i.value("type", "")) + "," + CsvField(i.value("value", "")) +
             ",,,,,\r\n";
    std::string after;
    size_t rows = 0;
    for (;;) {
      auto links = env_.coop->ListLinks(c->second, o->id, "report", after, 1000);
      if (!links) return StoreProblem(res, links.error());
      if (links->empty()) break;
      after = links->back().target;
      for (const auto& l : *links) {
        std::string org, sha;
        if (!coop::ParseReportTarget(l.target, &org, &sha)) continue;
        auto r = env_.coop->store().GetReport(org, sha);
        if (!r || !*r) continue;
        out += "report," + sha + "," + CsvField((*r)->subject) + "," + CsvField((*r)->category) +
               "," + CsvField((*r)->origin_country) + "," + std::to_string((*r)->origin_asn) + "," +
               FormatRfc3339((*r)->first_seen) + "," + std::to_string((*r)->complaints) + "\r\n";
        ++rows;
      }
    }
    if (!env_.audit(&res, c->first.org, c->first.actor, "share.export", std::to_string(o->id),
                    std::to_string(rows) + " reports, shared by " + o->org))
      return;
    res.status = 200;
    res.set_header("Content-Disposition",
                   "attachment; filename=\"lapis-share-" + std::to_string(o->id) + ".csv\"");
    res.set_content(out, "text/csv; charset=utf-8");
  }

  // A shared report's raw message: it names the recipients, so only with entitlement.
  void Raw(const httplib::Request& req, httplib::Response& res) {
    auto c = Caller(req, res, Permission::kReadEvidence);
    if (!c) return;
    auto o = Load(c->second, req, res);
    if (!o) return;
    const std::string sha = req.matches[2];
    auto linked = env_.coop->HasLink(c->second, o->id, "report", coop::ReportTarget(o->org, sha));
    if (!linked) return StoreProblem(res, linked.error());
    if (!*linked) return NotFound(res, "the share holds no report " + sha);
    if (!Entitled(c->first, c->second, *o))
      return Problem(res, 403, "Forbidden",
                     "the raw message names its recipients: it goes to other organisations only "
                     "under an agreement "
                     "that allows personal data");
    auto bytes = env_.evidence->Get(sha);
    if (!bytes) return StoreProblem(res, bytes.error());
    if (!AuditRead(res, c->first, *o, "download")) return;
    res.status = 200;
    res.set_header("Content-Disposition", "attachment; filename=\"" + sha + ".eml\"");
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_content(*bytes, "message/rfc822");
  }
};

}  // namespace

void RegisterShareRoutes(httplib::Server& http, const CoopEnv& env) {
  auto s = std::make_shared<Shares>(env);
  using H = void (Shares::*)(const httplib::Request&, httplib::Response&);
  auto bind = [s](H h) {
    return [s, h](const httplib::Request& q, httplib::Response& r) { ((*s).*h)(q, r); };
  };
  http.Post("/api/v1/shares", bind(&Shares::Create));
  http.Get("/api/v1/shares", bind(&Shares::List));
  http.Get("/api/v1/shares/([0-9]+)", bind(&Shares::Get));
  http.Patch("/api/v1/shares/([0-9]+)", bind(&Shares::Patch));
  http.Get("/api/v1/shares/([0-9]+)/reports", bind(&Shares::Reports));
  http.Get("/api/v1/shares/([0-9]+)/stats", bind(&Shares::Stats));
  http.Get("/api/v1/shares/([0-9]+)/export", bind(&Shares::Export));
  http.Get("/api/v1/shares/([0-9]+)/reports/([0-9a-f]{64})/raw", bind(&Shares::Raw));
}

}  // namespace lapis::api
