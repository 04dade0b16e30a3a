#include "coop/cases.h"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "common/strings.h"

namespace lapis::coop {
namespace {

using nlohmann::json;

// How much each category of report weighs in the severity factor (docs/cooperation.md).
double Severity(const std::string& category) {
  if (category == "malware") return 1.0;
  if (category == "phishing") return 0.9;
  if (category == "extortion") return 0.85;
  if (category == "advance-fee-fraud" || category == "other-scam") return 0.7;
  if (category == "commercial-spam") return 0.3;
  return 0.0;
}

std::string Fmt(double v) {
  char buf[64];
  snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

// Reports collected from the sources, by evidence id.
struct Collected {
  std::vector<std::string> order;
  std::unordered_map<std::string, store::ReportRow> rows;
  std::set<std::string> campaigns;  // "ORG/ID" of campaigns named
};

Status CollectQuery(store::Store& st, store::ReportQuery q, Collected* out) {
  q.limit = 500;
  for (;;) {
    auto page = st.ListReports(q);
    if (!page) return page.error();
    for (auto& r : page->rows) {
      if (out->rows.size() >= kMaxCaseReportsPerCall)
        return Status::InvalidArgument("more than " + std::to_string(kMaxCaseReportsPerCall) +
                                       " reports at once");
      if (out->rows.emplace(r.sha256, r).second) out->order.push_back(r.sha256);
    }
    if (page->next_cursor.empty()) return Status::Ok();
    q.cursor = page->next_cursor;
  }
}

Status Collect(store::Store& st, const std::string& org, const CaseSources& src, Collected* out) {
  for (const auto& sha : src.reports) {
    auto r = st.GetReport(org, sha);
    if (!r) return r.error();
    if (!*r) return Status::InvalidArgument("no report " + sha);
    (*r)->analysis_json.clear();
    (*r)->personal_json.clear();
    if (out->rows.emplace(sha, **r).second) out->order.push_back(sha);
  }
  for (int64_t id : src.campaigns) {
    auto c = st.FindCampaign(org, id);
    if (!c) return c.error();
    if (!*c) return Status::InvalidArgument("no campaign " + std::to_string(id));
    out->campaigns.insert(org + "/" + std::to_string((*c)->id));
    store::ReportQuery q;
    q.org = org;
    q.campaign = (*c)->id;
    if (Status s = CollectQuery(st, q, out); !s.ok()) return s;
  }
  for (const auto& [type, value] : src.indicators) {
    store::ReportQuery q;
    q.org = org;
    q.indicator_type = type;
    q.indicator_value = value;
    if (Status s = CollectQuery(st, q, out); !s.ok()) return s;
  }
  return Status::Ok();
}

std::vector<Link> LinksOf(const std::string& org, const Collected& c, const CaseSources& src) {
  std::vector<Link> links;
  links.reserve(c.order.size() + c.campaigns.size() + src.indicators.size());
  for (const auto& sha : c.order) links.push_back({"report", ReportTarget(org, sha), 0, ""});
  for (const auto& t : c.campaigns) links.push_back({"campaign", t, 0, ""});
  for (const auto& [type, value] : src.indicators)
    links.push_back({"indicator", type + ":" + value, 0, ""});
  return links;
}

// Adds the reports whose links were new to the stats in `data`.
void AddStats(json& data, const std::string& org, const Collected& c,
              const std::vector<std::string>& added) {
  json& st = data["stats"];
  if (!st.is_object()) st = json::object();
  int64_t reports = st.value("reports", int64_t{0}),
          complaints = st.value("complaints", int64_t{0});
  json cats = st.value("categories", json::object());
  std::set<std::string> countries = st.value("countries", std::set<std::string>());
  for (const auto& target : added) {
    std::string o, sha;
    if (!ParseReportTarget(target, &o, &sha) || o != org) continue;
    auto it = c.rows.find(sha);
    if (it == c.rows.end()) continue;
    const store::ReportRow& r = it->second;
    ++reports;
    complaints += r.complaints;
    const std::string cat = r.category.empty() ? "unclassified" : r.category;
    cats[cat] = cats.value(cat, int64_t{0}) + 1;
    if (!r.origin_country.empty()) countries.insert(r.origin_country);
  }
  st["reports"] = reports;
  st["complaints"] = complaints;
  st["categories"] = cats;
  st["countries"] = countries;
}

// Scores the case from its stats and the analyst's inputs; writes "harm" into `data`.
double Rescore(json& data) {
  HarmInputs in;
  const json st = data.value("stats", json::object());
  const json inputs = data.value("inputs", json::object());
  in.reports = st.value("reports", int64_t{0});
  in.complaints = st.value("complaints", int64_t{0});
  const json cats = st.value("categories", json::object());
  for (auto it = cats.begin(); it != cats.end(); ++it)
    if (it->is_number_integer()) in.categories[it.key()] = it->get<int64_t>();
  for (const auto& c : st.value("countries", std::vector<std::string>())) in.countries.insert(c);
  for (const auto& c : inputs.value("countries", std::vector<std::string>()))
    in.countries.insert(c);
  in.recipients = inputs.value("recipients", int64_t{0});
  in.money_lost = inputs.value("money_lost", 0.0);
  in.vulnerable = inputs.value("vulnerable", false);
  Harm h = ScoreHarm(in);
  // Each factor with the figures it was computed from (for display in any language) and its basis
  // in words.
  const std::string worst = WorstCategory(in);
  const std::map<std::string, json> figures = {
      {"complainants", {{"complaints", in.complaints}, {"recipients", in.recipients}}},
      {"money_lost", {{"eur", in.money_lost}}},
      {"severity", {{"category", worst.empty() ? json(nullptr) : json(worst)}}},
      {"vulnerable_targets", {{"vulnerable", in.vulnerable}}},
      {"countries", {{"countries", in.countries}}}};
  json factors = json::array();
  for (const auto& f : h.factors)
    factors.push_back({{"name", f.name},
                       {"points", std::round(f.points * 10) / 10},
                       {"max", f.max},
                       {"basis", f.basis},
                       {"figures", figures.count(f.name) ? figures.at(f.name) : json::object()}});
  data["harm"] = {{"score", std::round(h.score * 10) / 10}, {"factors", factors}};
  return std::round(h.score * 10) / 10;
}

Status ReadInputs(const json& j, json* inputs) {
  try {
    if (j.contains("recipients")) {
      int64_t n = j.at("recipients").get<int64_t>();
      if (n < 0) return Status::InvalidArgument("recipients cannot be negative");
      (*inputs)["recipients"] = n;
    }
    if (j.contains("money_lost")) {
      double m = j.at("money_lost").get<double>();
      if (!(m >= 0) || m > 1e15)
        return Status::InvalidArgument("money_lost must be a positive amount in EUR");
      (*inputs)["money_lost"] = m;
    }
    if (j.contains("vulnerable")) (*inputs)["vulnerable"] = j.at("vulnerable").get<bool>();
    if (j.contains("countries")) {
      auto c = j.at("countries").get<std::vector<std::string>>();
      for (const auto& x : c)
        if (x.size() != 2 || !std::isupper(static_cast<unsigned char>(x[0])) ||
            !std::isupper(static_cast<unsigned char>(x[1])))
          return Status::InvalidArgument("countries are ISO 3166-1 alpha-2 codes such as FR");
      (*inputs)["countries"] = c;
    }
  } catch (const json::exception&) {
    return Status::InvalidArgument(
        "recipients is an integer, money_lost a number, vulnerable true or false, countries a list "
        "of codes");
  }
  return Status::Ok();
}

}  // namespace

std::string ReportTarget(const std::string& org, const std::string& sha256) {
  return org + "/" + sha256;
}

bool ParseReportTarget(const std::string& target, std::string* org, std::string* sha256) {
  size_t slash = target.rfind('/');
  if (slash == std::string::npos || slash == 0 || target.size() - slash - 1 != 64) return false;
  *org = target.substr(0, slash);
  *sha256 = target.substr(slash + 1);
  return true;
}

std::string WorstCategory(const HarmInputs& in) {
  double sev = 0;
  std::string worst;
  for (const auto& [cat, n] : in.categories) {
    // A category counts when one report in 20 has it, or five reports do.
    if (n <= 0 || (n * 20 < in.reports && n < 5)) continue;
    if (Severity(cat) > sev) {
      sev = Severity(cat);
      worst = cat;
    }
  }
  return worst;
}

Harm ScoreHarm(const HarmInputs& in) {
  Harm h;
  auto add = [&](std::string name, double points, double max, std::string basis) {
    points = std::clamp(points, 0.0, max);
    h.score += points;
    h.factors.push_back({std::move(name), points, max, std::move(basis)});
  };
  // People: complaints counted and recipients entered, on a log scale (100,000 people: full).
  const double people = static_cast<double>(std::max(in.complaints, int64_t{0}) +
                                            std::max(in.recipients, int64_t{0}));
  add("complainants", 25 * std::log10(1 + people) / 5, 25,
      std::to_string(in.complaints) + " complaints, " + std::to_string(in.recipients) +
          " recipients reported");
  // Money: losses reported, on a log scale (EUR 10 million: full).
  add("money_lost", 25 * std::log10(1 + std::max(in.money_lost, 0.0)) / 7, 25,
      "EUR " + Fmt(in.money_lost) + " reported lost");
  // Severity: the most severe category that one report in 20, or five reports, have.
  const std::string worst = WorstCategory(in);
  add("severity", 20 * Severity(worst), 20,
      "most severe category: " + (worst.empty() ? "none" : worst));
  add("vulnerable_targets", in.vulnerable ? 15 : 0, 15,
      in.vulnerable ? "aimed at vulnerable people" : "not flagged");
  // Reach across borders: one country gives nothing, ten or more give all.
  const double n = static_cast<double>(in.countries.size());
  std::string list;
  for (const auto& c : in.countries) list += (list.empty() ? "" : ",") + c;
  add("countries", 15 * std::max(0.0, n - 1) / 9, 15,
      std::to_string(in.countries.size()) + " countries" + (list.empty() ? "" : " (" + list + ")"));
  return h;
}

Result<std::vector<Link>> SourceLinks(Coop& coop, const std::string& org, const CaseSources& src,
                                      std::string* stats_json) {
  Collected c;
  if (Status s = Collect(coop.store(), org, src, &c); !s.ok()) return Fail(s);
  if (stats_json) {
    json data = json::object();
    std::vector<std::string> all;
    for (const auto& sha : c.order) all.push_back(ReportTarget(org, sha));
    AddStats(data, org, c, all);
    *stats_json = data["stats"].dump(-1, ' ', false, json::error_handler_t::replace);
  }
  return LinksOf(org, c, src);
}

Result<Object> CreateCase(Coop& coop, const Viewer& v, const CaseInput& in,
                          const CaseSources& src) {
  if (!v.agency) return Fail(Status::PermissionDenied("cases are owned by agencies"));
  Collected c;
  if (Status s = Collect(coop.store(), v.org, src, &c); !s.ok()) return Fail(s);
  json inputs = json::object();
  json given = {{"recipients", in.recipients},
                {"money_lost", in.money_lost},
                {"vulnerable", in.vulnerable},
                {"countries", in.countries}};
  if (Status s = ReadInputs(given, &inputs); !s.ok()) return Fail(s);
  json data = {{"summary", in.summary},
               {"assignees", in.assignees},
               {"inputs", inputs},
               {"outcome", nullptr}};
  AddStats(data, v.org, c, [&] {
    std::vector<std::string> all;
    for (const auto& sha : c.order) all.push_back(ReportTarget(v.org, sha));
    return all;
  }());
  Object o;
  o.type = "case";
  o.status = "open";
  o.title = in.title;
  o.tlp = in.tlp;
  o.audience = in.audience;
  o.score = Rescore(data);
  o.data_json = data.dump(-1, ' ', false, json::error_handler_t::replace);
  auto links = LinksOf(v.org, c, src);
  for (const auto& a : in.assignees) links.push_back({"assignee", a, 0, ""});
  return coop.Create(v, std::move(o), in.summary, links,
                     std::to_string(c.order.size()) + " reports");
}

Result<Object> ExtendCase(Coop& coop, const Viewer& v, int64_t id, const CaseSources& src) {
  Collected c;
  if (Status s = Collect(coop.store(), v.org, src, &c); !s.ok()) return Fail(s);
  return coop.AddLinks(v, id, LinksOf(v.org, c, src), "extend",
                       [&](Object& o, const std::vector<std::string>& added) -> Status {
                         if (o.type != "case")
                           return Status::NotFound("no case " + std::to_string(id));
                         json data = json::parse(o.data_json, nullptr, false);
                         if (!data.is_object()) data = json::object();
                         AddStats(data, v.org, c, added);
                         o.score = Rescore(data);
                         o.data_json = data.dump(-1, ' ', false, json::error_handler_t::replace);
                         return Status::Ok();
                       });
}

Result<Object> UpdateCase(Coop& coop, const Viewer& v, int64_t id, int64_t version,
                          const std::string& change_json) {
  json ch = json::parse(change_json, nullptr, false);
  if (!ch.is_object()) return Fail(Status::InvalidArgument("expected a JSON object"));
  auto cur = coop.Get(v, id, "case");
  if (!cur) return Fail(cur.error());
  if (!*cur) return Fail(Status::NotFound("no case " + std::to_string(id)));
  Object o = **cur;
  if (version) o.version = version;
  json data = json::parse(o.data_json, nullptr, false);
  if (!data.is_object()) data = json::object();
  std::string action = "update", detail;
  try {
    if (ch.contains("title")) o.title = ch.at("title").get<std::string>();
    if (ch.contains("summary")) data["summary"] = ch.at("summary").get<std::string>();
    if (ch.contains("assignees"))
      data["assignees"] = ch.at("assignees").get<std::vector<std::string>>();
    if (ch.contains("tlp")) {
      auto t = ParseTlp(ch.at("tlp").get<std::string>());
      if (!t)
        return Fail(
            Status::InvalidArgument("tlp must be CLEAR, GREEN, AMBER, AMBER+STRICT or RED"));
      o.tlp = *t;
    }
    if (ch.contains("audience")) {
      auto a = ParseAudienceJson(ch.at("audience").dump());
      if (!a) return Fail(a.error());
      o.audience = *a;
    }
    json inputs = data.value("inputs", json::object());
    if (ch.contains("inputs")) {
      if (Status s = ReadInputs(ch.at("inputs"), &inputs); !s.ok()) return Fail(s);
      data["inputs"] = inputs;
    }
    if (ch.contains("status")) {
      std::string st = ch.at("status").get<std::string>();
      if (std::none_of(std::begin(kCaseStatuses), std::end(kCaseStatuses),
                       [&](const char* k) { return st == k; }))
        return Fail(
            Status::InvalidArgument("status must be open, investigating, referred or closed"));
      if (st == "closed") {
        if (!ch.contains("outcome"))
          return Fail(Status::InvalidArgument("closing a case needs an outcome"));
        const json& out = ch.at("outcome");
        std::string kind = out.value("kind", "");
        if (std::none_of(std::begin(kOutcomes), std::end(kOutcomes),
                         [&](const char* k) { return kind == k; }))
          return Fail(Status::InvalidArgument(
              "outcome kind must be warning, fine, undertaking, prosecution or no-action"));
        data["outcome"] = {{"kind", kind},
                           {"detail", out.value("detail", "")},
                           {"at", FormatRfc3339(static_cast<int64_t>(time(nullptr)))}};
        detail = kind;
      } else {
        data["outcome"] = nullptr;
      }
      if (st != o.status) action = "status:" + o.status + "->" + st;
      o.status = st;
    }
  } catch (const json::exception&) {
    return Fail(Status::InvalidArgument(
        "title, summary and status are strings, assignees a list of user names"));
  }
  o.score = Rescore(data);
  o.data_json = data.dump(-1, ' ', false, json::error_handler_t::replace);
  return coop.Update(v, o, data.value("summary", ""), action, detail);
}

}  // namespace lapis::coop
