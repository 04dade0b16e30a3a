#include "api/coop_routes.h"

#include <algorithm>
#include <ctime>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "api/coop_common.h"
#include "common/strings.h"
#include "coop/cases.h"

namespace lapis::api {
namespace {

using coop::Object;
using coop::Viewer;
using nlohmann::json;
using namespace coopapi;

// What a field of an object's data may hold.
enum class FieldKind { kString, kStrings, kTime, kBool, kObject, kAgenda };

struct Field {
  const char* name;
  FieldKind kind;
  bool required = false;
  std::vector<std::string> allowed =
      {};  // for strings and lists: the values allowed (any when empty)
};

// A simple cooperation object type: its route, fields, and defaults.
struct TypeSpec {
  const char* type;
  const char* plural;       // route: /api/v1/PLURAL
  const char* title_field;  // the field shown as the title
  std::vector<Field> fields;
  const char* link_field = nullptr;  // a list field whose values are also links of `link_kind`
  const char* link_kind = nullptr;
  const char* status = "active";
  coop::Tlp tlp = coop::Tlp::kGreen;
  const char* audience = "network";
  Permission manage = Permission::kManageCases;
  bool agencies_only = false;  // only agencies create these
};

std::vector<std::string> Values(const char* const* b, const char* const* e) { return {b, e}; }

const std::vector<TypeSpec>& Specs() {
  static const std::vector<TypeSpec> specs = {
      {"contact",
       "contacts",
       "name",
       {{"name", FieldKind::kString, true},
        // LAP A.1: an agency's point of contact; A.2: a country's primary contact among several
        // agencies; B.1: a company's single contact for spam enforcement.
        {"role",
         FieldKind::kString,
         true,
         {"point-of-contact", "primary-contact", "spam-enforcement-contact", "other"}},
        {"email", FieldKind::kString},
        {"phone", FieldKind::kString},
        {"languages", FieldKind::kStrings},
        {"encryption_key", FieldKind::kString},  // OpenPGP public key block or S/MIME certificate
        {"notes", FieldKind::kString}},
       nullptr,
       nullptr,
       "active",
       coop::Tlp::kGreen,
       "network",
       Permission::kManageDirectory},
      {"resource",
       "resources",
       "title",
       {{"title", FieldKind::kString, true},
        {"sector", FieldKind::kString, true,
         Values(std::begin(coop::kSectors), std::end(coop::kSectors))},
        {"url", FieldKind::kString},
        {"description", FieldKind::kString}},
       nullptr,
       nullptr,
       "active",
       coop::Tlp::kClear,
       "network",
       Permission::kManageDirectory},
      {"group",
       "groups",
       "name",
       {{"name", FieldKind::kString, true},
        {"description", FieldKind::kString},
        {"members", FieldKind::kStrings}},
       "members",
       "member",
       "active",
       coop::Tlp::kGreen,
       "network",
       Permission::kManageCases},
      {"agreement",
       "agreements",
       "title",
       {{"title", FieldKind::kString, true},
        {"instrument",
         FieldKind::kString,
         true,
         {"mou", "treaty", "convention", "contract", "other"}},
        {"parties", FieldKind::kStrings, true},
        {"scope",
         FieldKind::kStrings,
         true,
         {"information-sharing", "mutual-assistance", "joint-operations"}},
        {"confidentiality", FieldKind::kString},
        {"personal_data", FieldKind::kBool},  // the parties may receive complainants' personal data
        {"signed_at", FieldKind::kTime},
        {"effective_from", FieldKind::kTime},
        {"expires_at", FieldKind::kTime},
        {"url", FieldKind::kString}},
       "parties",
       "party",
       "in-force",
       coop::Tlp::kGreen,
       "network",
       Permission::kManageCases,
       true},
      // Meetings of the network (the quarterly calls, workshops): an agenda of segments, each of
      // which may leave out named organisations (LAP B.3: a partner kept out of a segment).
      {"meeting",
       "meetings",
       "title",
       {{"title", FieldKind::kString, true},
        {"kind", FieldKind::kString, true, {"quarterly-call", "workshop", "operation", "other"}},
        {"starts_at", FieldKind::kTime, true},
        {"ends_at", FieldKind::kTime},
        {"connection", FieldKind::kString},  // how to join: dial-in, video link
        {"agenda", FieldKind::kAgenda}},
       nullptr,
       nullptr,
       "scheduled",
       coop::Tlp::kGreen,
       "network",
       Permission::kManageCases,
       true},
  };
  return specs;
}

// An object as `v` may see it: a meeting's agenda segments that leave `v`'s organisation out show
// only their number, and only the meeting's organisation sees who each segment leaves out.
json ViewFor(const Object& o, const Viewer& v) {
  json j = ObjectOut(o);
  if (o.type != "meeting" || !j.contains("agenda") || !j["agenda"].is_array()) return j;
  for (auto& seg : j["agenda"]) {
    if (o.org == v.org) continue;
    auto ex = seg.value("exclude", std::vector<std::string>());
    if (std::find(ex.begin(), ex.end(), v.org) != ex.end())
      seg = {{"n", seg.value("n", 0)}, {"restricted", true}};
    else
      seg.erase("exclude");
  }
  return j;
}


// Reads the fields of `spec` from `body` into `data` (only those present unless `all`).
Status ReadFields(const TypeSpec& spec, const json& body, bool creating, json* data) {
  for (const Field& f : spec.fields) {
    auto it = body.find(f.name);
    if (it == body.end() || it->is_null()) {
      if (creating && f.required)
        return Status::InvalidArgument(std::string(f.name) + " is required");
      continue;
    }
    const std::string name = f.name;
    auto allowed = [&](const std::string& v) {
      return f.allowed.empty() ||
             std::find(f.allowed.begin(), f.allowed.end(), v) != f.allowed.end();
    };
    auto choices = [&] {
      std::string c;
      for (const auto& a : f.allowed) c += (c.empty() ? "" : ", ") + a;
      return c;
    };
    switch (f.kind) {
      case FieldKind::kString:
        if (!it->is_string()) return Status::InvalidArgument(name + " must be a string");
        if (!allowed(it->get<std::string>()))
          return Status::InvalidArgument(name + " must be one of " + choices());
        if (f.required && it->get<std::string>().empty())
          return Status::InvalidArgument(name + " is required");
        if (it->get<std::string>().size() > 100000)
          return Status::InvalidArgument(name + " is too long");
        (*data)[name] = SanitizeUtf8(it->get<std::string>());
        break;
      case FieldKind::kStrings: {
        if (!it->is_array()) return Status::InvalidArgument(name + " must be a list of strings");
        std::vector<std::string> v;
        for (const auto& x : *it) {
          if (!x.is_string() || x.get<std::string>().empty())
            return Status::InvalidArgument(name + " must be a list of strings");
          if (!allowed(x.get<std::string>()))
            return Status::InvalidArgument(name + " values must be among " + choices());
          v.push_back(SanitizeUtf8(x.get<std::string>()));
        }
        if (v.size() > 10000) return Status::InvalidArgument(name + " is too long");
        std::sort(v.begin(), v.end());
        v.erase(std::unique(v.begin(), v.end()), v.end());
        if (f.required && v.empty())
          return Status::InvalidArgument(name + " needs at least one value");
        (*data)[name] = v;
        break;
      }
      case FieldKind::kTime: {
        std::optional<int64_t> t =
            it->is_string() ? ParseTime(it->get<std::string>()) : std::nullopt;
        if (!t)
          return Status::InvalidArgument(
              name + " must be an RFC 3339 time in UTC, e.g. 2026-01-31T00:00:00Z");
        (*data)[name] = it->get<std::string>();
        break;
      }
      case FieldKind::kBool:
        if (!it->is_boolean()) return Status::InvalidArgument(name + " must be true or false");
        (*data)[name] = it->get<bool>();
        break;
      case FieldKind::kObject:
        if (!it->is_object()) return Status::InvalidArgument(name + " must be an object");
        (*data)[name] = *it;
        break;
      case FieldKind::kAgenda: {
        // [{title, notes?, exclude?: [organisation]}], numbered in order.
        if (!it->is_array() || it->size() > 200) return Status::InvalidArgument(name + " must be a list of segments");
        json agenda = json::array();
        for (const auto& seg : *it) {
          if (!seg.is_object() || !seg.contains("title") || !seg["title"].is_string() ||
              seg["title"].get<std::string>().empty())
            return Status::InvalidArgument("each agenda segment has a title");
          json out = {{"n", agenda.size() + 1}, {"title", SanitizeUtf8(seg["title"].get<std::string>())}};
          if (seg.contains("notes")) {
            if (!seg["notes"].is_string()) return Status::InvalidArgument("a segment's notes are text");
            out["notes"] = SanitizeUtf8(seg["notes"].get<std::string>());
          }
          std::vector<std::string> exclude;
          if (seg.contains("exclude")) {
            if (!seg["exclude"].is_array()) return Status::InvalidArgument("a segment's exclude is a list of organisations");
            for (const auto& x : seg["exclude"]) {
              if (!x.is_string()) return Status::InvalidArgument("a segment's exclude is a list of organisations");
              exclude.push_back(x.get<std::string>());
            }
          }
          out["exclude"] = exclude;
          agenda.push_back(std::move(out));
        }
        (*data)[name] = agenda;
        break;
      }
    }
  }
  return Status::Ok();
}

const char* const kIndicatorTypes[] = {"ip",    "domain", "host",    "url",
                                       "email", "phone",  "payment", "attachment"};

// vCard 4.0 text value (RFC 6350 3.4 escaping).
std::string VcardText(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == ',' || c == ';')
      out += '\\', out += c;
    else if (c == '\n')
      out += "\\n";
    else if (c != '\r')
      out += c;
  }
  return out;
}

class Routes : public CoopBase {
 public:
  using CoopBase::CoopBase;

  // --- directory ----------------------------------------------------------------------------

  json ProfileOut(const coop::Profile& p) {
    json j = json::parse(p.data_json, nullptr, false);
    if (!j.is_object()) j = json::object();
    j["name"] = p.org;
    j["kind"] = p.kind;
    j["country"] = p.country;
    j["membership"] = p.membership;
    j["updated_at"] = Time(p.updated_at);
    return j;
  }

  void ListOrganisations(const httplib::Request& req, httplib::Response& res) {
    auto c = Caller(req, res, Permission::kCooperate);
    if (!c) return;
    auto list =
        env_.coop->ListProfiles(req.get_param_value("q"), req.get_param_value("kind"),
                                req.get_param_value("country"), req.get_param_value("membership"));
    if (!list) return StoreProblem(res, list.error());
    json items = json::array();
    for (const auto& p : *list)
      if (c->second.member || p.org == c->second.org) items.push_back(ProfileOut(p));
    Json(res, 200, Dump({{"items", items}}));
  }

  void GetOrganisation(const httplib::Request& req, httplib::Response& res) {
    auto c = Caller(req, res, Permission::kCooperate);
    if (!c) return;
    const std::string name = req.matches[1];
    if (!c->second.member && name != c->second.org) return NotFound(res, "no organisation " + name);
    auto p = env_.coop->GetProfile(name);
    if (!p) return StoreProblem(res, p.error());
    json j = ProfileOut(*p);
    for (const char* type : {"contact", "resource"}) {
      coop::ObjectQuery q;
      q.type = type;
      q.owner = name;
      q.status = "active";
      q.limit = 200;
      auto page = env_.coop->List(c->second, q);
      if (!page) return StoreProblem(res, page.error());
      json items = json::array();
      for (const auto& o : page->items) items.push_back(ObjectOut(o));
      j[std::string(type) + "s"] = items;
    }
    Json(res, 200, Dump(j));
  }

  void PutOrganisation(const httplib::Request& req, httplib::Response& res) {
    auto c = Caller(req, res, Permission::kManageDirectory);
    if (!c) return;
    const std::string name = req.matches[1];
    if (name != c->first.org)
      return Problem(res, 403, "Forbidden", "an organisation changes only its own entry");
    auto body = JsonBody(req, res);
    if (!body) return;
    auto p = env_.coop->GetProfile(name);
    if (!p) return StoreProblem(res, p.error());
    json data = json::parse(p->data_json, nullptr, false);
    if (!data.is_object()) data = json::object();
    for (auto it = body->begin(); it != body->end(); ++it) {
      const std::string& k = it.key();
      if (k == "country") {
        if (!it->is_string()) return BadRequest(res, "country must be a string");
        p->country = it->get<std::string>();
      } else if (k == "display_name" || k == "website" || k == "sector") {
        if (!it->is_string()) return BadRequest(res, k + " must be a string");
        if (k == "sector" && std::none_of(std::begin(coop::kSectors), std::end(coop::kSectors),
                                          [&](const char* s) { return *it == s; }))
          return BadRequest(res, "sector must be one of the LAP sectors (docs/cooperation.md)");
        data[k] = SanitizeUtf8(it->get<std::string>());
      } else if (k == "competences" || k == "languages") {
        if (!it->is_array() ||
            std::any_of(it->begin(), it->end(), [](const json& x) { return !x.is_string(); }))
          return BadRequest(res, k + " must be a list of strings");
        if (k == "competences")
          for (const auto& x : *it)
            if (std::none_of(std::begin(coop::kCompetences), std::end(coop::kCompetences),
                             [&](const char* s) { return x == s; }))
              return BadRequest(
                  res,
                  "competences are telecommunications, consumer-protection, data-protection and "
                  "criminal-enforcement");
        data[k] = *it;
      } else if (k == "b4") {
        // LAP B.4: what the company gives domestic and foreign agencies, on what conditions, and
        // how requests must be sent.
        if (!it->is_object()) return BadRequest(res, "b4 must be an object");
        json b4 = json::object();
        for (const char* f : {"domestic", "domestic_conditions", "foreign", "foreign_conditions",
                              "request_procedure", "request_address"}) {
          if (!it->contains(f)) continue;
          if (!(*it)[f].is_string())
            return BadRequest(res, std::string("b4.") + f + " must be a string");
          b4[f] = SanitizeUtf8((*it)[f].get<std::string>());
        }
        data["b4"] = b4;
      } else if (k == "kind" || k == "membership" || k == "name") {
        return BadRequest(
            res, k + " is set by the node's operator and the membership procedure, not here");
      } else {
        return BadRequest(res, "unknown member " + k);
      }
    }
    p->data_json = Dump(data);
    if (Status s = env_.coop->PutProfile(*p, c->first.actor); !s.ok()) return StoreProblem(res, s);
    if (!env_.audit(&res, c->first.org, c->first.actor, "directory.update", name, "")) return;
    auto after = env_.coop->GetProfile(name);
    if (!after) return StoreProblem(res, after.error());
    Json(res, 200, Dump(ProfileOut(*after)));
  }

  void ExportDirectory(const httplib::Request& req, httplib::Response& res) {
    auto c = Caller(req, res, Permission::kCooperate);
    if (!c) return;
    const std::string format = req.has_param("format") ? req.get_param_value("format") : "csv";
    if (format != "csv" && format != "vcard") return BadRequest(res, "format must be csv or vcard");
    auto list = env_.coop->ListProfiles(req.get_param_value("q"), req.get_param_value("kind"),
                                        req.get_param_value("country"), "member");
    if (!list) return StoreProblem(res, list.error());
    std::string out = format == "csv" ? "organisation,display_name,kind,country,competences_or_"
                                        "sector,contact,role,email,phone,languages\r\n"
                                      : "";
    for (const auto& p : *list) {
      if (!c->second.member && p.org != c->second.org) continue;
      json d = json::parse(p.data_json, nullptr, false);
      if (!d.is_object()) d = json::object();
      std::string comp = d.value("sector", "");
      if (d.contains("competences") && d["competences"].is_array())
        for (const auto& x : d["competences"])
          comp += (comp.empty() ? "" : ";") + x.get<std::string>();
      coop::ObjectQuery q;
      q.type = "contact";
      q.owner = p.org;
      q.status = "active";
      q.limit = 200;
      auto contacts = env_.coop->List(c->second, q);
      if (!contacts) return StoreProblem(res, contacts.error());
      std::vector<json> rows;
      for (const auto& o : contacts->items)
        rows.push_back(json::parse(o.data_json, nullptr, false));
      if (rows.empty()) rows.push_back(json::object());
      for (const json& k : rows) {
        auto s = [&](const char* f) {
          return k.is_object() && k.contains(f) && k[f].is_string() ? k[f].get<std::string>() : "";
        };
        std::string langs;
        if (k.is_object() && k.contains("languages") && k["languages"].is_array())
          for (const auto& l : k["languages"])
            langs += (langs.empty() ? "" : ";") + l.get<std::string>();
        if (format == "csv") {
          out += CsvField(p.org) + "," + CsvField(d.value("display_name", "")) + "," +
                 CsvField(p.kind) + "," + CsvField(p.country) + "," + CsvField(comp) + "," +
                 CsvField(s("name")) + "," + CsvField(s("role")) + "," + CsvField(s("email")) +
                 "," + CsvField(s("phone")) + "," + CsvField(langs) + "\r\n";
        } else if (!s("name").empty()) {
          out += "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:" + VcardText(s("name")) +
                 "\r\nORG:" + VcardText(d.value("display_name", p.org)) +
                 "\r\nROLE:" + VcardText(s("role")) + "\r\n";
          if (!s("email").empty()) out += "EMAIL:" + VcardText(s("email")) + "\r\n";
          if (!s("phone").empty()) out += "TEL;VALUE=uri:tel:" + VcardText(s("phone")) + "\r\n";
          if (!langs.empty())
            for (std::string_view l : Split(langs, ';'))
              out += "LANG:" + VcardText(std::string(l)) + "\r\n";
          if (!p.country.empty()) out += "ADR;TYPE=work:;;;;;;" + VcardText(p.country) + "\r\n";
          if (!s("encryption_key").empty())
            out += "KEY:data:application/pgp-keys," + VcardText(s("encryption_key")) + "\r\n";
          out += "END:VCARD\r\n";
        }
      }
    }
    if (!env_.audit(&res, c->first.org, c->first.actor, "directory.export", format, "")) return;
    res.status = 200;
    res.set_header("Content-Disposition", std::string("attachment; filename=\"lapis-directory.") +
                                              (format == "csv" ? "csv\"" : "vcf\""));
    res.set_content(out, format == "csv" ? "text/csv; charset=utf-8" : "text/vcard; charset=utf-8");
  }

  // --- simple objects: contacts, resources, groups, agreements -------------------------------

  void CreateSimple(const TypeSpec& spec, const httplib::Request& req, httplib::Response& res) {
    auto c = Caller(req, res, spec.manage);
    if (!c) return;
    if (spec.agencies_only && !c->second.agency)
      return Problem(res, 403, "Forbidden", std::string(spec.plural) + " are recorded by agencies");
    auto body = JsonBody(req, res);
    if (!body) return;
    json data = json::object();
    if (Status s = ReadFields(spec, *body, true, &data); !s.ok()) return StoreProblem(res, s);
    Object o;
    o.type = spec.type;
    o.status = spec.status;
    o.title = data.value(spec.title_field, "");
    o.tlp = spec.tlp;
    o.audience.kind = spec.audience;
    if (Status s = ReadMarking(*body, &o.tlp, &o.audience); !s.ok()) return StoreProblem(res, s);
    if (Status s = CheckGroups(c->second, o.audience); !s.ok()) return StoreProblem(res, s);
    std::vector<coop::Link> links;
    if (spec.link_field && data.contains(spec.link_field)) {
      for (const auto& org : data[spec.link_field]) {
        auto p = env_.coop->GetProfile(org.get<std::string>());
        if (!p)
          return BadRequest(res, "no organisation " + org.get<std::string>() + " in the directory");
        links.push_back({spec.link_kind, org.get<std::string>(), 0, ""});
      }
    }
    if (std::string(spec.type) == "agreement") {
      // The parties always see their agreement.
      auto& parties = data["parties"];
      if (std::find(parties.begin(), parties.end(), c->first.org) == parties.end())
        return BadRequest(res, "the organisation recording an agreement is one of its parties");
      if (o.audience.kind == "organisation") o.audience.kind = "organisations";
      for (const auto& p : parties)
        if (p != c->first.org) o.audience.orgs.push_back(p.get<std::string>());
      if (o.audience.kind == "organisations" && o.audience.orgs.empty())
        o.audience.kind = "organisation";
    }
    o.data_json = Dump(data);
    auto made = env_.coop->Create(c->second, o, SearchText(data), links);
    if (!made) return StoreProblem(res, made.error());
    if (!AuditShare(res, c->first, *made)) return;
    res.set_header("Location",
                   std::string("/api/v1/") + spec.plural + "/" + std::to_string(made->id));
    Json(res, 201, Dump(ViewFor(*made, c->second)));
  }

  void ListSimple(const TypeSpec& spec, const httplib::Request& req, httplib::Response& res) {
    auto c = Caller(req, res, Permission::kCooperate);
    if (!c) return;
    coop::ObjectQuery q;
    q.type = spec.type;
    q.text = req.get_param_value("q");
    q.owner = req.get_param_value("organisation");
    q.status = req.has_param("status") ? req.get_param_value("status") : "";
    q.cursor = req.get_param_value("cursor");
    if (!ParseLimit(req, res, 50, &q.limit)) return;
    if (spec.link_kind && req.has_param(spec.link_field)) {
      q.link_kind = spec.link_kind;
      q.link_target = req.get_param_value(spec.link_field);
    }
    // Agreements between two organisations: those that name both as parties.
    std::set<int64_t> between;
    bool filter_between = false;
    if (std::string(spec.type) == "agreement" && req.has_param("between")) {
      const std::string between_param = req.get_param_value("between");
      auto orgs = Split(between_param, ',');
      if (orgs.size() != 2) return BadRequest(res, "between names two organisations: between=A,B");
      auto a = env_.coop->Linked(c->second, "agreement", "party", std::string(orgs[0]), 1000);
      auto b = env_.coop->Linked(c->second, "agreement", "party", std::string(orgs[1]), 1000);
      if (!a || !b) return StoreProblem(res, !a ? a.error() : b.error());
      std::set<int64_t> sa(a->begin(), a->end());
      for (int64_t id : *b)
        if (sa.count(id)) between.insert(id);
      filter_between = true;
      q.link_kind = "party";
      q.link_target = std::string(orgs[0]);
    }
    auto page = env_.coop->List(c->second, q);
    if (!page) return StoreProblem(res, page.error());
    json items = json::array();
    for (const auto& o : page->items) {
      if (filter_between && !between.count(o.id)) continue;
      if (std::string(spec.type) == "contact" && req.has_param("role")) {
        json d = json::parse(o.data_json, nullptr, false);
        if (!d.is_object() || d.value("role", "") != req.get_param_value("role")) continue;
      }
      if (std::string(spec.type) == "resource" && req.has_param("sector")) {
        json d = json::parse(o.data_json, nullptr, false);
        if (!d.is_object() || d.value("sector", "") != req.get_param_value("sector")) continue;
      }
      items.push_back(ViewFor(o, c->second));
    }
    json out = {{"items", items}};
    if (!page->next_cursor.empty()) out["next_cursor"] = page->next_cursor;
    Json(res, 200, Dump(out));
  }

  void GetSimple(const TypeSpec& spec, const httplib::Request& req, httplib::Response& res) {
    auto c = Caller(req, res, Permission::kCooperate);
    if (!c) return;
    auto o = env_.coop->Get(c->second, PathId(req), spec.type);
    if (!o) return StoreProblem(res, o.error());
    if (!*o) return NotFound(res, std::string("no ") + spec.type + " " + req.matches[1].str());
    if (!AuditRead(res, c->first, **o, "read")) return;
    Json(res, 200, Dump(ViewFor(**o, c->second)));
  }

  void PatchSimple(const TypeSpec& spec, const httplib::Request& req, httplib::Response& res) {
    auto c = Caller(req, res, spec.manage);
    if (!c) return;
    auto body = JsonBody(req, res);
    if (!body) return;
    auto cur = env_.coop->Get(c->second, PathId(req), spec.type);
    if (!cur) return StoreProblem(res, cur.error());
    if (!*cur) return NotFound(res, std::string("no ") + spec.type + " " + req.matches[1].str());
    Object o = **cur;
    json data = json::parse(o.data_json, nullptr, false);
    if (!data.is_object()) data = json::object();
    json before = data;
    if (Status s = ReadFields(spec, *body, false, &data); !s.ok()) return StoreProblem(res, s);
    if (body->contains("version")) {
      if (!(*body)["version"].is_number_integer())
        return BadRequest(res, "version must be an integer");
      o.version = (*body)["version"].get<int64_t>();
    }
    if (body->contains("status")) {
      if (!(*body)["status"].is_string()) return BadRequest(res, "status must be a string");
      const std::string st = (*body)["status"];
      const std::string type = spec.type;
      const bool ok =
          type == "agreement" ? (st == "in-force" || st == "draft" || st == "expired" || st == "terminated")
          : type == "meeting" ? (st == "scheduled" || st == "held" || st == "cancelled")
                              : (st == "active" || st == "removed");
      if (!ok) return BadRequest(res, "no such status: " + st);
      o.status = st;
    }
    if (Status s = ReadMarking(*body, &o.tlp, &o.audience); !s.ok()) return StoreProblem(res, s);
    if (Status s = CheckGroups(c->second, o.audience); !s.ok()) return StoreProblem(res, s);
    if (std::string(spec.type) == "agreement") {
      for (const auto& p : data.value("parties", json::array()))
        if (p != o.org &&
            std::find(o.audience.orgs.begin(), o.audience.orgs.end(), p) == o.audience.orgs.end())
          o.audience.orgs.push_back(p.get<std::string>());
      if (o.audience.kind == "organisation" && !o.audience.orgs.empty())
        o.audience.kind = "organisations";
    }
    o.title = data.value(spec.title_field, o.title);
    o.data_json = Dump(data);
    auto saved = env_.coop->Update(c->second, o, SearchText(data), "update", "");
    if (!saved) return StoreProblem(res, saved.error());
    // Link lists follow the data (group members, agreement parties).
    if (spec.link_field && before.value(spec.link_field, json::array()) !=
                               data.value(spec.link_field, json::array())) {
      std::set<std::string> was, now;
      for (const auto& x : before.value(spec.link_field, json::array()))
        was.insert(x.get<std::string>());
      for (const auto& x : data.value(spec.link_field, json::array()))
        now.insert(x.get<std::string>());
      std::vector<coop::Link> add, remove;
      for (const auto& x : now)
        if (!was.count(x)) add.push_back({spec.link_kind, x, 0, ""});
      for (const auto& x : was)
        if (!now.count(x)) remove.push_back({spec.link_kind, x, 0, ""});
      if (!add.empty()) {
        auto r = env_.coop->AddLinks(c->second, o.id, add, "add " + std::string(spec.link_kind));
        if (!r) return StoreProblem(res, r.error());
        saved = *r;
      }
      if (!remove.empty()) {
        auto r = env_.coop->RemoveLinks(c->second, o.id, remove,
                                        "remove " + std::string(spec.link_kind));
        if (!r) return StoreProblem(res, r.error());
      }
    }
    if (!AuditShare(res, c->first, *saved)) return;
    Json(res, 200, Dump(ViewFor(*saved, c->second)));
  }

  // Agreement documents, kept in the evidence store (content-addressed, never changed).
  void PutAgreementDocument(const httplib::Request& req, httplib::Response& res) {
    auto c = Caller(req, res, Permission::kManageCases);
    if (!c) return;
    if (req.body.empty()) return BadRequest(res, "the body is the document");
    auto cur = env_.coop->Get(c->second, PathId(req), "agreement");
    if (!cur) return StoreProblem(res, cur.error());
    if (!*cur) return NotFound(res, "no agreement " + req.matches[1].str());
    auto put = env_.evidence->Put(req.body);
    if (!put) return StoreProblem(res, put.error());
    Object o = **cur;
    json data = json::parse(o.data_json, nullptr, false);
    std::string type = req.get_header_value("Content-Type");
    if (type.empty() || type.size() > 200) type = "application/octet-stream";
    std::string name = req.get_param_value("name");
    if (name.empty() || name.size() > 200 || name.find_first_of("/\\\"\r\n") != std::string::npos)
      name = "agreement";
    data["document"] = {{"sha256", put->sha256},
                        {"size", req.body.size()},
                        {"content_type", type},
                        {"name", SanitizeUtf8(name)}};
    o.data_json = Dump(data);
    auto saved = env_.coop->Update(c->second, o, SearchText(data), "document", put->sha256);
    if (!saved) return StoreProblem(res, saved.error());
    Json(res, 200, Dump(ObjectOut(*saved)));
  }

  void GetAgreementDocument(const httplib::Request& req, httplib::Response& res) {
    auto c = Caller(req, res, Permission::kCooperate);
    if (!c) return;
    auto cur = env_.coop->Get(c->second, PathId(req), "agreement");
    if (!cur) return StoreProblem(res, cur.error());
    if (!*cur) return NotFound(res, "no agreement " + req.matches[1].str());
    json data = json::parse((*cur)->data_json, nullptr, false);
    if (!data.is_object() || !data.contains("document"))
      return NotFound(res, "the agreement has no document");
    auto bytes = env_.evidence->Get(data["document"].value("sha256", ""));
    if (!bytes) return StoreProblem(res, bytes.error());
    if (!AuditRead(res, c->first, **cur, "document")) return;
    // Served as a download, with its type only when it is one that cannot run in the page.
    const std::string type = data["document"].value("content_type", "");
    static const std::set<std::string> safe = {
        "application/pdf",
        "text/plain",
        "image/png",
        "image/jpeg",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/msword",
        "application/vnd.oasis.opendocument.text"};
    std::string name = data["document"].value("name", "agreement");
    res.status = 200;
    res.set_header("Content-Disposition", "attachment; filename=\"" + name + "\"");
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_content(*bytes, safe.count(type) ? type : "application/octet-stream");
  }

  // --- cases --------------------------------------------------------------------------------

  // reports/campaigns/indicators members of a body.
  Status ReadSources(const json& body, coop::CaseSources* src) {
    try {
      if (body.contains("reports")) src->reports = body["reports"].get<std::vector<std::string>>();
      if (body.contains("campaigns"))
        src->campaigns = body["campaigns"].get<std::vector<int64_t>>();
      if (body.contains("indicators"))
        for (const auto& i : body["indicators"]) {
          std::string t = i.at("type").get<std::string>(), v = i.at("value").get<std::string>();
          if (std::find(std::begin(kIndicatorTypes), std::end(kIndicatorTypes), t) ==
              std::end(kIndicatorTypes))
            return Status::InvalidArgument("no indicator type " + t);
          src->indicators.emplace_back(t, v);
        }
    } catch (const json::exception&) {
      return Status::InvalidArgument(
          "reports is a list of report ids, campaigns a list of campaign ids, indicators a list of "
          "{type, value}");
    }
    for (const auto& r : src->reports)
      if (r.size() != 64 || r.find_first_not_of("0123456789abcdef") != std::string::npos)
        return Status::InvalidArgument("report ids are SHA-256 hashes in lower-case hex");
    return Status::Ok();
  }

  void CreateCase(const httplib::Request& req, httplib::Response& res) {
    auto c = Caller(req, res, Permission::kManageCases);
    if (!c) return;
    auto body = JsonBody(req, res);
    if (!body) return;
    coop::CaseInput in;
    coop::CaseSources src;
    try {
      in.title = body->value("title", "");
      in.summary = body->value("summary", "");
      in.assignees = body->value("assignees", std::vector<std::string>());
      json inputs = body->value("inputs", json::object());
      in.recipients = inputs.value("recipients", int64_t{0});
      in.money_lost = inputs.value("money_lost", 0.0);
      in.vulnerable = inputs.value("vulnerable", false);
      in.countries = inputs.value("countries", std::vector<std::string>());
    } catch (const json::exception&) {
      return BadRequest(
          res, "title and summary are strings, assignees a list of user names, inputs an object");
    }
    if (in.title.empty()) return BadRequest(res, "title is required");
    if (Status s = ReadMarking(*body, &in.tlp, &in.audience); !s.ok()) return StoreProblem(res, s);
    if (Status s = CheckGroups(c->second, in.audience); !s.ok()) return StoreProblem(res, s);
    if (Status s = ReadSources(*body, &src); !s.ok()) return StoreProblem(res, s);
    auto made = coop::CreateCase(*env_.coop, c->second, in, src);
    if (!made) return StoreProblem(res, made.error());
    if (!AuditShare(res, c->first, *made)) return;
    res.set_header("Location", "/api/v1/cases/" + std::to_string(made->id));
    Json(res, 201, Dump(CaseOut(c->second, *made, false)));
  }

  void ListCases(const httplib::Request& req, httplib::Response& res) {
    auto c = Caller(req, res, Permission::kCooperate);
    if (!c) return;
    coop::ObjectQuery q;
    q.type = "case";
    q.text = req.get_param_value("q");
    q.status = req.get_param_value("status");
    if (q.status == "active") {  // every case not closed
      q.status.clear();
      q.exclude_status = "closed";
    }
    q.owner = req.get_param_value("organisation");
    q.cursor = req.get_param_value("cursor");
    const std::string sort = req.has_param("sort") ? req.get_param_value("sort") : "harm";
    if (sort != "harm" && sort != "updated") return BadRequest(res, "sort is harm or updated");
    q.by_score = sort == "harm";
    if (req.has_param("report")) {
      q.link_kind = "report";
      q.link_target = coop::ReportTarget(c->first.org, req.get_param_value("report"));
    }
    if (!ParseLimit(req, res, 50, &q.limit)) return;
    auto page = env_.coop->List(c->second, q);
    if (!page) return StoreProblem(res, page.error());
    json items = json::array();
    for (const auto& o : page->items) {
      json j = ObjectOut(o);
      // The list shows the score and its figures, not the whole breakdown.
      j.erase("inputs");
      items.push_back(std::move(j));
    }
    json out = {{"items", items}};
    if (!page->next_cursor.empty()) out["next_cursor"] = page->next_cursor;
    Json(res, 200, Dump(out));
  }

  json CaseOut(const Viewer& v, const Object& cs, bool detail) {
    json j = ObjectOut(cs);
    for (const char* kind : {"report", "campaign", "indicator"}) {
      auto n = env_.coop->CountLinks(v, cs.id, kind);
      j["counts"][std::string(kind) + "s"] = n ? *n : 0;
    }
    if (!detail) return j;
    for (const char* kind : {"campaign", "indicator"}) {
      auto links = env_.coop->ListLinks(v, cs.id, kind, "", 200);
      json list = json::array();
      if (links)
        for (const auto& l : *links) list.push_back(l.target);
      j[std::string(kind) + "s"] = list;
    }
    auto page = ReportsPage(v, cs, "", 50, false, false);
    j["reports"] = page ? (*page)["items"] : json::array();
    const std::string next = page ? page->value("next_cursor", "") : "";
    if (!next.empty()) j["reports_next_cursor"] = next;
    for (const char* type : {"task", "note"}) {
      coop::ObjectQuery q;
      q.type = type;
      q.parent_id = cs.id;
      q.limit = 500;
      auto page = env_.coop->List(v, q);
      json list = json::array();
      if (page)
        for (const auto& o : page->items) list.push_back(ObjectOut(o));
      j[std::string(type) + "s"] = list;
    }
    return j;
  }

  std::optional<Object> LoadCase(const Viewer& v, const httplib::Request& req,
                                 httplib::Response& res) {
    auto o = env_.coop->Get(v, PathId(req), "case");
    if (!o) {
      StoreProblem(res, o.error());
      return std::nullopt;
    }
    if (!*o) {
      NotFound(res, "no case " + req.matches[1].str());
      return std::nullopt;
    }
    return **o;
  }

  void GetCase(const httplib::Request& req, httplib::Response& res) {
    auto c = Caller(req, res, Permission::kCooperate);
    if (!c) return;
    auto cs = LoadCase(c->second, req, res);
    if (!cs) return;
    if (!AuditRead(res, c->first, *cs, "read")) return;
    Json(res, 200, Dump(CaseOut(c->second, *cs, true)));
  }

  void CaseReports(const httplib::Request& req, httplib::Response& res) {
    auto c = Caller(req, res, Permission::kCooperate);
    if (!c) return;
    auto cs = LoadCase(c->second, req, res);
    if (!cs) return;
    size_t limit;
    if (!ParseLimit(req, res, 100, &limit)) return;
    auto page = ReportsPage(
        c->second, *cs,
        req.has_param("cursor") ? req.get_param_value("cursor") : req.get_param_value("after"),
        limit, false, false);
    if (!page) return StoreProblem(res, page.error());
    Json(res, 200, Dump(*page));
  }

  void PatchCase(const httplib::Request& req, httplib::Response& res) {
    auto c = Caller(req, res, Permission::kManageCases);
    if (!c) return;
    auto body = JsonBody(req, res);
    if (!body) return;
    int64_t version = 0;
    if (body->contains("version")) {
      if (!(*body)["version"].is_number_integer())
        return BadRequest(res, "version must be an integer");
      version = (*body)["version"].get<int64_t>();
    }
    if (body->contains("audience") && (*body)["audience"].is_object()) {
      auto a = coop::ParseAudienceJson((*body)["audience"].dump());
      if (!a) return StoreProblem(res, a.error());
      if (Status s = CheckGroups(c->second, *a); !s.ok()) return StoreProblem(res, s);
    }
    auto saved = coop::UpdateCase(*env_.coop, c->second, PathId(req), version, req.body);
    if (!saved) return StoreProblem(res, saved.error());
    if ((body->contains("audience") || body->contains("tlp")) && !AuditShare(res, c->first, *saved))
      return;
    Json(res, 200, Dump(CaseOut(c->second, *saved, false)));
  }

  void ExtendCase(const httplib::Request& req, httplib::Response& res) {
    auto c = Caller(req, res, Permission::kManageCases);
    if (!c) return;
    auto body = JsonBody(req, res);
    if (!body) return;
    coop::CaseSources src;
    if (Status s = ReadSources(*body, &src); !s.ok()) return StoreProblem(res, s);
    auto before = env_.coop->CountLinks(c->second, PathId(req), "report");
    if (!before) return StoreProblem(res, before.error());
    auto saved = coop::ExtendCase(*env_.coop, c->second, PathId(req), src);
    if (!saved) return StoreProblem(res, saved.error());
    json out = CaseOut(c->second, *saved, false);
    out["added_reports"] = out["counts"]["reports"].get<int64_t>() - *before;
    Json(res, 200, Dump(out));
  }

  void AddChild(const std::string& type, const httplib::Request& req, httplib::Response& res) {
    auto c = Caller(req, res, type == "task" ? Permission::kManageCases : Permission::kCooperate);
    if (!c) return;
    auto cs = LoadCase(c->second, req, res);
    if (!cs) return;
    if (type == "task" && cs->org != c->first.org)
      return Problem(res, 403, "Forbidden",
                     "only " + cs->org + ", which owns the case, sets its tasks");
    auto body = JsonBody(req, res);
    if (!body) return;
    Object o;
    o.type = type;
    o.parent_id = cs->id;
    o.tlp = cs->tlp;
    o.audience = cs->audience;
    if (cs->org != c->first.org) {
      // A note by another organisation reaches the case's owner and the case's audience.
      o.audience.kind = o.audience.kind == "organisation" ? "organisations" : o.audience.kind;
      o.audience.orgs.push_back(cs->org);
    }
    json data = json::object();
    if (type == "task") {
      std::string title, assignee, due;
      if (!StringMember(*body, "title", &title) || !StringMember(*body, "assignee", &assignee) ||
          !StringMember(*body, "due", &due))
        return BadRequest(res, "title, assignee and due are strings");
      if (title.empty()) return BadRequest(res, "title is required");
      if (!due.empty()) {
        auto t = ParseTime(due);
        if (!t)
          return BadRequest(res, "due must be an RFC 3339 time in UTC, e.g. 2026-01-31T00:00:00Z");
        o.due_at = *t;
      }
      o.title = SanitizeUtf8(title);
      o.status = "open";
      data["assignee"] = SanitizeUtf8(assignee);
    } else {
      std::string text;
      if (!StringMember(*body, "text", &text) || text.empty())
        return BadRequest(res, "text is required");
      if (text.size() > 100000) return BadRequest(res, "text is too long");
      text = SanitizeUtf8(text);
      o.title = text.substr(0, 80);
      o.status = "active";
      data["text"] = text;
    }
    o.data_json = Dump(data);
    auto made = env_.coop->Create(c->second, o, data.value("text", ""), {});
    if (!made) return StoreProblem(res, made.error());
    env_.coop->Record(c->second, cs->id, type == "task" ? "task.add" : "note.add",
                      std::to_string(made->id));
    Json(res, 201, Dump(ObjectOut(*made)));
  }

  void PatchTask(const httplib::Request& req, httplib::Response& res) {
    auto c = Caller(req, res, Permission::kManageCases);
    if (!c) return;
    auto body = JsonBody(req, res);
    if (!body) return;
    auto cur = env_.coop->Get(c->second, PathId(req), "task");
    if (!cur) return StoreProblem(res, cur.error());
    if (!*cur) return NotFound(res, "no task " + req.matches[1].str());
    Object o = **cur;
    json data = json::parse(o.data_json, nullptr, false);
    std::string status, title, assignee, due;
    if (!StringMember(*body, "status", &status) || !StringMember(*body, "title", &title) ||
        !StringMember(*body, "assignee", &assignee) || !StringMember(*body, "due", &due))
      return BadRequest(res, "status, title, assignee and due are strings");
    std::string action = "update";
    if (!status.empty()) {
      if (status != "open" && status != "done") return BadRequest(res, "a task is open or done");
      if (status != o.status) action = "status:" + o.status + "->" + status;
      o.status = status;
    }
    if (!title.empty()) o.title = SanitizeUtf8(title);
    if (body->contains("assignee")) data["assignee"] = SanitizeUtf8(assignee);
    if (!due.empty()) {
      auto t = ParseTime(due);
      if (!t) return BadRequest(res, "due must be an RFC 3339 time in UTC");
      o.due_at = *t;
    } else if (body->contains("due") && (*body)["due"].is_null()) {
      o.due_at.reset();  // null clears the due date
    }
    o.data_json = Dump(data);
    auto saved = env_.coop->Update(c->second, o, "", action, "");
    if (!saved) return StoreProblem(res, saved.error());
    env_.coop->Record(c->second, o.parent_id,
                      "task." + (status.empty() ? std::string("update") : status),
                      std::to_string(o.id));
    Json(res, 200, Dump(ObjectOut(*saved)));
  }

  void CaseHistory(const httplib::Request& req, httplib::Response& res) {
    auto c = Caller(req, res, Permission::kCooperate);
    if (!c) return;
    auto ev = env_.coop->Events(c->second, PathId(req));
    if (!ev) return StoreProblem(res, ev.error());
    json items = json::array();
    for (const auto& e : *ev)
      items.push_back({{"at", Time(e.at)},
                       {"organisation", e.org},
                       {"actor", e.actor},
                       {"action", e.action},
                       {"detail", e.detail}});
    Json(res, 200, Dump({{"items", items}}));
  }

  void CasePackage(const httplib::Request& req, httplib::Response& res) {
    auto c = Caller(req, res, Permission::kReadEvidence);
    if (!c) return;
    if (!env_.node_key)
      return Problem(res, 503, "Service Unavailable", "this node has no signing key");
    auto cs = LoadCase(c->second, req, res);
    if (!cs) return;
    const bool personal = req.get_param_value("personal") == "1";
    if (personal &&
        (cs->org != c->first.org || !Allowed(c->first.role, Permission::kReadPersonalData)))
      return Problem(res, 403, "Forbidden",
                     "complainants' personal data leaves " + cs->org +
                         " only to its own users allowed to read it");
    SendPackage(res, c->first, c->second, *cs, true, personal);
  }
};

}  // namespace

void RegisterCoopRoutes(httplib::Server& http, const CoopEnv& env) {
  auto r = std::make_shared<Routes>(env);
  using H = void (Routes::*)(const httplib::Request&, httplib::Response&);
  auto bind = [r](H h) {
    return [r, h](const httplib::Request& q, httplib::Response& s) { ((*r).*h)(q, s); };
  };
  http.Get("/api/v1/organisations", bind(&Routes::ListOrganisations));
  http.Get("/api/v1/organisations/([^/]+)", bind(&Routes::GetOrganisation));
  http.Put("/api/v1/organisations/([^/]+)", bind(&Routes::PutOrganisation));
  http.Get("/api/v1/directory/export", bind(&Routes::ExportDirectory));
  for (const auto& spec : Specs()) {
    const TypeSpec* s = &spec;
    const std::string base = std::string("/api/v1/") + spec.plural;
    http.Post(base, [r, s](const httplib::Request& q, httplib::Response& p) {
      r->CreateSimple(*s, q, p);
    });
    http.Get(base,
             [r, s](const httplib::Request& q, httplib::Response& p) { r->ListSimple(*s, q, p); });
    http.Get(base + "/([0-9]+)",
             [r, s](const httplib::Request& q, httplib::Response& p) { r->GetSimple(*s, q, p); });
    http.Patch(base + "/([0-9]+)", [r, s](const httplib::Request& q, httplib::Response& p) {
      r->PatchSimple(*s, q, p);
    });
  }
  http.Put("/api/v1/agreements/([0-9]+)/document", bind(&Routes::PutAgreementDocument));
  http.Get("/api/v1/agreements/([0-9]+)/document", bind(&Routes::GetAgreementDocument));
  http.Post("/api/v1/cases", bind(&Routes::CreateCase));
  http.Get("/api/v1/cases", bind(&Routes::ListCases));
  http.Get("/api/v1/cases/([0-9]+)", bind(&Routes::GetCase));
  http.Patch("/api/v1/cases/([0-9]+)", bind(&Routes::PatchCase));
  http.Get("/api/v1/cases/([0-9]+)/reports", bind(&Routes::CaseReports));
  http.Post("/api/v1/cases/([0-9]+)/reports", bind(&Routes::ExtendCase));
  http.Post("/api/v1/cases/([0-9]+)/tasks",
            [r](const httplib::Request& q, httplib::Response& s) { r->AddChild("task", q, s); });
  http.Post("/api/v1/cases/([0-9]+)/notes",
            [r](const httplib::Request& q, httplib::Response& s) { r->AddChild("note", q, s); });
  http.Patch("/api/v1/tasks/([0-9]+)", bind(&Routes::PatchTask));
  http.Get("/api/v1/cases/([0-9]+)/history", bind(&Routes::CaseHistory));
  http.Get("/api/v1/cases/([0-9]+)/package", bind(&Routes::CasePackage));
}

}  // namespace lapis::api
