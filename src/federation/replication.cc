#include "federation/replication.h"

#include <chrono>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "common/log.h"
#include "coop/cases.h"
#include "coop/sharing.h"
#include "federation/flows.h"
#include "federation/util.h"

namespace lapis::federation {
namespace {

using json = nlohmann::json;
using store::SqlTx;
using store::SqlValue;

struct Shared {
  int64_t id = 0, version = 0, updated_at = 0;
  std::string org, status, title, tlp, audience_json, data_json, type;
  double score = 0;
  int64_t due_at = 0;
};

// What of an object's data travels with its copy: never the agreement a share cites, nor a case's
// inputs about victims beyond the score they make.
const std::vector<const char*>& CarriedData(const std::string& type) {
  static const std::vector<const char*> share = {"summary", "stats", "indicators"};
  static const std::vector<const char*> kase = {"summary", "stats", "harm", "indicators"};
  // An application as the applicant sees it: how many objected, never who.
  static const std::vector<const char*> application = {
      "kind", "country", "statement", "display_name", "sector", "competences", "decided_at"};
  return type == "case" ? kase : type == "application" ? application : share;
}

std::string Conv(int64_t id) { return "object:" + std::to_string(id); }

}  // namespace

void Replicator::Register() {
  RegisterFlows(fed_);
  Federation* fed = fed_;
  fed_->OnMessage("coop-object", [fed](SqlTx& tx, const Incoming& m) -> Status {
    json p = json::parse(m.payload, nullptr, false);
    if (!p.is_object() || !p.contains("origin_id") || !p["origin_id"].is_number_integer() ||
        !p.contains("version") || !p["version"].is_number_integer())
      return Status::InvalidArgument("not a shared object");
    const std::string org = p.value("org", ""), type = p.value("type", "");
    if (p.value("origin_node", "") != m.sender.name)
      return Status::PermissionDenied("the object names another origin node than its sender");
    bool hosted = false;
    for (const auto& o : m.sender.orgs) hosted |= o == org;
    // An applicant to the network is on no node of the roster yet: the node it applied on sends
    // its application.
    auto roster_now = fed->CurrentRoster();
    if (type == "application" && roster_now && !roster_now->HomeOf(org)) hosted = true;
    if (!hosted)
      return Status::PermissionDenied("organisation " + org + " is not hosted by node " +
                                      m.sender.name);
    if (type != "share" && type != "case" && type != "application")
      return Status::InvalidArgument("objects of type '" + type + "' are not taken");
    const int64_t id = p["origin_id"].get<int64_t>(), version = p["version"].get<int64_t>();
    auto have = tx.Query("mirror version",
                         "SELECT version FROM fed_mirrors WHERE origin_node = ? AND origin_id = ?",
                         {m.sender.name, id});
    if (!have) return have.error();
    if (!have->empty() && (*have)[0].Int(0) > version)
      return Status::Ok();  // an older version, late
    auto roster = fed->CurrentRoster();
    const std::string me = fed->Name();
    const std::string audience = p.contains("audience") ? p["audience"].dump() : "{}";
    const std::string kind =
        p.contains("audience") && p["audience"].is_object() ? p["audience"].value("kind", "") : "";
    const std::string data = p.contains("data") ? p["data"].dump() : "{}";
    const std::vector<SqlValue> key{m.sender.name, id};
    auto put = tx.Exec(
        "mirror",
        "INSERT INTO fed_mirrors(origin_node, origin_id, type, org, title, status, tlp, audience, "
        "data, version, "
        "updated_at, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON "
        "CONFLICT(origin_node, origin_id) "
        "DO UPDATE SET type = excluded.type, org = excluded.org, title = excluded.title, status = "
        "excluded.status, "
        "tlp = excluded.tlp, audience = excluded.audience, data = excluded.data, version = "
        "excluded.version, "
        "updated_at = excluded.updated_at, received_at = excluded.received_at",
        {m.sender.name, id, type, org, p.value("title", ""), p.value("status", ""),
         p.value("tlp", ""), audience, data, version, p.value("updated_at", int64_t{0}), NowMs()});
    if (!put.ok()) return put;
    for (const char* t : {"fed_mirror_access", "fed_mirror_reports"})
      if (Status s = tx.Exec(
              "mirror reset",
              std::string("DELETE FROM ") + t + " WHERE origin_node = ? AND origin_id = ?", key);
          !s.ok())
        return s;
    // Who may see it here: the organisations it names that this node hosts (agencies only, for
    // an audience of agencies).
    std::set<std::string> allowed;
    if (p.contains("recipients") && p["recipients"].is_array())
      for (const auto& r : p["recipients"]) {
        if (!r.is_string()) continue;
        const std::string o = r.get<std::string>();
        const RosterNode* home = roster ? roster->HomeOf(o) : nullptr;
        if (!home || home->name != me) continue;
        auto local = tx.Query(
            "recipient",
            "SELECT g.id, COALESCE(p.kind, 'agency') FROM organisations g LEFT JOIN org_profiles p "
            "ON p.org_id = g.id WHERE g.name = ?",
            {o});
        if (!local) return local.error();
        if (local->empty()) continue;
        if (kind == "agencies" && (*local)[0].Text(1) != "agency") continue;
        allowed.insert(o);
      }
    for (const auto& o : allowed)
      if (Status s =
              tx.Exec("mirror access",
                      "INSERT INTO fed_mirror_access(origin_node, origin_id, org) VALUES (?, ?, ?)",
                      {m.sender.name, id, o});
          !s.ok())
        return s;
    if (p.value("status", "") != "withdrawn" && p.contains("reports") && p["reports"].is_array())
      for (const auto& r : p["reports"]) {
        if (!r.is_object() || !r.contains("id") || !r["id"].is_string()) continue;
        if (Status s = tx.Exec("mirror report",
                               "INSERT INTO fed_mirror_reports(origin_node, origin_id, report_id, "
                               "body) VALUES (?, ?, ?, ?) "
                               "ON CONFLICT DO NOTHING",
                               {m.sender.name, id, r["id"].get<std::string>(), r.dump()});
            !s.ok())
          return s;
      }
    log::Info("federation.object", {{"from", m.sender.name},
                                    {"id", id},
                                    {"version", version},
                                    {"status", p.value("status", "")},
                                    {"recipients", static_cast<int64_t>(allowed.size())}});
    return Status::Ok();
  });
}

Result<int64_t> Replicator::SyncOnce() {
  auto roster = fed_->CurrentRoster();
  const std::string me = fed_->Name();
  if (!roster || me.empty()) return int64_t{0};
  // Directory entries first: a referral's recipient learns who its sender is before it arrives.
  if (auto m = SyncMembership(store_, fed_); !m) return m;
  auto entries = SyncDirectory(store_, fed_);
  if (!entries) return entries;
  auto flows = SyncFlows(store_, fed_);
  if (!flows) return flows;
  int64_t queued = *entries + *flows;
  store::SqlDb& db = store_->Sql();
  std::vector<Shared> objects;
  std::map<std::pair<int64_t, std::string>, std::pair<int64_t, std::string>>
      sent;  // → version, recipients
  std::map<int64_t, std::vector<std::string>> group_members;
  Status rs = db.Read([&](SqlTx& tx) -> Status {
    objects.clear();
    sent.clear();
    group_members.clear();
    // Shares, and cases whose audience reaches beyond their organisation (an index holds just
    // those) or that were sent before (their copies must hear that they are no longer theirs).
    const std::string cols =
        "SELECT o.id, g.name, o.status, o.title, o.tlp, o.audience, o.data, o.version, "
        "o.updated_at, o.type, o.score, o.due_at ";
    const std::string from = "FROM coop_objects o JOIN organisations g ON g.id = o.org_id WHERE ";
    auto rows = tx.Query(
        "shared objects",
        cols + from + "o.type = 'share' UNION " + cols + from +
            "o.type = 'case' AND o.audience NOT LIKE '%\"kind\":\"organisation\",%' UNION " + cols +
            "FROM fed_replicas r CROSS JOIN coop_objects o JOIN organisations g ON g.id = o.org_id "
            "WHERE o.id = r.object_id AND r.node <> '' AND o.type = 'case' UNION " + cols + from +
            "o.type = 'application'");
    if (!rows) return rows.error();
    for (const auto& r : *rows) {
      const RosterNode* home = roster->HomeOf(r.Text(1));
      // Applicants are on no node yet: their applications go from the node they applied on.
      const bool applicant = r.Text(9) == "application" && !home;
      if (!applicant && (!home || home->name != me)) continue;
      objects.push_back({r.Int(0), r.Int(7), r.Int(8), r.Text(1), r.Text(2), r.Text(3), r.Text(4),
                         r.Text(5), r.Text(6), r.Text(9), r.Real(10), r.Null(11) ? 0 : r.Int(11)});
    }
    auto rep =
        tx.Query("replicas", "SELECT object_id, node, version, recipients FROM fed_replicas");
    if (!rep) return rep.error();
    for (const auto& r : *rep) sent[{r.Int(0), r.Text(1)}] = {r.Int(2), r.Text(3)};
    auto members = tx.Query(
        "group members",
        "SELECT l.object_id, l.target FROM coop_links l JOIN coop_objects o ON o.id = l.object_id "
        "WHERE o.type = 'group' AND l.kind = 'member'");
    if (!members) return members.error();
    for (const auto& r : *members) group_members[r.Int(0)].push_back(r.Text(1));
    return Status::Ok();
  });
  if (!rs.ok()) return Fail(rs);
  for (const Shared& o : objects) {
    auto aud = coop::ParseAudienceJson(o.audience_json);
    if (!aud) continue;
    // The organisations it is for, by the node that hosts them.
    std::map<std::string, std::set<std::string>> targets;
    std::set<std::string> exclude(aud->exclude.begin(), aud->exclude.end());
    auto add = [&](const std::string& org) {
      if (exclude.count(org) || org == o.org) return;
      const RosterNode* home = roster->HomeOf(org);
      if (home && home->name != me) targets[home->name].insert(org);
    };
    // A withdrawn share goes to the same organisations: their copies say it was withdrawn.
    if (aud->kind == "organisations" || aud->kind == "groups")
      for (const auto& x : aud->orgs) add(x);
    if (aud->kind == "groups")
      for (int64_t g : aud->groups)
        for (const auto& x : group_members[g]) add(x);
    if (aud->kind == "agencies" || aud->kind == "network")
      for (const auto& n : roster->nodes)
        for (const auto& x : n.orgs) add(x);
    std::set<std::string> nodes;
    for (const auto& [n, _] : targets) nodes.insert(n);
    for (const auto& [k, v] : sent)
      if (k.first == o.id) nodes.insert(k.second);
    for (const std::string& node : nodes) {
      if (!roster->ByName(node)) continue;
      json recipients = json::array();
      for (const auto& x : targets[node]) recipients.push_back(x);
      const std::string rtext = recipients.dump();
      auto it = sent.find({o.id, node});
      if (it != sent.end() && it->second.first == o.version && it->second.second == rtext) continue;
      if (it == sent.end() && recipients.empty()) continue;
      json payload = {{"origin_node", me},
                      {"origin_id", o.id},
                      {"type", o.type},
                      {"org", o.org},
                      {"title", o.title},
                      {"status", recipients.empty() ? "withdrawn" : o.status},
                      {"tlp", o.tlp},
                      {"audience", json::parse(o.audience_json, nullptr, false)},
                      {"version", o.version},
                      {"updated_at", o.updated_at},
                      {"recipients", recipients}};
      json data = json::parse(o.data_json, nullptr, false);
      if (data.is_object()) {
        json d = json::object();
        for (const char* k : CarriedData(o.type))
          if (data.contains(k)) d[k] = data[k];
        if (o.type == "case") d["harm_score"] = o.score;
        if (o.type == "application") {
          d["objections_until"] = o.due_at;
          d["objection_count"] =
              data.contains("objections") && data["objections"].is_array() ? data["objections"].size() : 0;
        }
        payload["data"] = d;
      }
      if ((o.type == "case" || o.status == "active") && !recipients.empty()) {
        json reports;
        int64_t total = 0;
        // The analysis only: the complainants' personal data stays on this node.
        if (Status ls = ReportEntries(store_, o.id, false, &reports, &total); !ls.ok())
          return Fail(ls);
        payload["reports"] = reports;
        payload["reports_total"] = total;
      }
      Status ws = db.Write([&](SqlTx& tx) -> Status {
        auto id = fed_->Enqueue(tx, node, "coop-object", Conv(o.id), payload.dump());
        if (!id) return id.error();
        return tx.Exec("replica",
                       "INSERT INTO fed_replicas(object_id, node, version, recipients, sent_at) "
                       "VALUES (?, ?, ?, ?, ?) "
                       "ON CONFLICT(object_id, node) DO UPDATE SET version = excluded.version, "
                       "recipients = excluded.recipients, sent_at = excluded.sent_at",
                       {o.id, node, o.version, rtext, NowMs()});
      });
      if (!ws.ok()) return Fail(ws);
      ++queued;
    }
  }
  if (queued) fed_->Kick();
  return queued;
}

void Replicator::Start(int64_t interval_ms) {
  std::lock_guard<std::mutex> l(mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this, interval_ms] { Loop(interval_ms); });
}

void Replicator::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Replicator::Kick() {
  {
    std::lock_guard<std::mutex> l(mu_);
    kicked_ = true;
  }
  cv_.notify_all();
}

void Replicator::Loop(int64_t interval_ms) {
  for (;;) {
    {
      std::unique_lock<std::mutex> l(mu_);
      cv_.wait_for(l, std::chrono::milliseconds(interval_ms), [&] { return stop_ || kicked_; });
      if (stop_) return;
      kicked_ = false;
    }
    auto n = SyncOnce();
    if (!n) log::Warn("federation.replication_failed", {{"error", n.error().message()}});
  }
}

Result<std::vector<Mirror>> ListMirrors(store::SqlDb& db, const std::string& org,
                                        const std::string& type, size_t limit) {
  std::vector<Mirror> out;
  Status s = db.Read([&](SqlTx& tx) -> Status {
    out.clear();
    std::string sql =
        "SELECT m.origin_node, m.origin_id, m.type, m.org, m.title, m.status, m.tlp, m.audience, "
        "m.data, m.version, "
        "m.updated_at, m.received_at, (SELECT COUNT(*) FROM fed_mirror_reports r WHERE "
        "r.origin_node = m.origin_node "
        "AND r.origin_id = m.origin_id) FROM fed_mirrors m JOIN fed_mirror_access a ON "
        "a.origin_node = m.origin_node "
        "AND a.origin_id = m.origin_id WHERE a.org = ?";
    std::vector<SqlValue> params{org};
    if (!type.empty()) {
      sql += " AND m.type = ?";
      params.push_back(type);
    }
    sql += " ORDER BY m.received_at DESC LIMIT ?";
    params.push_back(static_cast<int64_t>(limit));
    auto rows = tx.Query("mirrors", sql, params);
    if (!rows) return rows.error();
    for (const auto& r : *rows)
      out.push_back({r.Text(0), r.Int(1), r.Text(2), r.Text(3), r.Text(4), r.Text(5), r.Text(6),
                     r.Text(7), r.Text(8), r.Int(9), r.Int(10), r.Int(11), r.Int(12)});
    return Status::Ok();
  });
  if (!s.ok()) return Fail(s);
  return out;
}

Result<std::optional<std::pair<Mirror, std::vector<std::string>>>> GetMirror(
    store::SqlDb& db, const std::string& org, const std::string& node, int64_t id) {
  std::optional<std::pair<Mirror, std::vector<std::string>>> out;
  Status s = db.Read([&](SqlTx& tx) -> Status {
    out.reset();
    auto rows = tx.Query(
        "mirror",
        "SELECT m.origin_node, m.origin_id, m.type, m.org, m.title, m.status, m.tlp, m.audience, "
        "m.data, m.version, "
        "m.updated_at, m.received_at FROM fed_mirrors m JOIN fed_mirror_access a ON a.origin_node "
        "= m.origin_node "
        "AND a.origin_id = m.origin_id WHERE a.org = ? AND m.origin_node = ? AND m.origin_id = ?",
        {org, node, id});
    if (!rows) return rows.error();
    if (rows->empty()) return Status::Ok();
    const auto& r = (*rows)[0];
    Mirror m{r.Text(0), r.Int(1),  r.Text(2), r.Text(3), r.Text(4), r.Text(5), r.Text(6),
             r.Text(7), r.Text(8), r.Int(9),  r.Int(10), r.Int(11), 0};
    auto reps = tx.Query("mirror reports",
                         "SELECT body FROM fed_mirror_reports WHERE origin_node = ? AND origin_id "
                         "= ? ORDER BY report_id",
                         {node, id});
    if (!reps) return reps.error();
    std::vector<std::string> bodies;
    for (const auto& x : *reps) bodies.push_back(x.Text(0));
    m.reports = static_cast<int64_t>(bodies.size());
    out = std::make_pair(std::move(m), std::move(bodies));
    return Status::Ok();
  });
  if (!s.ok()) return Fail(s);
  return out;
}

}  // namespace lapis::federation
