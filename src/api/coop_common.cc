#include "api/coop_common.h"

#include <ctime>

#include "common/strings.h"
#include "coop/cases.h"
#include "coop/package.h"
#include "federation/flows.h"

namespace lapis::api::coopapi {

using coop::Object;
using coop::Viewer;

int64_t Now() { return static_cast<int64_t>(time(nullptr)); }

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

json Time(int64_t t) { return t ? json(FormatRfc3339(t)) : json(nullptr); }

json AudienceOut(const coop::Audience& a) {
  return {
      {"kind", a.kind}, {"organisations", a.orgs}, {"groups", a.groups}, {"exclude", a.exclude}};
}

// An object as the API shows it: the common members, then its data's members.
json ObjectOut(const Object& o) {
  json j = json::parse(o.data_json, nullptr, false);
  if (!j.is_object()) j = json::object();
  j["id"] = o.id;
  j["type"] = o.type;
  j["organisation"] = o.org;
  j["status"] = o.status;
  j["title"] = o.title;
  j["tlp"] = coop::TlpName(o.tlp);
  j["audience"] = AudienceOut(o.audience);
  j["created_at"] = Time(o.created_at);
  j["updated_at"] = Time(o.updated_at);
  j["version"] = o.version;
  if (o.parent_id) j["parent"] = o.parent_id;
  if (o.due_at) {
    j["due_at"] = Time(*o.due_at);
    j["overdue"] = o.status == "open" && *o.due_at < Now();
  }
  if (o.type == "case") j["harm_score"] = o.score;
  return j;
}

std::string SearchText(const json& data) {
  std::string t;
  for (auto it = data.begin(); it != data.end(); ++it) {
    if (it->is_string()) t += " " + it->get<std::string>();
    if (it->is_array())
      for (const auto& x : *it)
        if (x.is_string()) t += " " + x.get<std::string>();
  }
  return t;
}

// The "tlp" and "audience" members of a body, over the defaults in `tlp` and `a`.
Status ReadMarking(const json& body, coop::Tlp* tlp, coop::Audience* a) {
  if (body.contains("tlp")) {
    auto t =
        body["tlp"].is_string() ? coop::ParseTlp(body["tlp"].get<std::string>()) : std::nullopt;
    if (!t) return Status::InvalidArgument("tlp must be CLEAR, GREEN, AMBER, AMBER+STRICT or RED");
    *tlp = *t;
  }
  if (body.contains("audience")) {
    if (!body["audience"].is_object()) return Status::InvalidArgument("audience must be an object");
    auto parsed = coop::ParseAudienceJson(body["audience"].dump());
    if (!parsed) return parsed.error();
    *a = *parsed;
  }
  return Status::Ok();
}

int64_t PathId(const httplib::Request& req, size_t i) {
  const std::string& v = req.matches[i];
  if (v.empty() || v.size() > 18 || v.find_first_not_of("0123456789") != std::string::npos)
    return 0;
  return std::stoll(v);
}

// The caller and their viewer, when allowed `p`.
std::optional<std::pair<Principal, Viewer>> CoopBase::Caller(const httplib::Request& req,
                                                             httplib::Response& res, Permission p) {
  auto who = env_.authenticate(req, res, p);
  if (!who) return std::nullopt;
  auto v = env_.coop->ViewerFor(who->org, who->role, who->actor);
  if (!v) {
    StoreProblem(res, v.error());
    return std::nullopt;
  }
  return std::make_pair(*who, *v);
}

// Records the read of an object another organisation shared; false with 503 written if the
// log cannot be written.
bool CoopBase::AuditRead(httplib::Response& res, const Principal& who, const Object& o,
                         const std::string& what) {
  if (o.org == who.org) return true;
  return env_.audit(&res, who.org, who.actor, o.type + "." + what, std::to_string(o.id),
                    "shared by " + o.org + ", TLP:" + coop::TlpName(o.tlp));
}

bool CoopBase::AuditShare(httplib::Response& res, const Principal& who, const Object& o) {
  if (o.audience.kind == "organisation") return true;
  return env_.audit(
      &res, who.org, who.actor, o.type + ".share", std::to_string(o.id),
      "TLP:" + std::string(coop::TlpName(o.tlp)) + " " + coop::AudienceJson(o.audience));
}

// Every group named in the audience exists and the viewer may see it.
Status CoopBase::CheckGroups(const Viewer& v, const coop::Audience& a) {
  for (int64_t g : a.groups) {
    auto o = env_.coop->Get(v, g, "group");
    if (!o) return o.error();
    if (!*o) return Status::InvalidArgument("no group " + std::to_string(g));
  }
  return Status::Ok();
}

json ParseObject(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  return j.is_object() ? j : json::object();
}

std::string CsvField(const std::string& v) {
  std::string s = v;
  if (!s.empty() && std::string("=+-@\t\r").find(s[0]) != std::string::npos) s = "'" + s;
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

Result<json> CoopBase::ReportsPage(const Viewer& v, const Object& o, const std::string& after,
                                   size_t limit, bool analysis, bool personal) {
  auto links = env_.coop->ListLinks(v, o.id, "report", after, limit + 1);
  if (!links) return Fail(links.error());
  const json data = ParseObject(o.data_json);
  const bool copy = data.contains("federation") && data["federation"].is_object();
  const std::string copy_node = copy ? data["federation"].value("node", "") : "";
  const int64_t copy_id = copy ? data["federation"].value("id", int64_t{0}) : 0;
  json out = json::object();
  if (links->size() > limit) {
    links->resize(limit);
    out["next_cursor"] = links->back().target;
  }
  json items = json::array();
  for (const auto& l : *links) {
    std::string org, sha;
    if (!coop::ParseReportTarget(l.target, &org, &sha)) continue;
    json j = {{"id", sha},
              {"organisation", org},
              {"added_at", Time(l.added_at)},
              {"added_by", l.added_by}};
    auto r = env_.coop->store().GetReport(org, sha);
    if (!r) return Fail(r.error());
    if (!*r && copy) {
      // A referral or request from another node: its reports came with it.
      auto got = federation::CopiedReport(env_.coop->store().Sql(), copy_node, copy_id, sha);
      if (!got) return Fail(got.error());
      if (*got) {
        json e = ParseObject(**got);
        for (const char* k : {"subject", "category", "first_seen", "complaints", "origin_country",
                              "origin_asn"})
          if (e.contains(k)) j[k] = e[k];
        if (e.contains("first_seen") && e["first_seen"].is_number_integer())
          j["first_seen"] = Time(e["first_seen"].get<int64_t>());
        if (analysis) j["analysis"] = e.value("analysis", json(nullptr));
        if (personal) j["personal_data"] = e.value("personal_data", json(nullptr));
      }
    }
    if (*r) {
      const store::ReportRow& row = **r;
      j["subject"] = row.subject;
      j["category"] = row.category;
      j["status"] = row.status;
      j["first_seen"] = Time(row.first_seen);
      j["complaints"] = row.complaints;
      j["origin_country"] = row.origin_country;
      j["origin_asn"] = row.origin_asn ? json(row.origin_asn) : json(nullptr);
      if (analysis)
        j["analysis"] =
            json::parse(row.analysis_json.empty() ? "null" : row.analysis_json, nullptr, false);
      if (personal)
        j["personal_data"] =
            json::parse(row.personal_json.empty() ? "null" : row.personal_json, nullptr, false);
    }
    items.push_back(std::move(j));
  }
  out["items"] = std::move(items);
  return out;
}

void CoopBase::SendPackage(httplib::Response& res, const Principal& who, const Viewer& v,
                           const Object& o, bool raw_messages, bool personal) {
  std::vector<coop::PackageFile> files;
  json custody_reports = json::array();
  std::string after;
  uint64_t total = 0;
  for (;;) {
    auto links = env_.coop->ListLinks(v, o.id, "report", after, 1000);
    if (!links) return StoreProblem(res, links.error());
    if (links->empty()) break;
    after = links->back().target;
    for (const auto& l : *links) {
      std::string org, sha;
      if (!coop::ParseReportTarget(l.target, &org, &sha)) continue;
      auto r = env_.coop->store().GetReport(org, sha);
      if (!r) return StoreProblem(res, r.error());
      if (!*r) continue;
      Result<std::string> raw = std::string();
      if (raw_messages) raw = env_.evidence->Get(sha);
      if (!raw) return StoreProblem(res, raw.error());
      total += raw->size();
      if (total > coop::kMaxPackageBytes)
        return Problem(res, 413, "Payload Too Large",
                       "the case's evidence is more than one package may hold");
      if (raw_messages) files.push_back({"evidence/" + sha + ".eml", std::move(*raw)});
      if (!(*r)->analysis_json.empty())
        files.push_back({"analysis/" + sha + ".json", (*r)->analysis_json});
      if (personal && !(*r)->personal_json.empty())
        files.push_back({"personal/" + sha + ".json", (*r)->personal_json});
      custody_reports.push_back({{"report", sha},
                                 {"organisation", org},
                                 {"first_received", Time((*r)->first_seen)},
                                 {"last_received", Time((*r)->last_seen)},
                                 {"complaints", (*r)->complaints},
                                 {"analysis", (*r)->status},
                                 {"added_to_case", Time(l.added_at)},
                                 {"added_by", l.added_by}});
    }
  }
  auto history = env_.coop->Events(v, o.id);
  if (!history) return StoreProblem(res, history.error());
  json events = json::array();
  for (const auto& e : *history)
    events.push_back({{"at", Time(e.at)},
                      {"organisation", e.org},
                      {"actor", e.actor},
                      {"action", e.action},
                      {"detail", e.detail}});
  const int64_t now = Now();
  events.push_back({{"at", Time(now)},
                    {"organisation", who.org},
                    {"actor", who.actor},
                    {"action", "export"},
                    {"detail", personal ? "with personal data" : "without personal data"}});
  json custody = {{"case_history", events}, {"evidence", custody_reports}};
  files.push_back(
      {"custody.json", custody.dump(2, ' ', false, json::error_handler_t::replace) + "\n"});
  files.push_back(
      {o.type + ".json", ObjectOut(o).dump(2, ' ', false, json::error_handler_t::replace) + "\n"});
  json manifest = {
      {o.type,
       {{"id", o.id}, {"title", o.title}, {"organisation", o.org}, {"tlp", coop::TlpName(o.tlp)}}},
      {"created_at", Time(now)},
      {"created_by", {{"organisation", who.org}, {"actor", who.actor}}},
      {"reports", custody_reports.size()},
      {"personal_data", personal}};
  auto zip = coop::BuildPackage(files, Dump(manifest), *env_.node_key);
  if (!zip) return StoreProblem(res, zip.error());
  if (!env_.audit(&res, who.org, who.actor, o.type + ".export", std::to_string(o.id),
                  std::to_string(custody_reports.size()) + " reports" +
                      (personal ? ", with personal data" : "")))
    return;
  env_.coop->Record(v, o.id, "export", personal ? "with personal data" : "without personal data");
  res.status = 200;
  res.set_header("Content-Disposition",
                 "attachment; filename=\"lapis-" + o.type + "-" + std::to_string(o.id) + ".zip\"");
  res.set_content(std::move(*zip), "application/zip");
}

}  // namespace lapis::api::coopapi
