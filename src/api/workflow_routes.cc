// Referrals, requests (mutual assistance and to companies), membership applications and
// notifications (docs/api.md, "Cooperation"; docs/cooperation.md).
#include <algorithm>
#include <map>
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

bool OneOf(const std::string& v, const char* const* b, const char* const* e) {
  return std::find_if(b, e, [&](const char* x) { return v == x; }) != e;
}

// Requests in these states wait for the recipient; past their due time they are overdue.
bool Waiting(const Object& o) {
  return o.type == "request" &&
         (o.status == "sent" || o.status == "acknowledged" || o.status == "in-progress");
}

// `viewer`: the organisation asking; its side's possible next steps are listed as "actions".
json WorkflowOut(const Object& o, const std::string& viewer = "") {
  json j = ObjectOut(o);
  if (o.due_at) j["overdue"] = Waiting(o) && *o.due_at < Now();
  if (!viewer.empty() && (o.type == "referral" || o.type == "request")) {
    const bool sender = o.org == viewer, recipient = j.value("to", "") == viewer;
    json actions = json::array();
    for (const auto& step : coop::Lifecycle(o.type)) {
      if (o.status != step.from) continue;
      if ((step.who == coop::Side::kSender && !sender) ||
          (step.who == coop::Side::kRecipient && !recipient))
        continue;
      json a = {{"to", step.to}};
      if (step.reason) a["needs"] = "reason";
      if (step.outcome) a["needs"] = "outcome";
      if (step.answer) a["needs"] = "answer";
      actions.push_back(std::move(a));
    }
    j["next_steps"] = actions;
  }
  return j;
}

class Workflow : public CoopBase {
 public:
  using CoopBase::CoopBase;

  // --- shared: the countries a report, campaign or case is about ---------------------------

  // Origin countries and the countries of advertised domains (ccTLD) of a report.
  void CountriesOfReport(const std::string& org, const std::string& sha,
                         std::map<std::string, std::string>* out) {
    auto r = env_.coop->store().GetReport(org, sha);
    if (!r || !*r) return;
    if (!(*r)->origin_country.empty()) out->emplace((*r)->origin_country, "origin");
    json a = ParseObject((*r)->analysis_json);
    if (a.contains("indicators") && a["indicators"].is_object()) {
      const json& ind = a["indicators"];
      // indicators.domains: {host, registrable, sources} (docs/analysis.md).
      if (ind.contains("domains") && ind["domains"].is_array()) {
        for (const auto& d : ind["domains"]) {
          if (!d.is_object()) continue;
          const std::string name = d.value("registrable", d.value("host", ""));
          std::string c = coop::CountryOfDomain(name);
          if (!c.empty()) out->emplace(c, "domain:" + name);
        }
      }
    }
  }

  void Proposal(const httplib::Request& req, httplib::Response& res) {
    auto c = Caller(req, res, Permission::kManageCases);
    if (!c) return;
    std::map<std::string, std::string> countries;  // country -> why
    if (req.has_param("report")) {
      CountriesOfReport(c->first.org, req.get_param_value("report"), &countries);
    } else if (req.has_param("campaign")) {
      const std::string v = req.get_param_value("campaign");
      if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos || v.size() > 18)
        return BadRequest(res, "campaign is a campaign id");
      auto camp = env_.coop->store().GetCampaign(c->first.org, std::stoll(v));
      if (!camp) return StoreProblem(res, camp.error());
      if (!*camp) return NotFound(res, "no campaign " + v);
      for (const auto& f : (*camp)->origin_countries)
        countries.emplace(f.value, "origin:" + std::to_string(f.count));
      for (size_t i = 0; i < (*camp)->members.size() && i < 20; ++i)
        CountriesOfReport(c->first.org, (*camp)->members[i], &countries);
    } else {
      return BadRequest(res, "say what to refer: report=ID or campaign=ID");
    }
    auto own = env_.coop->GetProfile(c->first.org);
    if (own && !own->country.empty()) countries.erase(own->country);  // not cross-border
    std::vector<std::string> list;
    json why = json::array();
    // Why each country: the messages were sent from there (basis "origin", with how many reports
    // of a campaign), or an advertised site is under its country-code domain ("domain").
    for (const auto& [country, reason] : countries) {
      list.push_back(country);
      json w = {{"country", country}};
      if (reason.rfind("domain:", 0) == 0) {
        w["basis"] = "domain";
        w["domain"] = reason.substr(7);
        w["why"] = "the advertised site " + reason.substr(7) + " is under a domain of " + country;
      } else {
        w["basis"] = "origin";
        if (reason.size() > 7) w["reports"] = std::stoll(reason.substr(7));
        w["why"] = reason.size() > 7 ? reason.substr(7) + " of its reports were sent from there"
                                     : "the message was sent from there";
      }
      why.push_back(std::move(w));
    }
    auto cands = coop::ProposeAuthorities(*env_.coop, c->second, list);
    if (!cands) return StoreProblem(res, cands.error());
    json items = json::array();
    for (const auto& k : *cands) {
      json ag = json::array();
      for (const auto& a : k.agreements)
        ag.push_back({{"id", a.id}, {"title", a.title}, {"personal_data", a.personal_data}});
      items.push_back({{"organisation", k.org},
                       {"display_name", k.display_name},
                       {"country", k.country},
                       {"competences", k.competences},
                       {"primary_contact", k.primary_contact},
                       {"agreements", ag},
                       {"reasons", k.reasons}});
    }
    Json(res, 200, Dump({{"countries", why}, {"candidates", items}}));
  }

  // The agreement `id` in force between the viewer and `other` (NotFound/InvalidArgument
  // otherwise).
  Result<Object> AgreementBetween(const Viewer& v, int64_t id, const std::string& other,
                                  const char* scope) {
    auto a = env_.coop->Get(v, id, "agreement");
    if (!a) return Fail(a.error());
    if (!*a) return Fail(Status::InvalidArgument("no agreement " + std::to_string(id)));
    json d = ParseObject((*a)->data_json);
    auto parties = d.value("parties", std::vector<std::string>());
    if (std::find(parties.begin(), parties.end(), v.org) == parties.end() ||
        std::find(parties.begin(), parties.end(), other) == parties.end())
      return Fail(Status::InvalidArgument("agreement " + std::to_string(id) + " does not join " +
                                          v.org + " and " + other));
    if ((*a)->status != "in-force")
      return Fail(Status::InvalidArgument("agreement " + std::to_string(id) + " is not in force"));
    auto scopes = d.value("scope", std::vector<std::string>());
    if (scope && std::find(scopes.begin(), scopes.end(), scope) == scopes.end())
      return Fail(
          Status::InvalidArgument("agreement " + std::to_string(id) + " does not cover " + scope));
    return **a;
  }

  // --- referrals ----------------------------------------------------------------------------

  void CreateReferral(const httplib::Request& req, httplib::Response& res) {
    auto c = Caller(req, res, Permission::kManageCases);
    if (!c) return;
    if (!c->second.agency || !c->second.member)
      return Problem(res, 403, "Forbidden", "referrals are sent by member agencies");
    auto body = JsonBody(req, res);
    if (!body) return;
    std::string to, summary, country;
    if (!StringMember(*body, "to", &to) || !StringMember(*body, "summary", &summary) ||
        !StringMember(*body, "country", &country))
      return BadRequest(res, "to, summary and country are strings");
    if (to.empty()) return BadRequest(res, "to: the agency the referral goes to");
    if (to == c->first.org) return BadRequest(res, "a referral goes to another agency");
    auto p = env_.coop->GetProfile(to);
    if (!p) return BadRequest(res, "no organisation " + to);
    if (p->kind != "agency" || p->membership != "member")
      return BadRequest(res, to + " is not a member agency");
    json data = {{"to", to},
                 {"summary", SanitizeUtf8(summary)},
                 {"country", country.empty() ? p->country : country}};
    bool personal = false;
    if (body->contains("agreement")) {
      if (!(*body)["agreement"].is_number_integer())
        return BadRequest(res, "agreement is an agreement id");
      auto a = AgreementBetween(c->second, (*body)["agreement"].get<int64_t>(), to, nullptr);
      if (!a) return StoreProblem(res, a.error());
      personal = ParseObject(a->data_json).value("personal_data", false);
      data["agreement"] = {{"id", a->id}, {"title", a->title}};
    }
    // The complainants' personal data (and the raw messages, which name the recipients) go only
    // where an agreement entitles the receiving agency to them.
    data["personal_data"] = personal;
    coop::CaseSources src;
    try {
      if (body->contains("reports"))
        src.reports = (*body)["reports"].get<std::vector<std::string>>();
      if (body->contains("campaigns"))
        src.campaigns = (*body)["campaigns"].get<std::vector<int64_t>>();
    } catch (const json::exception&) {
      return BadRequest(res, "reports is a list of report ids, campaigns a list of campaign ids");
    }
    if (src.reports.empty() && src.campaigns.empty())
      return BadRequest(res, "name the reports or campaigns referred");
    std::vector<coop::Link> links{{"recipient", to, 0, ""}};
    for (const auto& sha : src.reports) {
      auto r = env_.coop->store().GetReport(c->first.org, sha);
      if (!r) return StoreProblem(res, r.error());
      if (!*r) return BadRequest(res, "no report " + sha);
      links.push_back({"report", coop::ReportTarget(c->first.org, sha), 0, ""});
    }
    for (int64_t id : src.campaigns) {
      store::ReportQuery q;
      q.org = c->first.org;
      q.campaign = id;
      q.limit = 500;
      auto camp = env_.coop->store().FindCampaign(c->first.org, id);
      if (!camp) return StoreProblem(res, camp.error());
      if (!*camp) return BadRequest(res, "no campaign " + std::to_string(id));
      links.push_back({"campaign", c->first.org + "/" + std::to_string((*camp)->id), 0, ""});
      q.campaign = (*camp)->id;
      for (;;) {
        auto page = env_.coop->store().ListReports(q);
        if (!page) return StoreProblem(res, page.error());
        for (const auto& r : page->rows)
          links.push_back({"report", coop::ReportTarget(c->first.org, r.sha256), 0, ""});
        if (page->next_cursor.empty()) break;
        q.cursor = page->next_cursor;
      }
    }
    Object o;
    o.type = "referral";
    o.status = "sent";
    std::string title;
    StringMember(*body, "title", &title);
    o.title = title.empty() ? "Referral to " + to : SanitizeUtf8(title);
    o.tlp = coop::Tlp::kAmber;
    o.audience.kind = "organisations";
    if (Status s = ReadMarking(*body, &o.tlp, &o.audience); !s.ok()) return StoreProblem(res, s);
    if (o.audience.kind == "organisation") o.audience.kind = "organisations";
    if (std::find(o.audience.orgs.begin(), o.audience.orgs.end(), to) == o.audience.orgs.end())
      o.audience.orgs.push_back(to);
    data["timeline"] = {{"sent", FormatRfc3339(Now())}};
    o.data_json = Dump(data);
    auto made = env_.coop->Create(c->second, o, summary, links);
    if (!made) return StoreProblem(res, made.error());
    if (!AuditShare(res, c->first, *made)) return;
    coop::Notify(*env_.coop, c->second, {to}, "referral.sent", "referral", made->id, "sent",
                 "Referral from " + c->first.org + ": " + made->title);
    res.set_header("Location", "/api/v1/referrals/" + std::to_string(made->id));
    Json(res, 201, Dump(WithCounts(c->second, *made)));
  }

  json WithCounts(const Viewer& v, const Object& o) {
    json j = WorkflowOut(o, v.org);
    auto n = env_.coop->CountLinks(v, o.id, "report");
    j["counts"] = {{"reports", n ? *n : 0}};
    return j;
  }

  // Lists of referrals or requests: box=out (sent by the caller's organisation), in (sent to it),
  // or all.
  void ListFlow(const std::string& type, const httplib::Request& req, httplib::Response& res) {
    auto c = Caller(req, res, Permission::kCooperate);
    if (!c) return;
    coop::ObjectQuery q;
    q.type = type;
    q.status = req.get_param_value("status");
    q.text = req.get_param_value("q");
    q.cursor = req.get_param_value("cursor");
    const std::string box = req.has_param("box") ? req.get_param_value("box") : "all";
    if (box == "out")
      q.owner = c->first.org;
    else if (box == "in")
      q.link_kind = "recipient", q.link_target = c->first.org;
    else if (box != "all")
      return BadRequest(res, "box is in, out or all");
    if (!ParseLimit(req, res, 50, &q.limit)) return;
    if (req.get_param_value("overdue") == "1") {  // waiting past the due time
      if (type != "request") return BadRequest(res, "only requests have due times");
      q.status.clear();
      q.statuses = {"sent", "acknowledged", "in-progress"};
      q.due_before = Now();
    }
    auto page = env_.coop->List(c->second, q);
    if (!page) return StoreProblem(res, page.error());
    json items = json::array();
    for (const auto& o : page->items) items.push_back(WorkflowOut(o, c->first.org));
    json out = {{"items", items}};
    if (!page->next_cursor.empty()) out["next_cursor"] = page->next_cursor;
    Json(res, 200, Dump(out));
  }

  std::optional<Object> Load(const std::string& type, const Viewer& v, const httplib::Request& req,
                             httplib::Response& res) {
    auto o = env_.coop->Get(v, PathId(req), type);
    if (!o) {
      StoreProblem(res, o.error());
      return std::nullopt;
    }
    if (!*o) {
      NotFound(res, "no " + type + " " + req.matches[1].str());
      return std::nullopt;
    }
    return **o;
  }

  void GetFlow(const std::string& type, const httplib::Request& req, httplib::Response& res) {
    auto c = Caller(req, res, Permission::kCooperate);
    if (!c) return;
    auto o = Load(type, c->second, req, res);
    if (!o) return;
    if (!AuditRead(res, c->first, *o, "read")) return;
    // The receiving agency's first read is the referral's receipt.
    if (type == "referral" && o->status == "sent" &&
        ParseObject(o->data_json).value("to", "") == c->first.org &&
        Allowed(c->first.role, Permission::kManageCases)) {
      auto moved = Move(c->first, c->second, type, o->id, "received", json::object());
      if (moved) o = *moved;
    }
    Json(res, 200, Dump(WithCounts(c->second, *o)));
  }

  // One step of the lifecycle; the other side is told.
  Result<Object> Move(const Principal& who, const Viewer& v, const std::string& type, int64_t id,
                      const std::string& to, const json& body) {
    std::string other;
    auto moved = env_.coop->Change(
        v, id, type,
        [&](Object& o) -> Status {
          json d = ParseObject(o.data_json);
          auto step = coop::FindStep(type, o.status, to);
          if (!step) return step.error();
          const std::string recipient = d.value("to", "");
          const bool sender = o.org == v.org, receiver = recipient == v.org;
          if (step->who == coop::Side::kSender && !sender)
            return Status::PermissionDenied("only " + o.org + ", which sent it, may make it " + to);
          if (step->who == coop::Side::kRecipient && !receiver)
            return Status::PermissionDenied("only " + recipient +
                                            ", to which it was sent, may make it " + to);
          other = sender ? recipient : o.org;
          std::string reason = body.contains("reason") && body["reason"].is_string()
                                   ? body["reason"].get<std::string>()
                                   : "";
          if (step->reason && reason.empty())
            return Status::InvalidArgument("say why: reason is required");
          if (!reason.empty())
            d[to == "declined" ? "decline_reason" : "withdraw_reason"] = SanitizeUtf8(reason);
          if (step->outcome) {
            json oc = body.value("outcome", json::object());
            std::string kind = oc.is_object() ? oc.value("kind", "") : "";
            if (!OneOf(kind, std::begin(coop::kOutcomes), std::end(coop::kOutcomes)))
              return Status::InvalidArgument(
                  "outcome.kind is warning, fine, undertaking, prosecution or no-action");
            d["outcome"] = {{"kind", kind},
                            {"detail", SanitizeUtf8(oc.value("detail", ""))},
                            {"at", FormatRfc3339(Now())}};
          }
          if (step->answer) {
            std::string text = body.contains("answer") && body["answer"].is_string()
                                   ? body["answer"].get<std::string>()
                                   : "";
            if (text.empty())
              return Status::InvalidArgument("answer: the answer's text is required");
            d["answer"] = {
                {"text", SanitizeUtf8(text)}, {"at", FormatRfc3339(Now())}, {"by", v.actor}};
          }
          d["timeline"][to] = FormatRfc3339(Now());
          o.status = to;
          o.data_json = Dump(d);
          return Status::Ok();
        },
        "status:" + std::string("->") + to, body.value("reason", ""));
    if (!moved) return moved;
    // The detail carries what the step says: the reason, the outcome, the answer.
    json d = ParseObject(moved->data_json);
    std::string detail;
    if (to == "declined") detail = d.value("decline_reason", "");
    if (to == "withdrawn") detail = d.value("withdraw_reason", "");
    if (to == "closed" && d.contains("outcome"))
      detail = d["outcome"].value("kind", "") + ": " + d["outcome"].value("detail", "");
    if (to == "answered" && d.contains("answer"))
      detail = d["answer"].value("text", "").substr(0, 500);
    coop::Notify(*env_.coop, v, {other}, type + "." + to, type, id, to,
                 "The " + type + " \"" + moved->title + "\" is " + to + " (" + v.org + ")", detail);
    if (to == "closed") TellContributors(v, *moved);
    return moved;
  }

  // Those whose reports went into a closed object are told its outcome.
  void TellContributors(const Viewer& v, const Object& o) {
    auto orgs = coop::Contributors(*env_.coop, v, o);
    if (!orgs || orgs->empty()) return;
    json oc = ParseObject(o.data_json).value("outcome", json::object());
    coop::Notify(*env_.coop, v, *orgs, "outcome", o.type, o.id, "closed",
                 "Outcome of the " + o.type + " \"" + o.title + "\": " + oc.value("kind", ""),
                 oc.value("kind", "") + ": " + oc.value("detail", ""));
  }

  void Transition(const std::string& type, const httplib::Request& req, httplib::Response& res) {
    auto c = Caller(req, res, Permission::kManageCases);
    if (!c) return;
    auto body = JsonBody(req, res);
    if (!body) return;
    std::string to;
    if (!StringMember(*body, "to", &to) || to.empty())
      return BadRequest(res, "to: the state to move to");
    auto moved = Move(c->first, c->second, type, PathId(req), to, *body);
    if (!moved) return StoreProblem(res, moved.error());
    if (!env_.audit(&res, c->first.org, c->first.actor, type + "." + to, std::to_string(moved->id),
                    ""))
      return;
    Json(res, 200, Dump(WithCounts(c->second, *moved)));
  }

  // Whether the caller may have the referred reports' personal data and raw messages: the
  // referring agency's users allowed to read personal data, or the receiving agency when the
  // agreement cited when it was sent allows personal data.
  static bool Entitled(const Principal& who, const Object& referral) {
    if (referral.org == who.org) return Allowed(who.role, Permission::kReadPersonalData);
    return ParseObject(referral.data_json).value("personal_data", false);
  }

  void ReferralReports(const httplib::Request& req, httplib::Response& res) {
    auto c = Caller(req, res, Permission::kCooperate);
    if (!c) return;
    auto o = Load("referral", c->second, req, res);
    if (!o) return;
    const bool personal = Entitled(c->first, *o);
    size_t limit;
    if (!ParseLimit(req, res, 100, &limit)) return;
    const std::string after =
        req.has_param("cursor") ? req.get_param_value("cursor") : req.get_param_value("after");
    auto page = ReportsPage(c->second, *o, after, limit, true, personal);
    if (!page) return StoreProblem(res, page.error());
    json out = *page;
    out["personal_data_included"] = personal;
    if (!AuditRead(res, c->first, *o, "reports")) return;
    Json(res, 200, Dump(out));
  }

  void ReferralPackage(const httplib::Request& req, httplib::Response& res) {
    auto c = Caller(req, res, Permission::kCooperate);
    if (!c) return;
    auto o = Load("referral", c->second, req, res);
    if (!o) return;
    const json d = ParseObject(o->data_json);
    if (d.contains("federation"))
      return Problem(res, 409, "Conflict",
                     "the evidence of this referral is kept by node " +
                         d["federation"].value("node", "") + "; ask " + o->org +
                         " for its package (its reports' analyses are under /reports)");
    const bool entitled = Entitled(c->first, *o);
    SendPackage(res, c->first, c->second, *o, entitled, entitled);
  }

  // --- requests -----------------------------------------------------------------------------

  // A company request pre-filled from the company's LAP B.4 answers.
  void Template(const httplib::Request& req, httplib::Response& res) {
    auto c = Caller(req, res, Permission::kManageCases);
    if (!c) return;
    const std::string to = req.get_param_value("to"), kind = req.get_param_value("kind");
    if (!OneOf(kind, std::begin(coop::kCompanyRequestKinds), std::end(coop::kCompanyRequestKinds)))
      return BadRequest(
          res,
          "kind is ip-subscriber, domain-registrant, account-holder, payment-account or other");
    auto p = env_.coop->GetProfile(to);
    if (!p) return StoreProblem(res, p.error());
    if (p->kind != "partner") return BadRequest(res, to + " is not a company in the directory");
    json d = ParseObject(p->data_json);
    json b4 = d.value("b4", json::object());
    auto own = env_.coop->GetProfile(c->first.org);
    const bool domestic = own && !own->country.empty() && own->country == p->country;
    static const std::map<std::string, std::string> asks = {
        {"ip-subscriber",
         "Who held the IP address IP at TIME (UTC)? Name and address of the subscriber."},
        {"domain-registrant",
         "Who registered the domain DOMAIN, with what contact details and payment, and when?"},
        {"account-holder",
         "Who holds the account ACCOUNT, since when, and from which addresses was it used?"},
        {"payment-account",
         "Who holds the payment account ACCOUNT, and what payments did it receive between DATES?"},
        {"other", "DESCRIBE WHAT IS ASKED"}};
    // The placeholders filled with what the caller gave: ip, at, domain, account, dates.
    std::string ask = asks.at(kind);
    json subject = {{"kind", kind}};
    for (const auto& [param, holder] :
         std::vector<std::pair<std::string, std::string>>{{"ip", "IP"},
                                                          {"at", "TIME"},
                                                          {"domain", "DOMAIN"},
                                                          {"account", "ACCOUNT"},
                                                          {"dates", "DATES"}}) {
      const std::string v = req.get_param_value(param);
      if (v.empty()) continue;
      if (v.size() > 500) return BadRequest(res, param + " is too long");
      subject[param] = SanitizeUtf8(v);
      for (size_t at = ask.find(holder); at != std::string::npos;
           at = ask.find(holder, at + v.size()))
        ask.replace(at, holder.size(), SanitizeUtf8(v));
    }
    json t = {{"kind", "company"},
              {"to", to},
              {"subject_kind", kind},
              {"subject", subject},
              {"description", ask},
              {"what_they_give", b4.value(domestic ? "domestic" : "foreign", "")},
              {"conditions", b4.value(domestic ? "domestic_conditions" : "foreign_conditions", "")},
              {"how_to_send", b4.value("request_procedure", "")},
              {"send_to", b4.value("request_address", "")},
              {"domestic", domestic}};
    Json(res, 200, Dump(t));
  }

  void CreateRequest(const httplib::Request& req, httplib::Response& res) {
    auto c = Caller(req, res, Permission::kManageCases);
    if (!c) return;
    if (!c->second.agency || !c->second.member)
      return Problem(res, 403, "Forbidden", "requests are sent by member agencies");
    auto body = JsonBody(req, res);
    if (!body) return;
    std::string kind, to, title, description, legal_basis, due, priority;
    if (!StringMember(*body, "kind", &kind) || !StringMember(*body, "to", &to) ||
        !StringMember(*body, "title", &title) ||
        !StringMember(*body, "description", &description) ||
        !StringMember(*body, "legal_basis", &legal_basis) || !StringMember(*body, "due", &due) ||
        !StringMember(*body, "priority", &priority))
      return BadRequest(res,
                        "kind, to, title, description, legal_basis, due and priority are strings");
    if (kind != "assistance" && kind != "company")
      return BadRequest(res, "kind is assistance or company");
    if (to.empty() || to == c->first.org) return BadRequest(res, "to: the agency or company asked");
    auto p = env_.coop->GetProfile(to);
    if (!p) return BadRequest(res, "no organisation " + to);
    if (p->membership != "member") return BadRequest(res, to + " is not a member of the network");
    if (kind == "assistance" && p->kind != "agency")
      return BadRequest(res, "assistance requests go to agencies");
    if (kind == "company" && p->kind != "partner")
      return BadRequest(res, "requests for information go to companies");
    json data = {{"kind", kind},
                 {"to", to},
                 {"description", SanitizeUtf8(description)},
                 {"legal_basis", SanitizeUtf8(legal_basis)}};
    if (kind == "assistance") {
      if (!body->contains("agreement") || !(*body)["agreement"].is_number_integer())
        return BadRequest(res, "an assistance request cites an agreement: agreement is its id");
      auto a =
          AgreementBetween(c->second, (*body)["agreement"].get<int64_t>(), to, "mutual-assistance");
      if (!a) return StoreProblem(res, a.error());
      data["agreement"] = {{"id", a->id}, {"title", a->title}};
      std::vector<std::string> actions;
      try {
        actions = body->value("actions", std::vector<std::string>());
      } catch (const json::exception&) {
        return BadRequest(res, "actions is a list");
      }
      if (actions.empty())
        return BadRequest(res, "actions: what is asked (identify-sender, preserve-data, ...)");
      for (const auto& x : actions)
        if (!OneOf(x, std::begin(coop::kAssistanceActions), std::end(coop::kAssistanceActions)))
          return BadRequest(res,
                            "actions are identify-sender, preserve-data, provide-information, "
                            "investigate, take-action");
      data["actions"] = actions;
    } else {
      json subject = body->value("subject", json::object());
      if (!subject.is_object() ||
          !OneOf(subject.value("kind", ""), std::begin(coop::kCompanyRequestKinds),
                 std::end(coop::kCompanyRequestKinds)))
        return BadRequest(res,
                          "subject.kind is ip-subscriber, domain-registrant, account-holder, "
                          "payment-account or other");
      for (auto it = subject.begin(); it != subject.end(); ++it)
        if (!it->is_string()) return BadRequest(res, "subject's members are strings");
      data["subject"] = subject;
      json b4 = ParseObject(p->data_json).value("b4", json::object());
      data["procedure"] = b4.value("request_procedure", "");
    }
    Object o;
    o.type = "request";
    o.title =
        title.empty()
            ? (kind == "assistance" ? "Assistance request to " : "Request for information to ") + to
            : SanitizeUtf8(title);
    o.tlp = coop::Tlp::kAmber;
    o.audience.kind = "organisations";
    if (Status s = ReadMarking(*body, &o.tlp, &o.audience); !s.ok()) return StoreProblem(res, s);
    if (o.audience.kind == "organisation") o.audience.kind = "organisations";
    if (std::find(o.audience.orgs.begin(), o.audience.orgs.end(), to) == o.audience.orgs.end())
      o.audience.orgs.push_back(to);
    if (!due.empty()) {
      auto t = ParseTime(due);
      if (!t) return BadRequest(res, "due must be an RFC 3339 time in UTC");
      o.due_at = *t;
    }
    std::vector<coop::Link> links{{"recipient", to, 0, ""}};
    double harm = 0;
    if (body->contains("case")) {
      if (!(*body)["case"].is_number_integer()) return BadRequest(res, "case is a case id");
      auto cs = env_.coop->Get(c->second, (*body)["case"].get<int64_t>(), "case");
      if (!cs) return StoreProblem(res, cs.error());
      if (!*cs) return BadRequest(res, "no case " + std::to_string((*body)["case"].get<int64_t>()));
      harm = (*cs)->score;
      data["case"] = {{"id", (*cs)->id}, {"title", (*cs)->title}, {"harm_score", harm}};
      links.push_back({"case", std::to_string((*cs)->id), 0, ""});
    }
    if (!priority.empty() && priority != "low" && priority != "medium" && priority != "high")
      return BadRequest(res, "priority is low, medium or high");
    data["priority"] = priority.empty() ? coop::PriorityFromHarm(harm) : priority;
    data["attachments"] = json::array();
    const bool send = body->value("send", true);
    o.status = send ? "sent" : "draft";
    data["timeline"] = {{o.status, FormatRfc3339(Now())}};
    o.data_json = Dump(data);
    auto made = env_.coop->Create(c->second, o, description, links);
    if (!made) return StoreProblem(res, made.error());
    if (!AuditShare(res, c->first, *made)) return;
    if (send)
      coop::Notify(*env_.coop, c->second, {to}, "request.sent", "request", made->id, "sent",
                   "Request from " + c->first.org + ": " + made->title);
    res.set_header("Location", "/api/v1/requests/" + std::to_string(made->id));
    Json(res, 201, Dump(WithCounts(c->second, *made)));
  }

  // Attachments: the sender's to a draft or a sent request; the recipient's to its answer.
  void Attach(const httplib::Request& req, httplib::Response& res) {
    auto c = Caller(req, res, Permission::kManageCases);
    if (!c) return;
    if (req.body.empty()) return BadRequest(res, "the body is the attachment");
    std::string name = req.get_param_value("name");
    if (name.empty()) name = "attachment";
    auto put = env_.evidence->Put(req.body);
    if (!put) return StoreProblem(res, put.error());
    std::string type = req.get_header_value("Content-Type");
    if (type.empty() || type.size() > 200) type = "application/octet-stream";
    auto moved = env_.coop->Change(
        c->second, PathId(req), "request",
        [&](Object& o) -> Status {
          json d = ParseObject(o.data_json);
          if (o.org != c->first.org && d.value("to", "") != c->first.org)
            return Status::PermissionDenied("only the two sides of a request attach files to it");
          if (coop::Finished("request", o.status))
            return Status::InvalidArgument("the request is " + o.status);
          if (d.contains("federation"))
            return Status::InvalidArgument(
                "the request came from node " + d["federation"].value("node", "") +
                ", to which files are not carried: give the answer in its text");
          d["attachments"].push_back({{"n", d["attachments"].size()},
                                      {"name", SanitizeUtf8(name)},
                                      {"sha256", put->sha256},
                                      {"size", req.body.size()},
                                      {"content_type", type},
                                      {"by", c->first.org},
                                      {"at", FormatRfc3339(Now())}});
          o.data_json = Dump(d);
          return Status::Ok();
        },
        "attach", put->sha256);
    if (!moved) return StoreProblem(res, moved.error());
    Json(res, 201, Dump(WithCounts(c->second, *moved)));
  }

  void GetAttachment(const httplib::Request& req, httplib::Response& res) {
    auto c = Caller(req, res, Permission::kCooperate);
    if (!c) return;
    auto o = Load("request", c->second, req, res);
    if (!o) return;
    json d = ParseObject(o->data_json);
    const int64_t n = PathId(req, 2);
    const std::string& raw_n = req.matches[2];
    if (!d.contains("attachments") || raw_n.empty() || n < 0 ||
        static_cast<size_t>(n) >= d["attachments"].size())
      return NotFound(res, "no such attachment");
    const json& a = d["attachments"][n];
    auto bytes = env_.evidence->Get(a.value("sha256", ""));
    if (!bytes) return StoreProblem(res, bytes.error());
    if (!AuditRead(res, c->first, *o, "attachment")) return;
    // A download with its name; its type only when it cannot run in the page.
    static const std::set<std::string> safe = {"application/pdf", "text/plain", "text/csv",
                                               "image/png",       "image/jpeg", "application/zip",
                                               "message/rfc822"};
    std::string name = a.value("name", "attachment");
    if (name.find_first_of("\"\\/\r\n") != std::string::npos) name = "attachment";
    const std::string type = a.value("content_type", "");
    res.status = 200;
    res.set_header("Content-Disposition", "attachment; filename=\"" + name + "\"");
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_content(*bytes, safe.count(type) ? type : "application/octet-stream");
  }

  // --- membership ---------------------------------------------------------------------------

  void Apply(const httplib::Request& req, httplib::Response& res) {
    auto c = Caller(req, res, Permission::kManageDirectory);
    if (!c) return;
    auto body = JsonBody(req, res);
    if (!body) return;
    auto p = env_.coop->GetProfile(c->first.org);
    if (!p) return StoreProblem(res, p.error());
    if (p->membership == "member")
      return Problem(res, 409, "Conflict", c->first.org + " is a member already");
    coop::ObjectQuery q;
    q.type = "application";
    q.owner = c->first.org;
    q.status = "open";
    auto open = env_.coop->List(c->second, q);
    if (!open) return StoreProblem(res, open.error());
    if (!open->items.empty())
      return Problem(res, 409, "Conflict", "an application is open already");
    std::string kind, country, statement, display_name, sector;
    if (!StringMember(*body, "kind", &kind) || !StringMember(*body, "country", &country) ||
        !StringMember(*body, "statement", &statement) ||
        !StringMember(*body, "display_name", &display_name) ||
        !StringMember(*body, "sector", &sector))
      return BadRequest(res, "kind, country, statement, display_name and sector are strings");
    if (kind != "agency" && kind != "partner") return BadRequest(res, "kind is agency or partner");
    if (country.size() != 2) return BadRequest(res, "country is an ISO 3166-1 alpha-2 code");
    json data = {{"kind", kind},
                 {"country", country},
                 {"statement", SanitizeUtf8(statement)},
                 {"display_name", SanitizeUtf8(display_name)},
                 {"objections", json::array()}};
    // An applicant that runs its own node names it (`lapis federation identity` prints the
    // entry): once admitted, the secretariat's node puts it on the network's roster.
    if (body->contains("node")) {
      const json& n = (*body)["node"];
      auto hex64 = [](const json& v) {
        return v.is_string() && v.get<std::string>().size() == 64 &&
               v.get<std::string>().find_first_not_of("0123456789abcdef") == std::string::npos;
      };
      if (!n.is_object() || !n.contains("name") || !n["name"].is_string() ||
          n["name"].get<std::string>().empty() || !n.contains("endpoint") ||
          !n["endpoint"].is_string() || n["endpoint"].get<std::string>().rfind("https://", 0) != 0 ||
          !hex64(n.value("sign_key", json())) || !hex64(n.value("tls_key", json())))
        return BadRequest(res,
                          "node is the applicant's node entry: name, endpoint (https://), sign_key "
                          "and tls_key (lapis federation identity prints it)");
      data["node"] = {{"name", n["name"]},
                      {"endpoint", n["endpoint"]},
                      {"sign_key", n["sign_key"]},
                      {"tls_key", n["tls_key"]}};
    }
    if (kind == "partner") {
      if (!OneOf(sector, std::begin(coop::kSectors), std::end(coop::kSectors)))
        return BadRequest(res, "sector: one of the LAP sectors (docs/cooperation.md)");
      data["sector"] = sector;
    } else if (body->contains("competences")) {
      data["competences"] = (*body)["competences"];
    }
    Object o;
    o.type = "application";
    o.status = "open";
    o.title =
        c->first.org + " applies to join as " + (kind == "agency" ? "an agency" : "a partner");
    o.tlp = coop::Tlp::kGreen;
    o.audience.kind = "agencies";
    o.due_at = Now() + env_.objection_seconds;
    o.data_json = Dump(data);
    auto made = env_.coop->Create(c->second, o, statement, {});
    if (!made) return StoreProblem(res, made.error());
    if (!env_.audit(&res, c->first.org, c->first.actor, "membership.apply",
                    std::to_string(made->id), kind))
      return;
    p->membership = "applicant";
    env_.coop->PutProfile(*p, c->first.actor);
    coop::NotifyAgencies(*env_.coop, c->second, "application.opened", "application", made->id,
                         "open",
                         made->title + "; objections until " + FormatRfc3339(*made->due_at));
    res.set_header("Location", "/api/v1/applications/" + std::to_string(made->id));
    Json(res, 201, Dump(WorkflowOut(*made)));
  }

  // What the applicant sees of its own application: how many objections, not who made them.
  json ApplicationOut(const Object& o, const Viewer& v) {
    json j = WorkflowOut(o);
    if (o.type == "application" && o.org == v.org && !(v.member && v.agency) &&
        j.contains("objections")) {
      j["objection_count"] = j["objections"].size();
      j.erase("objections");
    }
    return j;
  }

  void ShowPlain(const std::string& type, const httplib::Request& req, httplib::Response& res) {
    auto c = Caller(req, res, Permission::kCooperate);
    if (!c) return;
    auto o = Load(type, c->second, req, res);
    if (!o) return;
    Json(res, 200, Dump(ApplicationOut(*o, c->second)));
  }

  void ListPlain(const std::string& type, const httplib::Request& req, httplib::Response& res) {
    auto c = Caller(req, res, Permission::kCooperate);
    if (!c) return;
    coop::ObjectQuery q;
    q.type = type;
    q.status = req.get_param_value("status");
    q.cursor = req.get_param_value("cursor");
    if (type == "notification") q.owner = c->first.org;  // each organisation's own
    if (!ParseLimit(req, res, 50, &q.limit)) return;
    auto page = env_.coop->List(c->second, q);
    if (!page) return StoreProblem(res, page.error());
    json items = json::array();
    for (const auto& o : page->items) items.push_back(ApplicationOut(o, c->second));
    json out = {{"items", items}};
    if (!page->next_cursor.empty()) out["next_cursor"] = page->next_cursor;
    if (type == "notification") {
      auto unread = env_.coop->CountOwned(c->second, "notification", "new");
      if (!unread) return StoreProblem(res, unread.error());
      out["unread"] = *unread;
    }
    Json(res, 200, Dump(out));
  }

  // Marks notifications read: {"ids": [...]} or {"all": true}.
  void ReadNotifications(const httplib::Request& req, httplib::Response& res) {
    auto c = Caller(req, res, Permission::kCooperate);
    if (!c) return;
    auto body = JsonBody(req, res);
    if (!body) return;
    std::vector<int64_t> ids;
    if (body->value("all", false)) {
      coop::ObjectQuery q;
      q.type = "notification";
      q.owner = c->first.org;
      q.status = "new";
      q.limit = 500;
      for (;;) {
        auto page = env_.coop->List(c->second, q);
        if (!page) return StoreProblem(res, page.error());
        for (const auto& o : page->items) ids.push_back(o.id);
        if (page->next_cursor.empty() || ids.size() >= 100000) break;
        q.cursor = page->next_cursor;
      }
    } else {
      try {
        ids = body->value("ids", std::vector<int64_t>());
      } catch (const json::exception&) {
        return BadRequest(res, "ids is a list of notification ids");
      }
    }
    int64_t marked = 0;
    for (int64_t id : ids) {
      auto r = env_.coop->Change(
          c->second, id, "notification",
          [&](Object& o) -> Status {
            if (o.org != c->first.org)
              return Status::NotFound("no notification " + std::to_string(id));
            o.status = "read";
            return Status::Ok();
          },
          "read", "");
      if (!r) return StoreProblem(res, r.error());
      ++marked;
    }
    auto unread = env_.coop->CountOwned(c->second, "notification", "new");
    if (!unread) return StoreProblem(res, unread.error());
    Json(res, 200, Dump({{"marked", marked}, {"unread", *unread}}));
  }

  void Objection(const httplib::Request& req, httplib::Response& res) {
    auto c = Caller(req, res, Permission::kManageDirectory);
    if (!c) return;
    if (!c->second.agency || !c->second.member)
      return Problem(res, 403, "Forbidden", "member agencies object to applications");
    auto body = JsonBody(req, res);
    if (!body) return;
    std::string reason;
    if (!StringMember(*body, "reason", &reason) || reason.empty())
      return BadRequest(res, "reason is required");
    auto moved = env_.coop->Change(
        c->second, PathId(req), "application",
        [&](Object& o) -> Status {
          if (o.status != "open")
            return Status::InvalidArgument("the application was decided: " + o.status);
          if (o.due_at && *o.due_at <= Now())
            return Status::InvalidArgument("the objection period has ended");
          json d = ParseObject(o.data_json);
          d["objections"].push_back({{"organisation", c->first.org},
                                     {"reason", SanitizeUtf8(reason)},
                                     {"at", FormatRfc3339(Now())}});
          o.data_json = Dump(d);
          return Status::Ok();
        },
        "objection", c->first.org);
    if (!moved) return StoreProblem(res, moved.error());
    if (!env_.audit(&res, c->first.org, c->first.actor, "membership.object",
                    std::to_string(moved->id), reason))
      return;
    Json(res, 201, Dump(WorkflowOut(*moved)));
  }

  void Withdraw(const httplib::Request& req, httplib::Response& res) {
    auto c = Caller(req, res, Permission::kManageDirectory);
    if (!c) return;
    if (c->first.role != "admin")
      return Problem(res, 403, "Forbidden", "only an administrator withdraws the organisation");
    const std::string name = req.matches[1];
    if (name != c->first.org)
      return Problem(res, 403, "Forbidden", "an organisation withdraws only itself");
    auto p = env_.coop->GetProfile(name);
    if (!p) return StoreProblem(res, p.error());
    if (p->membership != "member") return Problem(res, 409, "Conflict", name + " is not a member");
    if (!env_.audit(&res, c->first.org, c->first.actor, "membership.withdraw", name, "")) return;
    coop::NotifyAgencies(*env_.coop, c->second, "membership.withdrawn", "organisation", 0,
                         "withdrawn", name + " has withdrawn from the network", name);
    p->membership = "withdrawn";
    if (Status s = env_.coop->PutProfile(*p, c->first.actor); !s.ok()) return StoreProblem(res, s);
    Json(res, 200, Dump({{"name", name}, {"membership", "withdrawn"}}));
  }
};

}  // namespace

void RegisterWorkflowRoutes(httplib::Server& http, const CoopEnv& env) {
  auto w = std::make_shared<Workflow>(env);
  using H = void (Workflow::*)(const httplib::Request&, httplib::Response&);
  auto bind = [w](H h) {
    return [w, h](const httplib::Request& q, httplib::Response& s) { ((*w).*h)(q, s); };
  };
  auto typed = [w](void (Workflow::*h)(const std::string&, const httplib::Request&,
                                       httplib::Response&),
                   std::string type) {
    return [w, h, type](const httplib::Request& q, httplib::Response& s) { ((*w).*h)(type, q, s); };
  };
  http.Get("/api/v1/referrals/proposal", bind(&Workflow::Proposal));
  http.Post("/api/v1/referrals", bind(&Workflow::CreateReferral));
  http.Get("/api/v1/referrals", typed(&Workflow::ListFlow, "referral"));
  http.Get("/api/v1/referrals/([0-9]+)", typed(&Workflow::GetFlow, "referral"));
  http.Post("/api/v1/referrals/([0-9]+)/transitions", typed(&Workflow::Transition, "referral"));
  http.Get("/api/v1/referrals/([0-9]+)/reports", bind(&Workflow::ReferralReports));
  http.Get("/api/v1/referrals/([0-9]+)/package", bind(&Workflow::ReferralPackage));
  http.Get("/api/v1/requests/template", bind(&Workflow::Template));
  http.Post("/api/v1/requests", bind(&Workflow::CreateRequest));
  http.Get("/api/v1/requests", typed(&Workflow::ListFlow, "request"));
  http.Get("/api/v1/requests/([0-9]+)", typed(&Workflow::GetFlow, "request"));
  http.Post("/api/v1/requests/([0-9]+)/transitions", typed(&Workflow::Transition, "request"));
  http.Post("/api/v1/requests/([0-9]+)/attachments", bind(&Workflow::Attach));
  http.Get("/api/v1/requests/([0-9]+)/attachments/([0-9]+)", bind(&Workflow::GetAttachment));
  http.Post("/api/v1/applications", bind(&Workflow::Apply));
  http.Get("/api/v1/applications", typed(&Workflow::ListPlain, "application"));
  http.Get("/api/v1/applications/([0-9]+)", typed(&Workflow::ShowPlain, "application"));
  http.Post("/api/v1/applications/([0-9]+)/objections", bind(&Workflow::Objection));
  http.Post("/api/v1/organisations/([^/]+)/withdraw", bind(&Workflow::Withdraw));
  http.Get("/api/v1/notifications", typed(&Workflow::ListPlain, "notification"));
  http.Post("/api/v1/notifications/read", bind(&Workflow::ReadNotifications));
}

}  // namespace lapis::api
