#include "federation/messages.h"

#include <chrono>

#include <nlohmann/json.hpp>

#include "common/strings.h"
#include "federation/util.h"

namespace lapis::federation {
namespace {

using json = nlohmann::json;
using store::SqlTx;

constexpr size_t kMaxSubject = 500, kMaxText = 64 * 1024;

bool IsConversation(const std::string& c) {
  if (c.empty() || c.size() > 64) return false;
  for (char ch : c)
    if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-')) return false;
  return true;
}

Status OrgExists(SqlTx& tx, const std::string& org) {
  auto r = tx.Query("organisation", "SELECT id FROM organisations WHERE name = ?", {org});
  if (!r) return r.error();
  return r->empty() ? Status::InvalidArgument("no organisation " + org + " on this node") : Status::Ok();
}

Status Insert(SqlTx& tx, const std::string& id, const std::string& org, const std::string& peer_org,
              const char* direction, const std::string& conv, const std::string& subject, const std::string& text,
              const std::string& actor, int64_t at, const std::string& node) {
  return tx.Exec("organisation message",
                 "INSERT INTO fed_messages(msg_id, org, peer_org, direction, conv, subject, body, actor, at, node) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 {id, org, peer_org, std::string(direction), conv, subject, text, actor, at, node});
}

}  // namespace

void RegisterOrgMessages(Federation* fed) {
  fed->OnMessage("org-message", [fed](SqlTx& tx, const Incoming& m) -> Status {
    json p = json::parse(m.payload, nullptr, false);
    if (!p.is_object()) return Status::InvalidArgument("the message is not a JSON object");
    auto s = [&p](const char* k) { return p.contains(k) && p[k].is_string() ? p[k].get<std::string>() : ""; };
    const std::string from = s("from_org"), to = s("to_org"), conv = s("conversation");
    if (from.empty() || to.empty() || !IsConversation(conv))
      return Status::InvalidArgument("the message names no sender, recipient or conversation");
    bool hosted = false;
    for (const auto& o : m.sender.orgs) hosted |= o == from;
    if (!hosted)
      return Status::PermissionDenied("organisation " + from + " is not hosted by node " + m.sender.name);
    auto roster = fed->CurrentRoster();
    const RosterNode* home = roster ? roster->HomeOf(to) : nullptr;
    if (!home || home->name != fed->Name())
      return Status::InvalidArgument("organisation " + to + " is not hosted by this node");
    if (Status e = OrgExists(tx, to); !e.ok()) return e;
    const int64_t at = p.contains("sent_at") && p["sent_at"].is_number_integer() ? p["sent_at"].get<int64_t>()
                                                                                  : m.header.at;
    return Insert(tx, m.header.id, to, from, "in", conv, SanitizeUtf8(s("subject")), SanitizeUtf8(s("text")),
                  SanitizeUtf8(s("actor")), at, m.sender.name);
  });
}

Result<SendResult> SendOrgMessage(store::SqlDb& db, Federation& fed, const std::string& from_org,
                                  const std::string& to_org, const std::string& conversation,
                                  const std::string& subject, const std::string& text, const std::string& actor) {
  if (to_org.empty()) return Fail(Status::InvalidArgument("name the organisation the message is for (to)"));
  if (text.empty()) return Fail(Status::InvalidArgument("the message has no text"));
  if (subject.size() > kMaxSubject || text.size() > kMaxText)
    return Fail(Status::InvalidArgument("the subject is at most 500 bytes and the text 64 KiB"));
  if (!conversation.empty() && !IsConversation(conversation))
    return Fail(Status::InvalidArgument("a conversation is named by [a-z0-9-], at most 64"));
  if (to_org == from_org) return Fail(Status::InvalidArgument("an organisation does not write to itself"));
  auto roster = fed.CurrentRoster();
  const std::string me = fed.Name();
  const RosterNode* home = roster ? roster->HomeOf(to_org) : nullptr;
  const bool local = !home || home->name == me;
  SendResult out;
  out.conversation = conversation.empty() ? "c-" + NewMessageId().substr(0, 20) : conversation;
  out.to_node = local ? "" : home->name;
  const int64_t now = NowMs();
  const std::string subj = SanitizeUtf8(subject), body = SanitizeUtf8(text);
  Status s = db.Write([&](SqlTx& tx) -> Status {
    if (Status e = OrgExists(tx, from_org); !e.ok()) return e;
    if (local) {
      if (Status e = OrgExists(tx, to_org); !e.ok())
        return Status::InvalidArgument("no organisation " + to_org + " on this node or on the network's roster");
      out.id = NewMessageId();
      out.seq = 0;
      if (Status e = Insert(tx, out.id, from_org, to_org, "out", out.conversation, subj, body, actor, now, "");
          !e.ok())
        return e;
      return Insert(tx, out.id + "-in", to_org, from_org, "in", out.conversation, subj, body, actor, now, "");
    }
    json payload = {{"from_org", from_org}, {"to_org", to_org}, {"conversation", out.conversation},
                    {"subject", subj},      {"text", body},     {"actor", actor},
                    {"sent_at", now}};
    auto id = fed.Enqueue(tx, home->name, "org-message", "msg:" + out.conversation, payload.dump());
    if (!id) return id.error();
    out.id = *id;
    auto seq = tx.Query("seq", "SELECT seq FROM fed_outbox WHERE msg_id = ?", {out.id});
    if (!seq) return seq.error();
    out.seq = seq->empty() ? 0 : (*seq)[0].Int(0);
    return Insert(tx, out.id, from_org, to_org, "out", out.conversation, subj, body, actor, now, home->name);
  });
  if (!s.ok()) return Fail(s);
  if (!local) fed.Kick();
  return out;
}

Result<std::vector<OrgMessage>> ListOrgMessages(store::SqlDb& db, const std::string& org,
                                                const std::string& conversation, size_t limit,
                                                int64_t before) {
  std::vector<OrgMessage> out;
  Status s = db.Read([&](SqlTx& tx) -> Status {
    out.clear();
    std::string sql =
        "SELECT m.msg_id, m.org, m.peer_org, m.direction, m.conv, m.subject, m.body, m.actor, m.at, m.node, "
        "o.state, o.last_error, m.id FROM fed_messages m LEFT JOIN fed_outbox o ON o.msg_id = m.msg_id "
        "WHERE m.org = ?";
    std::vector<store::SqlValue> params = {org};
    if (!conversation.empty()) {
      sql += " AND m.conv = ?";
      params.push_back(conversation);
    }
    if (before > 0) {
      sql += " AND m.id < ?";
      params.push_back(before);
    }
    sql += " ORDER BY m.id DESC LIMIT ?";
    params.push_back(static_cast<int64_t>(limit));
    auto rows = tx.Query("organisation messages", sql, params);
    if (!rows) return rows.error();
    for (const auto& r : *rows) {
      OrgMessage m;
      m.id = r.Text(0);
      m.org = r.Text(1);
      m.peer_org = r.Text(2);
      m.direction = r.Text(3);
      m.conversation = r.Text(4);
      m.subject = r.Text(5);
      m.text = r.Text(6);
      m.actor = r.Text(7);
      m.at = r.Int(8);
      m.node = r.Text(9);
      if (m.direction == "in") m.delivery = "received";
      else if (m.node.empty()) m.delivery = "local";
      else m.delivery = r.Null(10) ? "queued" : r.Text(10);
      m.delivery_error = r.Text(11);
      m.row = r.Int(12);
      out.push_back(std::move(m));
    }
    return Status::Ok();
  });
  if (!s.ok()) return Fail(s);
  return out;
}

}  // namespace lapis::federation
