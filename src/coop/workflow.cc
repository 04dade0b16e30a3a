#include "coop/workflow.h"

#include <algorithm>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "common/strings.h"
#include "coop/cases.h"

namespace lapis::coop {
namespace {

using nlohmann::json;

json Parse(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  return j.is_object() ? j : json::object();
}

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace

const std::vector<Step>& Lifecycle(const std::string& type) {
  static const std::vector<Step> referral = {
      {"sent", "received", Side::kRecipient},
      {"sent", "declined", Side::kRecipient, true},
      {"received", "accepted", Side::kRecipient},
      {"received", "declined", Side::kRecipient, true},
      {"accepted", "closed", Side::kRecipient, false, true},
      {"sent", "withdrawn", Side::kSender, true},
      {"received", "withdrawn", Side::kSender, true},
  };
  static const std::vector<Step> request = {
      {"draft", "sent", Side::kSender},
      {"draft", "withdrawn", Side::kSender, true},
      {"sent", "acknowledged", Side::kRecipient},
      {"sent", "declined", Side::kRecipient, true},
      {"acknowledged", "in-progress", Side::kRecipient},
      {"acknowledged", "answered", Side::kRecipient, false, false, true},
      {"acknowledged", "declined", Side::kRecipient, true},
      {"in-progress", "answered", Side::kRecipient, false, false, true},
      {"in-progress", "declined", Side::kRecipient, true},
      {"answered", "closed", Side::kSender, false, true},
      {"declined", "closed", Side::kSender, false, true},
      {"sent", "withdrawn", Side::kSender, true},
      {"acknowledged", "withdrawn", Side::kSender, true},
      {"in-progress", "withdrawn", Side::kSender, true},
  };
  static const std::vector<Step> none;
  if (type == "referral") return referral;
  if (type == "request") return request;
  return none;
}

Result<Step> FindStep(const std::string& type, const std::string& from, const std::string& to) {
  std::string possible;
  for (const Step& s : Lifecycle(type)) {
    if (from != s.from) continue;
    if (to == s.to) return s;
    possible += (possible.empty() ? "" : ", ") + std::string(s.to);
  }
  return Fail(Status::InvalidArgument(
      "a " + type + " that is " + from + " cannot become " + to +
      (possible.empty() ? "; nothing follows" : "; it can become " + possible)));
}

bool Finished(const std::string& type, const std::string& status) {
  if (status == "closed" || status == "withdrawn") return true;
  if (type == "referral") return status == "declined";
  return false;
}

std::string PriorityFromHarm(double harm) {
  return harm >= 60 ? "high" : harm >= 30 ? "medium" : "low";
}

std::string CountryOfDomain(const std::string& domain) {
  size_t dot = domain.rfind('.');
  std::string tld = ToLower(dot == std::string::npos ? domain : domain.substr(dot + 1));
  if (tld.size() != 2 || !std::isalpha(static_cast<unsigned char>(tld[0])) ||
      !std::isalpha(static_cast<unsigned char>(tld[1])))
    return "";
  // Country codes sold as generic names say nothing about where a business is.
  static const std::set<std::string> generic = {"co", "io", "tv", "me", "ws", "cc", "ai",
                                                "fm", "am", "to", "ly", "gg", "sh", "ac",
                                                "tk", "ml", "ga", "cf", "gq", "nu"};
  if (generic.count(tld)) return "";
  if (tld == "uk") return "GB";
  if (tld == "eu") return "";
  std::string c = tld;
  for (char& ch : c) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return c;
}

Result<std::vector<Candidate>> ProposeAuthorities(Coop& coop, const Viewer& v,
                                                  const std::vector<std::string>& countries) {
  std::vector<Candidate> out;
  auto mine = coop.Linked(v, "agreement", "party", v.org, 1000);
  if (!mine) return Fail(mine.error());
  std::set<int64_t> my_agreements(mine->begin(), mine->end());
  for (const auto& country : countries) {
    auto agencies = coop.ListProfiles("", "agency", country, "member");
    if (!agencies) return Fail(agencies.error());
    for (const auto& p : *agencies) {
      if (p.org == v.org) continue;
      Candidate c;
      c.org = p.org;
      c.country = p.country;
      json d = Parse(p.data_json);
      c.display_name = d.value("display_name", p.org);
      if (d.contains("competences") && d["competences"].is_array())
        for (const auto& x : d["competences"])
          if (x.is_string()) c.competences.push_back(x.get<std::string>());
      auto theirs = coop.Linked(v, "agreement", "party", p.org, 1000);
      if (!theirs) return Fail(theirs.error());
      for (int64_t id : *theirs) {
        if (!my_agreements.count(id)) continue;
        auto a = coop.Get(v, id, "agreement");
        if (!a) return Fail(a.error());
        if (!*a || (*a)->status != "in-force") continue;
        json ad = Parse((*a)->data_json);
        c.agreements.push_back({id, (*a)->title, ad.value("personal_data", false)});
      }
      ObjectQuery q;
      q.type = "contact";
      q.owner = p.org;
      q.status = "active";
      q.limit = 100;
      auto contacts = coop.List(v, q);
      if (!contacts) return Fail(contacts.error());
      for (const auto& o : contacts->items)
        c.primary_contact |= Parse(o.data_json).value("role", "") == "primary-contact";
      if (!c.agreements.empty())
        c.reasons.push_back("an agreement in force joins you: " + c.agreements[0].title);
      if (c.primary_contact)
        c.reasons.push_back("the primary contact for " + p.country + " (LAP A.2)");
      for (const auto& comp : c.competences)
        if (comp == "telecommunications" || comp == "consumer-protection")
          c.reasons.push_back("competent for " + comp);
      c.reasons.insert(c.reasons.begin(), "member agency in " + p.country);
      out.push_back(std::move(c));
    }
  }
  auto rank = [](const Candidate& c) {
    int r = c.agreements.empty() ? 0 : 10;
    if (c.primary_contact) r += 3;
    for (const auto& comp : c.competences)
      if (comp == "telecommunications" || comp == "consumer-protection") r += 2;
    return r;
  };
  std::stable_sort(out.begin(), out.end(),
                   [&](const Candidate& a, const Candidate& b) { return rank(a) > rank(b); });
  return out;
}

namespace {

// The notification `by` sends `org`: owned by the recipient and seen by it alone (it marks it read
// itself).
std::pair<Viewer, Object> NotificationFor(const Viewer& by, const std::string& org,
                                          const std::string& event, const std::string& about_type,
                                          int64_t about_id, const std::string& state,
                                          const std::string& title, const std::string& detail) {
  Viewer recipient;
  recipient.org = org;
  recipient.actor = by.actor;
  Object n;
  n.type = "notification";
  n.status = "new";
  n.title = title;
  n.tlp = Tlp::kAmber;
  n.data_json = Dump({{"event", event},
                      {"from", by.org},
                      {"about_type", about_type},
                      {"about_id", about_id},
                      {"state", state},
                      {"detail", detail}});
  return {recipient, n};
}

}  // namespace

Status Notify(Coop& coop, const Viewer& by, const std::vector<std::string>& to,
              const std::string& event, const std::string& about_type, int64_t about_id,
              const std::string& state, const std::string& title, const std::string& detail) {
  return coop.store().Sql().Write([&](store::SqlTx& tx) {
    return NotifyIn(tx, by, to, event, about_type, about_id, state, title, detail);
  });
}

Status NotifyIn(store::SqlTx& tx, const Viewer& by, const std::vector<std::string>& to,
                const std::string& event, const std::string& about_type, int64_t about_id,
                const std::string& state, const std::string& title, const std::string& detail) {
  std::set<std::string> done;
  for (const auto& org : to) {
    if (org.empty() || org == by.org || !done.insert(org).second) continue;
    auto [recipient, n] =
        NotificationFor(by, org, event, about_type, about_id, state, title, detail);
    auto r = CreateIn(tx, recipient, n, "", {});
    if (!r) return r.error();
  }
  return Status::Ok();
}

Status NotifyAgencies(Coop& coop, const Viewer& by, const std::string& event,
                      const std::string& about_type, int64_t about_id, const std::string& state,
                      const std::string& title, const std::string& detail) {
  auto agencies = coop.ListProfiles("", "agency", "", "member");
  if (!agencies) return agencies.error();
  std::vector<std::string> to;
  for (const auto& p : *agencies) to.push_back(p.org);
  return Notify(coop, by, to, event, about_type, about_id, state, title, detail);
}

Result<std::vector<std::string>> Contributors(Coop& coop, const Viewer& v, const Object& o) {
  std::set<std::string> orgs;
  std::string after;
  for (;;) {
    auto links = coop.ListLinks(v, o.id, "report", after, 2000);
    if (!links) return Fail(links.error());
    if (links->empty()) break;
    after = links->back().target;
    for (const auto& l : *links) {
      std::string org, sha;
      if (ParseReportTarget(l.target, &org, &sha) && org != o.org) orgs.insert(org);
    }
  }
  return std::vector<std::string>(orgs.begin(), orgs.end());
}

Result<std::vector<OutcomeNote>> OutcomesOfReport(Coop& coop, const std::string& org,
                                                  const std::string& sha256) {
  std::vector<OutcomeNote> out;
  for (const char* type : {"case", "referral", "request"}) {
    auto ids = coop.LinkedAny(type, "report", ReportTarget(org, sha256), 50);
    if (!ids) return Fail(ids.error());
    for (int64_t id : *ids) {
      auto o = coop.GetAny(id);
      if (!o) return Fail(o.error());
      if (!*o || (*o)->status != "closed") continue;
      json d = Parse((*o)->data_json);
      if (!d.contains("outcome") || !d["outcome"].is_object()) continue;
      const json& oc = d["outcome"];
      // The agency that reached the outcome: a referral is closed by the agency it was sent to.
      std::string by = (*o)->type == "referral" ? d.value("to", (*o)->org) : (*o)->org;
      out.push_back({type, id, by, oc.value("kind", ""), oc.value("detail", ""),
                     oc.contains("at") && oc["at"].is_string() ? oc["at"].get<std::string>() : ""});
    }
  }
  return out;
}

Result<int> DecideApplications(Coop& coop, int64_t now) {
  auto due = coop.Due("application", "open", now, 100);
  if (!due) return Fail(due.error());
  int decided = 0;
  for (int64_t id : *due) {
    auto app = coop.GetAny(id);
    if (!app) return Fail(app.error());
    if (!*app) continue;
    Viewer node;
    node.org = (*app)->org;
    node.role = "admin";
    node.actor = "node";
    bool admitted = false;
    auto changed = coop.Change(
        node, id, "application",
        [&](Object& o) -> Status {
          if (o.status != "open") return Status::AlreadyExists("decided already");
          json d = Parse(o.data_json);
          admitted = !d.contains("objections") || d["objections"].empty();
          o.status = admitted ? "admitted" : "refused";
          d["decided_at"] = FormatRfc3339(now);
          o.data_json = Dump(d);
          return Status::Ok();
        },
        "decide", "");
    if (!changed) {
      if (changed.error().code() == Status::Code::kAlreadyExists) continue;
      return Fail(changed.error());
    }
    json d = Parse(changed->data_json);
    auto p = coop.GetProfile(node.org);
    if (!p) return Fail(p.error());
    p->membership = admitted ? "member" : "refused";
    if (admitted) {
      p->kind = d.value("kind", p->kind);
      p->country = d.value("country", p->country);
      json pd = Parse(p->data_json);
      for (const char* f : {"display_name", "competences", "sector"})
        if (d.contains(f)) pd[f] = d[f];
      p->data_json = Dump(pd);
    }
    if (Status s = coop.PutProfile(*p, "node"); !s.ok()) return Fail(s);
    const std::string state = admitted ? "admitted" : "refused";
    const std::string title =
        node.org + (admitted ? " is admitted to the network" : " is refused: a member objected");
    // The applicant is told too (Notify skips the organisation acting, so the node acts).
    Viewer as_node = node;
    as_node.org = "node";
    if (Status s = Notify(coop, as_node, {node.org}, "application." + state, "application", id,
                          state, title);
        !s.ok())
      return Fail(s);
    if (Status s =
            NotifyAgencies(coop, as_node, "application." + state, "application", id, state, title);
        !s.ok())
      return Fail(s);
    ++decided;
  }
  return decided;
}

}  // namespace lapis::coop
