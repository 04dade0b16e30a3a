#include "federation/flows.h"

#include <chrono>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "common/log.h"
#include "common/sha256.h"
#include "common/strings.h"
#include "coop/cases.h"
#include "coop/workflow.h"
#include "federation/replication.h"
#include "federation/util.h"

namespace lapis::federation {
namespace {

using json = nlohmann::json;
using store::SqlTx;
using store::SqlValue;

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

json ParseObject(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  return j.is_object() ? j : json::object();
}

bool Hosts(const RosterNode& n, const std::string& org) {
  for (const auto& o : n.orgs)
    if (o == org) return true;
  return false;
}

// What a step writes into the object's data, besides its status and its time.
constexpr const char* kStepFields[] = {"decline_reason", "withdraw_reason", "outcome", "answer"};

// Words of a data object's strings (and lists of strings), for finding the copy by them.
std::string SearchText(const json& data) {
  std::string out;
  for (const auto& [k, v] : data.items()) {
    if (v.is_string()) out += v.get<std::string>() + " ";
    if (v.is_array())
      for (const auto& x : v)
        if (x.is_string()) out += x.get<std::string>() + " ";
  }
  return out;
}

// The organisation's row, made when this node has not heard of it yet (an organisation of another
// node).
Status EnsureOrg(SqlTx& tx, const std::string& org) {
  return tx.Exec(
      "organisation",
      "INSERT INTO organisations(name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
      {org, NowMs() / 1000});
}

Result<bool> OrgExists(SqlTx& tx, const std::string& org) {
  auto r = tx.Query("organisation", "SELECT id FROM organisations WHERE name = ?", {org});
  if (!r) return Fail(r.error());
  return !r->empty();
}

coop::Viewer RemoteViewer(const std::string& org, const std::string& actor) {
  coop::Viewer v;
  v.org = org;
  v.role = "coordinator";
  v.actor = actor.empty() ? "node" : actor;
  v.member = true;  // its node is on the roster the secretariat signed
  v.agency = true;
  return v;
}

std::string Noun(const std::string& type) { return type == "referral" ? "Referral" : "Request"; }

// ---- coop-flow: a referral or request sent to an organisation hosted here ----

Status ReceiveFlow(Federation* fed, SqlTx& tx, const Incoming& m) {
  json p = json::parse(m.payload, nullptr, false);
  if (!p.is_object() || !p.contains("origin_id") || !p["origin_id"].is_number_integer())
    return Status::InvalidArgument("not a referral or request");
  const std::string type = p.value("type", ""), org = p.value("org", ""), to = p.value("to", "");
  if (type != "referral" && type != "request")
    return Status::InvalidArgument("objects of type '" + type +
                                   "' are not taken as referrals or requests");
  if (p.value("origin_node", "") != m.sender.name)
    return Status::PermissionDenied("the " + type + " names another origin node than its sender");
  if (!Hosts(m.sender, org))
    return Status::PermissionDenied("organisation " + org + " is not hosted by node " +
                                    m.sender.name);
  auto roster = fed->CurrentRoster();
  const RosterNode* home = roster ? roster->HomeOf(to) : nullptr;
  if (!home || home->name != fed->Name())
    return Status::PermissionDenied("organisation " + to + " is not hosted by node " + fed->Name());
  auto exists = OrgExists(tx, to);
  if (!exists) return exists.error();
  if (!*exists) return Status::InvalidArgument("no organisation " + to + " on node " + fed->Name());
  const int64_t origin_id = p["origin_id"].get<int64_t>();
  auto have =
      tx.Query("copy", "SELECT local_id FROM fed_flows WHERE origin_node = ? AND origin_id = ?",
               {m.sender.name, origin_id});
  if (!have) return have.error();
  if (!have->empty()) return Status::Ok();  // here already: its steps follow as steps
  bool state = p.value("status", "") == "sent";
  for (const auto& st : coop::Lifecycle(type)) state |= p.value("status", "") == st.to;
  if (!state)
    return Status::InvalidArgument("'" + p.value("status", "") + "' is not a state of a " + type);
  if (Status s = EnsureOrg(tx, org); !s.ok()) return s;

  coop::Object o;
  o.type = type;
  o.status = p.value("status", "sent");
  o.title = p.value("title", "");
  if (o.title.empty()) o.title = Noun(type) + " from " + org;
  o.tlp = coop::ParseTlp(p.value("tlp", "AMBER")).value_or(coop::Tlp::kAmber);
  // Groups and the like are the sender's node's: here the copy is for its recipient.
  o.audience.kind = "organisations";
  o.audience.orgs = {to};
  if (p.contains("due_at") && p["due_at"].is_number_integer())
    o.due_at = p["due_at"].get<int64_t>();
  json data = p.contains("data") && p["data"].is_object() ? p["data"] : json::object();
  data["to"] = to;
  data["federation"] = {{"node", m.sender.name}, {"id", origin_id}};
  if (p.contains("reports_total")) data["reports_total"] = p["reports_total"];
  o.data_json = Dump(data);

  std::vector<coop::Link> links{{"recipient", to, 0, ""}};
  const json reports =
      p.contains("reports") && p["reports"].is_array() ? p["reports"] : json::array();
  for (const auto& r : reports) {
    if (!r.is_object() || !r.contains("id") || !r["id"].is_string()) continue;
    links.push_back({"report",
                     coop::ReportTarget(r.value("organisation", org), r["id"].get<std::string>()),
                     0, ""});
  }
  const coop::Viewer by = RemoteViewer(org, p.value("actor", ""));
  auto made =
      coop::CreateIn(tx, by, o, SearchText(data), links, "received from node " + m.sender.name);
  if (!made) return made.error();
  if (Status s = tx.Exec("copy",
                         "INSERT INTO fed_flows(origin_node, origin_id, local_id, received_at) "
                         "VALUES (?, ?, ?, ?)",
                         {m.sender.name, origin_id, made->id, NowMs()});
      !s.ok())
    return s;
  for (const auto& r : reports) {
    if (!r.is_object() || !r.contains("id") || !r["id"].is_string()) continue;
    if (Status s = tx.Exec("copied report",
                           "INSERT INTO fed_mirror_reports(origin_node, origin_id, report_id, "
                           "body) VALUES (?, ?, ?, ?) "
                           "ON CONFLICT DO NOTHING",
                           {m.sender.name, origin_id, r["id"].get<std::string>(), Dump(r)});
        !s.ok())
      return s;
  }
  if (Status s = coop::NotifyIn(tx, by, {to}, type + ".sent", type, made->id, o.status,
                                Noun(type) + " from " + org + ": " + made->title);
      !s.ok())
    return s;
  log::Info("federation.flow", {{"from", m.sender.name},
                                {"type", type},
                                {"origin_id", origin_id},
                                {"id", made->id},
                                {"to", to}});
  return Status::Ok();
}

// ---- coop-step: a step taken on the other side ----

Status ReceiveStep(Federation* fed, SqlTx& tx, const Incoming& m) {
  json p = json::parse(m.payload, nullptr, false);
  if (!p.is_object() || !p.contains("origin_id") || !p["origin_id"].is_number_integer())
    return Status::InvalidArgument("not a step of a referral or request");
  const std::string origin_node = p.value("origin_node", ""), type = p.value("type", ""),
                    to = p.value("to", ""), by_org = p.value("by_org", "");
  const int64_t origin_id = p["origin_id"].get<int64_t>();
  if (!Hosts(m.sender, by_org))
    return Status::PermissionDenied("organisation " + by_org + " is not hosted by node " +
                                    m.sender.name);
  bool state = false;
  for (const auto& st : coop::Lifecycle(type)) state |= to == st.to;
  if (!state)
    return Status::InvalidArgument("'" + to + "' is not a state a " + type + " is moved to");
  const bool owner_here = origin_node == fed->Name();
  int64_t id = origin_id;
  if (!owner_here) {
    if (origin_node != m.sender.name)
      return Status::PermissionDenied("a step on node " + origin_node + "'s " + type +
                                      " from node " + m.sender.name);
    auto have =
        tx.Query("copy", "SELECT local_id FROM fed_flows WHERE origin_node = ? AND origin_id = ?",
                 {origin_node, origin_id});
    if (!have) return have.error();
    if (have->empty())
      return Status::InvalidArgument("no copy of node " + origin_node + "'s " + type + " " +
                                     std::to_string(origin_id) + " here");
    id = (*have)[0].Int(0);
  }
  auto cur = coop::GetAnyIn(tx, id);
  if (!cur) return cur.error();
  if (!*cur || (*cur)->type != type)
    return Status::InvalidArgument("no " + type + " " + std::to_string(origin_id) + " here");
  const json d0 = ParseObject((*cur)->data_json);
  if (owner_here) {
    // A step of the recipient's on one of this node's own referrals or requests.
    if (d0.contains("federation")) return Status::PermissionDenied("that object is itself a copy");
    if (d0.value("to", "") != by_org)
      return Status::PermissionDenied(by_org + " is not the recipient of " + type + " " +
                                      std::to_string(id));
  } else if ((*cur)->org != by_org) {
    return Status::PermissionDenied(by_org + " did not send " + type + " " +
                                    std::to_string(origin_id));
  }
  const json fields =
      p.contains("fields") && p["fields"].is_object() ? p["fields"] : json::object();
  const coop::Object& o0 = **cur;
  const coop::Side side = by_org == o0.org ? coop::Side::kSender : coop::Side::kRecipient;
  auto step = coop::FindStep(type, o0.status, to);
  // The sender's node is authoritative: its step stands on the copy whatever crossed it there.
  const bool forced = !step || step->who != side;
  if (forced && !(side == coop::Side::kSender && !owner_here))
    return Status::InvalidArgument(
        "the " + type + " is " + o0.status + " on node " + fed->Name() +
        (step ? ": the other side takes that step" : ": " + step.error().message()));
  const std::string local_party = side == coop::Side::kSender ? d0.value("to", "") : o0.org;
  const std::string was = o0.status;
  const coop::Viewer by = RemoteViewer(by_org, p.value("actor", ""));
  auto moved = coop::ChangeIn(
      tx, by, id, type,
      [&](coop::Object& o) -> Status {
        json d = ParseObject(o.data_json);
        for (const char* k : kStepFields)
          if (fields.contains(k)) d[k] = fields[k];
        if (!d.contains("timeline") || !d["timeline"].is_object()) d["timeline"] = json::object();
        d["timeline"][to] = p.value("at", std::string());
        o.status = to;
        o.data_json = Dump(d);
        return Status::Ok();
      },
      "status:->" + to,
      forced ? "from node " + m.sender.name + ", over " + was + " here: the sender's node decides"
             : "from node " + m.sender.name);
  if (!moved) return moved.error();
  if (forced)
    log::Warn("federation.step_overrides",
              {{"from", m.sender.name}, {"id", id}, {"was", was}, {"now", to}});
  const json d = ParseObject(moved->data_json);
  std::string detail;
  if (to == "declined") detail = d.value("decline_reason", "");
  if (to == "withdrawn") detail = d.value("withdraw_reason", "");
  if (to == "closed" && d.contains("outcome") && d["outcome"].is_object())
    detail = d["outcome"].value("kind", "") + ": " + d["outcome"].value("detail", "");
  if (to == "answered" && d.contains("answer") && d["answer"].is_object())
    detail = d["answer"].value("text", "").substr(0, 500);
  if (Status s = coop::NotifyIn(
          tx, by, {local_party}, type + "." + to, type, id, to,
          "The " + type + " \"" + moved->title + "\" is " + to + " (" + by_org + ")", detail);
      !s.ok())
    return s;
  log::Info("federation.step", {{"from", m.sender.name}, {"type", type}, {"id", id}, {"to", to}});
  return Status::Ok();
}

// ---- coop-objection: a member agency on another node objects to an application held here ----

Status ReceiveObjection(SqlTx& tx, const Incoming& m) {
  json p = json::parse(m.payload, nullptr, false);
  if (!p.is_object() || !p.contains("origin_id") || !p["origin_id"].is_number_integer())
    return Status::InvalidArgument("not an objection");
  const std::string org = p.value("org", ""), reason = p.value("reason", "");
  const int64_t id = p["origin_id"].get<int64_t>();
  if (!Hosts(m.sender, org))
    return Status::PermissionDenied("organisation " + org + " is not hosted by node " +
                                    m.sender.name);
  if (reason.empty()) return Status::InvalidArgument("an objection gives its reason");
  auto who = tx.Query(
      "objector",
      "SELECT p.kind, p.membership FROM organisations g JOIN org_profiles p ON p.org_id = g.id "
      "WHERE g.name = ?",
      {org});
  if (!who) return who.error();
  if (who->empty() || (*who)[0].Text(0) != "agency" || (*who)[0].Text(1) != "member")
    return Status::PermissionDenied(org + " is not a member agency in this node's directory");
  auto cur = coop::GetAnyIn(tx, id);
  if (!cur) return cur.error();
  if (!*cur || (*cur)->type != "application")
    return Status::InvalidArgument("no application " + std::to_string(id));
  const int64_t now = NowMs() / 1000;
  auto changed = coop::ChangeIn(
      tx, RemoteViewer(org, p.value("actor", "")), id, "application",
      [&](coop::Object& o) -> Status {
        if (o.status != "open")
          return Status::InvalidArgument("the application was decided: " + o.status);
        if (o.due_at && *o.due_at <= now)
          return Status::InvalidArgument("the objection period has ended");
        json d = ParseObject(o.data_json);
        if (!d.contains("objections") || !d["objections"].is_array())
          d["objections"] = json::array();
        d["objections"].push_back(
            {{"organisation", org}, {"reason", reason}, {"at", p.value("at", "")}});
        o.data_json = Dump(d);
        return Status::Ok();
      },
      "objection", org + " (node " + m.sender.name + ")");
  if (!changed) return changed.error();
  log::Info("federation.objection", {{"from", m.sender.name}, {"org", org}, {"application", id}});
  return Status::Ok();
}

// ---- directory-entry ----

Status ReceiveDirectoryEntry(Federation* fed, SqlTx& tx, const Incoming& m) {
  json p = json::parse(m.payload, nullptr, false);
  if (!p.is_object()) return Status::InvalidArgument("not a directory entry");
  const std::string org = p.value("org", ""), kind = p.value("kind", ""),
                    membership = p.value("membership", "");
  if (!Hosts(m.sender, org))
    return Status::PermissionDenied("organisation " + org + " is not hosted by node " +
                                    m.sender.name);
  auto roster = fed->CurrentRoster();
  const RosterNode* home = roster ? roster->HomeOf(org) : nullptr;
  if (home && home->name == fed->Name())
    return Status::PermissionDenied("organisation " + org + " is hosted here");
  if (kind != "agency" && kind != "partner")
    return Status::InvalidArgument("kind must be agency or partner");
  bool known = false;
  for (const char* k : coop::kMemberships) known |= membership == k;
  if (!known) return Status::InvalidArgument("unknown membership '" + membership + "'");
  json data = p.contains("data") && p["data"].is_object() ? p["data"] : json::object();
  data["node"] = m.sender.name;
  // Read before anything is written: a member of the wrong type refuses the entry whole.
  const std::string country = p.value("country", "");
  const int64_t updated_at = p.value("updated_at", int64_t{0});
  if (Status s = EnsureOrg(tx, org); !s.ok()) return s;
  // The secretariat decides who is a member: what another node says of its own organisation's
  // membership does not change the secretariat's directory.
  if (fed->IsSecretariat())
    return tx.Exec(
        "directory entry",
        "INSERT INTO org_profiles(org_id, kind, country, membership, data, updated_at) "
        "SELECT id, ?, ?, ?, ?, ? FROM organisations WHERE name = ? ON CONFLICT (org_id) DO UPDATE "
        "SET kind = excluded.kind, country = excluded.country, data = excluded.data, "
        "updated_at = excluded.updated_at",
        {kind, country, membership, Dump(data), updated_at, org});
  return tx.Exec(
      "directory entry",
      "INSERT INTO org_profiles(org_id, kind, country, membership, data, updated_at) "
      "SELECT id, ?, ?, ?, ?, ? FROM organisations WHERE name = ? ON CONFLICT (org_id) DO UPDATE "
      "SET "
      "kind = excluded.kind, country = excluded.country, membership = excluded.membership, "
      "data = excluded.data, updated_at = excluded.updated_at",
      {kind, country, membership, Dump(data), updated_at, org});
}

}  // namespace

void RegisterFlows(Federation* fed) {
  fed->OnMessage("coop-flow",
                 [fed](SqlTx& tx, const Incoming& m) { return ReceiveFlow(fed, tx, m); });
  fed->OnMessage("coop-step",
                 [fed](SqlTx& tx, const Incoming& m) { return ReceiveStep(fed, tx, m); });
  fed->OnMessage("coop-objection",
                 [](SqlTx& tx, const Incoming& m) { return ReceiveObjection(tx, m); });
  fed->OnMessage("directory-entry",
                 [fed](SqlTx& tx, const Incoming& m) { return ReceiveDirectoryEntry(fed, tx, m); });
}

coop::Observer FlowObserver(Federation* fed) {
  return [fed](SqlTx& tx, const coop::Viewer& by, const coop::Object* before,
               const coop::Object& after) -> Status {
    if (after.type != "referral" && after.type != "request") return Status::Ok();
    auto roster = fed->CurrentRoster();
    const std::string me = fed->Name();
    // Sent now (made sent, or a draft sent) and not a copy: unless the roster says its recipient
    // is hosted here, the pass (SyncFlows) sends it with its reports.
    if (after.status != "draft" && (!before || before->status == "draft")) {
      const json d0 = ParseObject(after.data_json);
      const RosterNode* home = roster ? roster->HomeOf(d0.value("to", "")) : nullptr;
      if (!d0.contains("federation") && (!home || home->name != me))
        if (Status s = tx.Exec("to send",
                               "INSERT INTO fed_flow_pending(object_id, since) VALUES (?, ?) "
                               "ON CONFLICT DO NOTHING",
                               {after.id, NowMs()});
            !s.ok())
          return s;
    }
    if (!before || before->status == after.status || !roster || me.empty()) return Status::Ok();
    const json d = ParseObject(after.data_json);
    std::string node, origin_node, conv;
    int64_t origin_id = 0;
    if (d.contains("federation") && d["federation"].is_object()) {
      // A copy: the step goes back to the node of the organisation that sent it.
      origin_node = node = d["federation"].value("node", "");
      origin_id = d["federation"].value("id", int64_t{0});
      conv = "flow:" + origin_node + ":" + std::to_string(origin_id);
    } else {
      const RosterNode* home = roster->HomeOf(d.value("to", ""));
      if (!home || home->name == me) return Status::Ok();
      // Until it is sent, there is nothing to tell: it leaves with the state it has then.
      auto sent = tx.Query("sent", "SELECT 1 FROM fed_replicas WHERE object_id = ? AND node = ?",
                           {after.id, home->name});
      if (!sent) return sent.error();
      if (sent->empty()) return Status::Ok();
      node = home->name;
      origin_node = me;
      origin_id = after.id;
      conv = "flow:" + std::to_string(after.id);
    }
    if (node.empty() || !roster->ByName(node)) return Status::Ok();
    json fields = json::object();
    for (const char* k : kStepFields)
      if (d.contains(k)) fields[k] = d[k];
    std::string at;
    if (d.contains("timeline") && d["timeline"].is_object() &&
        d["timeline"].contains(after.status) && d["timeline"][after.status].is_string())
      at = d["timeline"][after.status].get<std::string>();
    json payload = {{"origin_node", origin_node}, {"origin_id", origin_id}, {"type", after.type},
                    {"from", before->status},     {"to", after.status},     {"by_org", by.org},
                    {"actor", by.actor},          {"fields", fields},       {"at", at}};
    auto id = fed->Enqueue(tx, node, "coop-step", conv, Dump(payload));
    return id ? Status::Ok() : id.error();
  };
}

Result<int64_t> SyncFlows(store::Store* store, Federation* fed) {
  auto roster = fed->CurrentRoster();
  const std::string me = fed->Name();
  if (!roster || me.empty()) return int64_t{0};
  store::SqlDb& db = store->Sql();
  struct Flow {
    int64_t id = 0, version = 0, created_at = 0;
    std::optional<int64_t> due_at;
    std::string org, type, status, title, tlp, data;
  };
  std::vector<Flow> todo;
  Status rs = db.Read([&](SqlTx& tx) -> Status {
    todo.clear();
    auto rows = tx.Query("referrals and requests to send",
                         "SELECT o.id, g.name, o.type, o.status, o.title, o.tlp, o.due_at, "
                         "o.version, o.created_at, o.data FROM fed_flow_pending p "
                         "CROSS JOIN coop_objects o JOIN organisations g ON g.id = o.org_id "
                         "WHERE o.id = p.object_id ORDER BY p.object_id LIMIT 1000");
    if (!rows) return rows.error();
    for (const auto& r : *rows) {
      Flow f;
      f.id = r.Int(0);
      f.org = r.Text(1);
      f.type = r.Text(2);
      f.status = r.Text(3);
      f.title = r.Text(4);
      f.tlp = r.Text(5);
      if (!r.Null(6)) f.due_at = r.Int(6);
      f.version = r.Int(7);
      f.created_at = r.Int(8);
      f.data = r.Text(9);
      todo.push_back(std::move(f));
    }
    return Status::Ok();
  });
  if (!rs.ok()) return Fail(rs);
  int64_t queued = 0;
  for (const Flow& f : todo) {
    json d = ParseObject(f.data);
    const RosterNode* home = roster->HomeOf(d.value("to", ""));
    if (!home) continue;  // the roster may name it later
    const bool local = home->name == me || d.contains("federation");
    json payload;
    if (!local) {
      json reports;
      int64_t total = 0;
      // The complainants' personal data only where the agreement cited entitles the recipient.
      if (Status ls = ReportEntries(store, f.id, d.value("personal_data", false), &reports, &total);
          !ls.ok())
        return Fail(ls);
      json data = d;
      data.erase("attachments");  // kept on this node
      if (data.contains("agreement") && data["agreement"].is_object())
        data["agreement"] = {{"title", data["agreement"].value("title", "")}, {"node", me}};
      payload = {{"origin_node", me},
                 {"origin_id", f.id},
                 {"type", f.type},
                 {"org", f.org},
                 {"to", d.value("to", "")},
                 {"title", f.title},
                 {"status", f.status},
                 {"tlp", f.tlp},
                 {"created_at", f.created_at},
                 {"version", f.version},
                 {"data", data},
                 {"reports", reports},
                 {"reports_total", total}};
      if (f.due_at) payload["due_at"] = *f.due_at;
    }
    bool sent = false;
    Status ws = db.Write([&](SqlTx& tx) -> Status {
      sent = false;
      if (local) return tx.Exec("sent", "DELETE FROM fed_flow_pending WHERE object_id = ?", {f.id});
      // Sent as it was read: a step taken meanwhile is sent with the next pass's copy.
      auto same = tx.Query(
          "unchanged",
          "UPDATE coop_objects SET version = version WHERE id = ? AND version = ? RETURNING id",
          {f.id, f.version});
      if (!same) return same.error();
      if (same->empty()) return Status::Ok();
      auto id =
          fed->Enqueue(tx, home->name, "coop-flow", "flow:" + std::to_string(f.id), Dump(payload));
      if (!id) return id.error();
      sent = true;
      Status st = tx.Exec(
          "sent",
          "INSERT INTO fed_replicas(object_id, node, version, recipients, sent_at) VALUES (?, ?, "
          "?, ?, ?)",
          {f.id, home->name, f.version, Dump(json::array({d.value("to", "")})), NowMs()});
      if (!st.ok()) return st;
      return tx.Exec("sent", "DELETE FROM fed_flow_pending WHERE object_id = ?", {f.id});
    });
    if (!ws.ok()) return Fail(ws);
    if (sent) ++queued;
  }
  if (queued) fed->Kick();
  return queued;
}

Result<int64_t> SyncDirectory(store::Store* store, Federation* fed) {
  auto roster = fed->CurrentRoster();
  const std::string me = fed->Name();
  if (!roster || me.empty()) return int64_t{0};
  store::SqlDb& db = store->Sql();
  struct Entry {
    std::string org, kind, country, membership, data;
    int64_t updated_at = 0;
  };
  std::vector<Entry> entries;
  std::map<std::pair<std::string, std::string>, std::string> sent;  // (org, node) -> digest
  Status rs = db.Read([&](SqlTx& tx) -> Status {
    entries.clear();
    sent.clear();
    auto rows = tx.Query(
        "directory",
        "SELECT g.name, p.kind, p.country, p.membership, p.data, p.updated_at FROM org_profiles p "
        "JOIN organisations g ON g.id = p.org_id");
    if (!rows) return rows.error();
    for (const auto& r : *rows) {
      const RosterNode* home = roster->HomeOf(r.Text(0));
      if (home && home->name == me)
        entries.push_back({r.Text(0), r.Text(1), r.Text(2), r.Text(3), r.Text(4), r.Int(5)});
    }
    auto s = tx.Query("directory sent", "SELECT org, node, digest FROM fed_directory_sent");
    if (!s) return s.error();
    for (const auto& r : *s) sent[{r.Text(0), r.Text(1)}] = r.Text(2);
    return Status::Ok();
  });
  if (!rs.ok()) return Fail(rs);
  int64_t queued = 0;
  for (const Entry& e : entries) {
    json data = ParseObject(e.data);
    data.erase("node");
    const json payload = {{"org", e.org},         {"kind", e.kind},
                          {"country", e.country}, {"membership", e.membership},
                          {"data", data},         {"updated_at", e.updated_at}};
    const std::string text = Dump(payload);
    const std::string digest = Sha256Hex(text);
    for (const auto& n : roster->nodes) {
      if (n.name == me) continue;
      auto it = sent.find({e.org, n.name});
      if (it != sent.end() && it->second == digest) continue;
      Status ws = db.Write([&](SqlTx& tx) -> Status {
        auto id = fed->Enqueue(tx, n.name, "directory-entry", "directory", text);
        if (!id) return id.error();
        return tx.Exec("directory sent",
                       "INSERT INTO fed_directory_sent(org, node, digest) VALUES (?, ?, ?) ON "
                       "CONFLICT (org, node) "
                       "DO UPDATE SET digest = excluded.digest",
                       {e.org, n.name, digest});
      });
      if (!ws.ok()) return Fail(ws);
      ++queued;
    }
  }
  if (queued) fed->Kick();
  return queued;
}

Result<int64_t> SyncMembership(store::Store* store, Federation* fed) {
  auto cur = fed->CurrentRoster();
  const std::string me = fed->Name();
  if (!cur || me.empty() || !fed->IsSecretariat()) return int64_t{0};
  struct Admission {
    std::string org;
    json node;
    int64_t decided_at = 0;
  };
  std::map<std::string, std::string> membership;  // organisation -> membership here
  std::vector<Admission> admitted;
  Status rs = store->Sql().Read([&](SqlTx& tx) -> Status {
    membership.clear();
    admitted.clear();
    auto p = tx.Query(
        "membership",
        "SELECT g.name, p.membership FROM org_profiles p JOIN organisations g ON g.id = p.org_id");
    if (!p) return p.error();
    for (const auto& r : *p) membership[r.Text(0)] = r.Text(1);
    auto a = tx.Query("admitted applications",
                      "SELECT g.name, o.data, o.updated_at FROM coop_objects o JOIN organisations "
                      "g ON g.id = o.org_id "
                      "WHERE o.type = 'application' AND o.status = 'admitted' ORDER BY o.id");
    if (!a) return a.error();
    for (const auto& r : *a) {
      json d = ParseObject(r.Text(1));
      if (d.contains("node") && d["node"].is_object())
        admitted.push_back({r.Text(0), d["node"], r.Int(2)});
    }
    return Status::Ok();
  });
  if (!rs.ok()) return Fail(rs);
  Roster r = *cur;
  int64_t changes = 0;
  const int64_t now = NowMs() / 1000;
  // Admissions: the applicant's node joins, or hosts the applicant from now on.
  for (const auto& a : admitted) {
    if (membership[a.org] != "member" || r.HomeOf(a.org))
      continue;  // withdrew since, or there already
    RosterNode n{a.node.value("name", ""),
                 a.node.value("endpoint", ""),
                 a.node.value("sign_key", ""),
                 a.node.value("tls_key", ""),
                 {a.org}};
    // A node revoked after the admission stays out until it is admitted again.
    const Revocation* gone = r.RevocationOf(n.name, n.sign_key);
    if (gone && gone->at >= a.decided_at) continue;
    RosterNode* have = nullptr;
    for (auto& x : r.nodes)
      if (x.name == n.name) have = &x;
    if (have) {
      if (have->sign_key != n.sign_key || have->tls_key != n.tls_key) {
        log::Warn("federation.admission_skipped",
                  {{"org", a.org},
                   {"node", n.name},
                   {"reason", "the application names other keys than the node's on the roster"}});
        continue;
      }
      have->orgs.push_back(a.org);
    } else {
      for (auto it = r.revoked.begin(); it != r.revoked.end();)
        it = it->name == n.name && it->sign_key == n.sign_key ? r.revoked.erase(it) : it + 1;
      r.nodes.push_back(n);
    }
    ++changes;
    log::Info("federation.admitted", {{"org", a.org}, {"node", n.name}});
  }
  // Withdrawals and refusals: the organisation leaves its node's entry; a node left with none is
  // revoked.
  for (auto it = r.nodes.begin(); it != r.nodes.end();) {
    std::vector<std::string> kept, left;
    for (const auto& o : it->orgs) {
      auto m = membership.find(o);
      const bool gone = it->name != me && m != membership.end() &&
                        (m->second == "withdrawn" || m->second == "refused");
      (gone ? left : kept).push_back(o);
    }
    if (left.empty()) {
      ++it;
      continue;
    }
    changes += static_cast<int64_t>(left.size());
    for (const auto& o : left) log::Info("federation.left", {{"org", o}, {"node", it->name}});
    if (!kept.empty()) {
      it->orgs = kept;
      ++it;
      continue;
    }
    r.revoked.push_back(
        {it->name, it->sign_key, it->tls_key, "its organisations left the network", now});
    it = r.nodes.erase(it);
  }
  if (!changes) return int64_t{0};
  ++r.serial;
  r.issued_at = now;
  if (auto check = ParseRoster(RosterJson(r)); !check) {
    log::Warn("federation.membership_roster_invalid", {{"error", check.error().message()}});
    return int64_t{0};
  }
  if (Status s = fed->InstallRoster(SignRoster(r, fed->key())); !s.ok()) return Fail(s);
  return changes;
}

Result<std::string> SendObjection(store::SqlDb& db, Federation& fed, const std::string& org,
                                  const std::string& actor, const std::string& node,
                                  int64_t origin_id, const std::string& reason) {
  auto roster = fed.CurrentRoster();
  if (!roster || !roster->ByName(node) || node == fed.Name())
    return Fail(Status::NotFound("no node " + node + " on the roster"));
  const json payload = {{"origin_id", origin_id},
                        {"org", org},
                        {"actor", actor},
                        {"reason", reason},
                        {"at", FormatRfc3339(NowMs() / 1000)}};
  std::string id;
  Status s = db.Write([&](SqlTx& tx) -> Status {
    auto queued = fed.Enqueue(tx, node, "coop-objection", "objection:" + std::to_string(origin_id),
                              Dump(payload));
    if (!queued) return queued.error();
    id = *queued;
    return Status::Ok();
  });
  if (!s.ok()) return Fail(s);
  fed.Kick();
  return id;
}

Status ReportEntries(store::Store* store, int64_t object_id, bool personal, json* entries,
                     int64_t* total) {
  json reports = json::array();
  Status ls = store->Sql().Read([&](SqlTx& tx) -> Status {
    reports = json::array();
    auto links = tx.Query(
        "carried reports",
        "SELECT target FROM coop_links WHERE object_id = ? AND kind = 'report' ORDER BY target",
        {object_id});
    if (!links) return links.error();
    *total = static_cast<int64_t>(links->size());
    for (size_t i = 0; i < links->size() && i < kMaxReplicatedReports; ++i) {
      std::string org, sha;
      if (coop::ParseReportTarget((*links)[i].Text(0), &org, &sha))
        reports.push_back({{"id", sha}, {"organisation", org}});
    }
    return Status::Ok();
  });
  if (!ls.ok()) return ls;
  for (auto& r : reports) {
    auto row = store->GetReport(r["organisation"].get<std::string>(), r["id"].get<std::string>());
    if (!row) return row.error();
    if (!*row) continue;
    r["subject"] = (*row)->subject;
    r["category"] = (*row)->category;
    r["first_seen"] = (*row)->first_seen;
    r["complaints"] = (*row)->complaints;
    r["origin_country"] = (*row)->origin_country;
    r["origin_asn"] = (*row)->origin_asn;
    r["analysis"] =
        json::parse((*row)->analysis_json.empty() ? "null" : (*row)->analysis_json, nullptr, false);
    if (personal)
      r["personal_data"] = json::parse(
          (*row)->personal_json.empty() ? "null" : (*row)->personal_json, nullptr, false);
  }
  *entries = std::move(reports);
  return Status::Ok();
}

Result<std::optional<std::string>> CopiedReport(store::SqlDb& db, const std::string& node,
                                                int64_t origin_id, const std::string& sha256) {
  std::optional<std::string> out;
  Status s = db.Read([&](SqlTx& tx) -> Status {
    out.reset();
    auto r = tx.Query("copied report",
                      "SELECT body FROM fed_mirror_reports WHERE origin_node = ? AND origin_id = ? "
                      "AND report_id = ?",
                      {node, origin_id, sha256});
    if (!r) return r.error();
    if (!r->empty()) out = (*r)[0].Text(0);
    return Status::Ok();
  });
  if (!s.ok()) return Fail(s);
  return out;
}

}  // namespace lapis::federation
