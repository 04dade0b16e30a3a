#include "federation/federation.h"

#include <curl/curl.h>
#include <httplib.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/log.h"
#include "common/sha256.h"
#include "federation/util.h"

namespace lapis::federation {
namespace {

using json = nlohmann::json;
using store::SqlRow;
using store::SqlTx;
using store::SqlValue;

constexpr size_t kMaxMessagesPerRequest = 1024;
constexpr size_t kMaxRequestBytes = 64u << 20;

bool Permanent(const Status& s) {
  return s.code() == Status::Code::kInvalidArgument || s.code() == Status::Code::kPermissionDenied;
}

std::string Problem(const std::string& title, const std::string& detail) {
  return json{{"title", title}, {"detail", detail}}.dump();
}

int64_t FileMtimeNs(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return 0;
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

struct Receipt {
  std::string id, status, reason;  // delivered | duplicate | rejected | retry
};

struct Refusal {
  std::string peer, msg_id, reason;
};

// One message as it arrived, checked as far as it can be without the database.
struct Arrival {
  Envelope e;
  bool ok = false;  // signed by the sender, addressed here, in time
  Receipt receipt;  // when !ok
};

size_t CurlWrite(char* p, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(p, size * n);
  return size * n;
}

}  // namespace

struct Federation::Impl {
  store::SqlDb* db = nullptr;
  const coop::NodeKey* key = nullptr;
  FederationOptions o;
  TlsIdentity tls;
  std::mutex install_mu;        // one roster installed at a time
  std::string secretariat_key;  // hex, guarded by mu; empty until one is installed

  mutable std::mutex mu;  // roster, name, handlers
  std::shared_ptr<const Roster> roster;
  std::string name;
  std::map<std::string, Handler> handlers;

  std::unique_ptr<httplib::SSLServer> server;
  std::thread server_thread;
  int port = 0;

  std::mutex smu;  // senders, stop, kicks
  std::condition_variable scv;
  bool stop = false;
  uint64_t kicks = 0;
  std::map<std::string, std::thread> senders;
  std::set<std::string> woken;  // peers heard from: their senders retry now, whatever the backoff
  std::thread watcher;
  int64_t roster_mtime = 0;

  std::atomic<int64_t> m_sent{0}, m_send_failures{0}, m_peer_refused{0}, m_received{0}, m_duplicates{0},
      m_refused{0}, m_requests{0};

  std::shared_ptr<const Roster> Current() const {
    std::lock_guard<std::mutex> l(mu);
    return roster;
  }
  std::string Self() const {
    std::lock_guard<std::mutex> l(mu);
    return name;
  }
  std::string SecretariatKey() const {
    std::lock_guard<std::mutex> l(mu);
    return secretariat_key;
  }
  // The secretariat's key as DIR/secretariat.pub holds it now (an operator may have replaced it).
  std::string ReloadSecretariatKey() {
    auto k = LoadSecretariatKey(o.dir);
    std::lock_guard<std::mutex> l(mu);
    if (k) secretariat_key = *k;
    return secretariat_key;
  }

  // Takes `r` as the roster (it was verified); the node's own name is the entry with its keys.
  void Adopt(Roster r) {
    std::string me;
    for (const auto& n : r.nodes)
      if (n.sign_key == key->PublicHex()) me = n.name;
    if (!me.empty()) {
      const RosterNode* self = r.ByName(me);
      if (self->tls_key != tls.spki_sha256)
        log::Warn("federation.roster_tls_mismatch",
                  {{"node", me}, {"roster_tls_key", self->tls_key}, {"tls_key", tls.spki_sha256}});
    }
    log::Info("federation.roster", {{"network", r.network}, {"serial", r.serial},
                                     {"nodes", static_cast<int64_t>(r.nodes.size())}, {"self", me}});
    std::lock_guard<std::mutex> l(mu);
    roster = std::make_shared<const Roster>(std::move(r));
    name = me;
  }

  Status Install(const std::string& doc, bool from_file) {
    std::lock_guard<std::mutex> l(install_mu);
    return InstallLocked(doc, from_file);
  }
  Status InstallLocked(const std::string& doc, bool from_file) {
    const std::string skey = ReloadSecretariatKey();
    if (skey.empty()) return Status::InvalidArgument("no secretariat key in " + o.dir + " to check a roster with");
    auto r = VerifyRoster(doc, skey);
    if (!r) return r.error();
    auto cur = Current();
    if (cur && r->serial <= cur->serial) return Status::Ok();
    if (!from_file)
      if (Status s = SaveRosterDocument(o.dir, doc); !s.ok()) return s;
    roster_mtime = FileMtimeNs(o.dir + "/roster.json");
    const int64_t serial = r->serial;
    Adopt(std::move(*r));
    SpawnSenders();
    if (IsSecretariat()) return Broadcast(doc, serial);
    return Status::Ok();
  }

  bool IsSecretariat() const {
    const std::string k = SecretariatKey();
    return !k.empty() && k == key->PublicHex();
  }

  // The secretariat sends each new roster to every node on it.
  Status Broadcast(const std::string& doc, int64_t serial) {
    auto r = Current();
    const std::string me = Self();
    if (me.empty()) return Status::Ok();
    Status s = db->Write([&](SqlTx& tx) -> Status {
      for (const auto& n : r->nodes) {
        if (n.name == me) continue;
        auto id = Enqueue(tx, n.name, "roster", "roster", doc);
        if (!id) return id.error();
      }
      return Status::Ok();
    });
    if (s.ok()) Kick();
    log::Info("federation.roster_sent", {{"serial", serial}, {"ok", s.ok()}});
    return s;
  }

  Result<std::string> Enqueue(SqlTx& tx, const std::string& to, const std::string& type, const std::string& conv,
                              const std::string& payload) {
    auto r = Current();
    const std::string me = Self();
    if (!r || me.empty()) return Fail(Status::InvalidArgument("this node is not on the network's roster"));
    if (!r->ByName(to)) return Fail(Status::InvalidArgument("no node '" + to + "' on the roster"));
    if (to == me) return Fail(Status::InvalidArgument("a node does not send messages to itself"));
    if (type.empty() || conv.empty()) return Fail(Status::InvalidArgument("a message needs a type and a conversation"));
    auto seq = tx.Query("conversation seq",
                        "INSERT INTO fed_conv_out(peer, conv, last_seq) VALUES (?, ?, 1) "
                        "ON CONFLICT(peer, conv) DO UPDATE SET last_seq = fed_conv_out.last_seq + 1 "
                        "RETURNING last_seq",
                        {to, conv});
    if (!seq) return Fail(seq.error());
    if (seq->empty()) return Fail(Status::Internal("no seq for the conversation"));
    Header h;
    h.id = NewMessageId();
    h.from = me;
    h.to = to;
    h.at = NowMs();
    h.type = type;
    h.conv = conv;
    h.seq = (*seq)[0].Int(0);
    const std::string wire = Seal(h, payload, *key);
    if (Status s = tx.Exec("queue message",
                           "INSERT INTO fed_outbox(msg_id, peer, conv, seq, type, envelope, state, attempts, "
                           "created_at) VALUES (?, ?, ?, ?, ?, ?, 'queued', 0, ?)",
                           {h.id, to, conv, h.seq, type, wire, h.at});
        !s.ok())
      return Fail(s);
    return h.id;
  }

  void Kick() {
    {
      std::lock_guard<std::mutex> l(smu);
      ++kicks;
    }
    scv.notify_all();
  }

  // ---- receiving ----

  void Refuse(std::vector<Refusal>& out, const std::string& peer, const std::string& id, const std::string& reason) {
    out.push_back({peer, id, reason});
  }

  void RecordRefusals(const std::vector<Refusal>& refusals) {
    if (refusals.empty()) return;
    const int64_t now = NowMs();
    for (const auto& r : refusals) {
      log::Warn("federation.refused", {{"peer", r.peer}, {"id", r.msg_id}, {"reason", r.reason}});
      ++m_refused;
    }
    Status s = db->Write([&](SqlTx& tx) -> Status {
      for (const auto& r : refusals)
        if (Status e = tx.Exec("record refusal",
                               "INSERT INTO fed_rejections(at, peer, msg_id, reason) VALUES (?, ?, ?, ?)",
                               {now, r.peer, r.msg_id, r.reason});
            !e.ok())
          return e;
      return Status::Ok();
    });
    if (!s.ok()) log::Error("federation.refusal_not_recorded", {{"error", s.message()}});
  }

  // Applies the checked messages of one request in `tx`, in order. Returns a non-permanent
  // handler or database error as is, so the caller can go on one message at a time.
  Status Apply(SqlTx& tx, const RosterNode& sender, std::vector<Arrival>& in, const std::vector<size_t>& which,
               std::vector<Receipt>& receipts, std::vector<Refusal>& refusals, int64_t* applied) {
    std::set<std::string> blocked;  // conversations waiting for an earlier message
    std::map<std::string, int64_t> next;  // conversation → seq expected next
    for (size_t i : which) {
      const Header& h = in[i].e.header;
      Receipt rc{h.id, "", ""};
      auto seen = tx.Query("inbox lookup", "SELECT received_at FROM fed_inbox WHERE msg_id = ?", {h.id});
      if (!seen) return seen.error();
      if (!seen->empty()) {
        rc.status = "duplicate";
        const std::string reason = "replay: message " + h.id + " was already received at " +
                                   (*seen)[0].Text(0) + " ms; not applied again";
        Refuse(refusals, sender.name, h.id, reason);
        ++m_duplicates;
        receipts.push_back(rc);
        continue;
      }
      if (blocked.count(h.conv)) {
        receipts.push_back({h.id, "retry", "waiting for an earlier message of conversation " + h.conv});
        continue;
      }
      int64_t expected = 0;
      if (auto it = next.find(h.conv); it != next.end()) {
        expected = it->second;
      } else {
        auto last = tx.Query("conversation place", "SELECT last_seq FROM fed_conv_in WHERE peer = ? AND conv = ?",
                             {sender.name, h.conv});
        if (!last) return last.error();
        expected = last->empty() ? 1 : (*last)[0].Int(0) + 1;
      }
      if (h.seq < expected) {
        rc.status = "rejected";
        rc.reason = "out of order: seq " + std::to_string(h.seq) + " of conversation " + h.conv +
                    " comes after seq " + std::to_string(expected - 1) + " was applied";
        Refuse(refusals, sender.name, h.id, rc.reason);
        receipts.push_back(rc);
        continue;
      }
      if (h.seq > expected) {
        blocked.insert(h.conv);
        receipts.push_back({h.id, "retry", "waiting for seq " + std::to_string(expected) + " of conversation " +
                                               h.conv + " (got seq " + std::to_string(h.seq) + ")"});
        continue;
      }
      Handler handler;
      {
        std::lock_guard<std::mutex> l(mu);
        auto it = handlers.find(h.type);
        if (it != handlers.end()) handler = it->second;
      }
      std::string result = "applied";
      if (!handler) {
        rc.status = "rejected";
        rc.reason = "unknown message type '" + h.type + "'";
      } else {
        Status s;
        try {
          s = handler(tx, Incoming{h, in[i].e.payload, sender});
        } catch (const std::exception& e) {  // a payload of the wrong shape (JSON types): refused for good
          s = Status::InvalidArgument(std::string("malformed payload: ") + e.what());
        }
        if (!s.ok() && !Permanent(s)) return s;
        if (!s.ok()) {
          rc.status = "rejected";
          rc.reason = "refused by the receiver: " + s.message();
        } else {
          rc.status = "delivered";
        }
      }
      if (rc.status == "rejected") {
        result = rc.reason;
        Refuse(refusals, sender.name, h.id, rc.reason);
      }
      if (Status s = tx.Exec("inbox",
                             "INSERT INTO fed_inbox(msg_id, peer, conv, seq, type, received_at, result) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?)",
                             {h.id, sender.name, h.conv, h.seq, h.type, NowMs(), result});
          !s.ok())
        return s;
      if (Status s = tx.Exec("conversation place",
                             "INSERT INTO fed_conv_in(peer, conv, last_seq) VALUES (?, ?, ?) "
                             "ON CONFLICT(peer, conv) DO UPDATE SET last_seq = excluded.last_seq",
                             {sender.name, h.conv, h.seq});
          !s.ok())
        return s;
      next[h.conv] = h.seq + 1;
      ++*applied;
      receipts.push_back(rc);
    }
    if (*applied > 0)
      if (Status s = tx.Exec("peer record",
                             "INSERT INTO fed_peers(peer, received) VALUES (?, ?) "
                             "ON CONFLICT(peer) DO UPDATE SET received = fed_peers.received + excluded.received",
                             {sender.name, *applied});
          !s.ok())
        return s;
    return Status::Ok();
  }

  std::string SignedReceipts(const std::string& to, const std::vector<Receipt>& receipts) {
    json list = json::array();
    for (const auto& r : receipts) {
      json x = {{"id", r.id}, {"status", r.status}};
      if (!r.reason.empty()) x["reason"] = r.reason;
      list.push_back(std::move(x));
    }
    return SignDocument(json{{"from", Self()}, {"to", to}, {"at", NowMs()}, {"receipts", list}}.dump(), *key);
  }

  // A node that has no roster yet, or an older one, takes a newer roster from the secretariat's
  // node even though it does not know the node yet: the roster's signature is what counts.
  bool Bootstrap(const std::string& peer_spki, const json& messages) {
    std::lock_guard<std::mutex> l(install_mu);
    const std::string secretariat_key = ReloadSecretariatKey();
    if (secretariat_key.empty()) return false;
    for (const auto& m : messages) {
      auto e = ParseEnvelope(m.dump());
      if (!e || e->header.type != "roster") continue;
      auto r = VerifyRoster(e->payload, secretariat_key);
      if (!r) continue;
      const RosterNode* from = r->ByTlsKey(peer_spki);
      if (!from || from->sign_key != secretariat_key || !CheckEnvelope(*e, from->sign_key).ok()) continue;
      auto cur = Current();
      if (cur && r->serial <= cur->serial) continue;
      return InstallLocked(e->payload, false).ok();
    }
    return false;
  }

  std::pair<int, std::string> Receive(const std::string& peer_spki, const std::string& body) {
    ++m_requests;
    std::vector<Refusal> refusals;
    json j = json::parse(body, nullptr, false);
    if (!j.is_object() || !j.contains("messages") || !j["messages"].is_array())
      return {400, Problem("Bad request", "the body is not {\"messages\": [...]}")};
    const json& messages = j["messages"];
    if (messages.size() > kMaxMessagesPerRequest)
      return {413, Problem("Too many messages", "at most " + std::to_string(kMaxMessagesPerRequest) +
                                                    " messages per request")};
    auto r = Current();
    const RosterNode* node = r ? r->ByTlsKey(peer_spki) : nullptr;
    if (!node && Bootstrap(peer_spki, messages)) {
      r = Current();
      node = r->ByTlsKey(peer_spki);
    }
    if (!node) {
      std::string reason, peer = "?";
      const Revocation* rev = r ? r->RevocationOfTls(peer_spki) : nullptr;
      if (rev) {
        peer = rev->name;
        reason = "revoked sender: node " + rev->name + " was revoked from the network" +
                 (rev->reason.empty() ? "" : " (" + rev->reason + ")");
      } else {
        reason = "unknown node: its TLS key (SPKI SHA-256 " + peer_spki + ") is not on the roster";
      }
      // Name the messages it tried to deliver, as far as they can be read.
      if (messages.empty()) Refuse(refusals, peer, "", reason);
      for (const auto& m : messages) {
        auto e = ParseEnvelope(m.dump());
        const std::string who = rev || !e ? peer : "? (claims to be " + e->header.from + ")";
        Refuse(refusals, who, e ? e->header.id : "", reason);
      }
      RecordRefusals(refusals);
      return {403, Problem("Forbidden", reason)};
    }
    const std::string me = Self();
    const int64_t now = NowMs();
    {
      std::lock_guard<std::mutex> l(smu);
      woken.insert(node->name);
    }
    scv.notify_all();
    std::vector<Arrival> in(messages.size());
    std::vector<size_t> good;
    for (size_t i = 0; i < messages.size(); ++i) {
      Arrival& a = in[i];
      auto e = ParseEnvelope(messages[i].is_string() ? messages[i].get<std::string>() : messages[i].dump());
      if (!e) {
        a.receipt = {"", "rejected", "malformed envelope: " + e.error().message()};
      } else {
        a.e = std::move(*e);
        const Header& h = a.e.header;
        a.receipt.id = h.id;
        if (h.from != node->name) {
          a.receipt = {h.id, "rejected",
                       "sender mismatch: the envelope names node " + h.from + " but came over node " + node->name +
                           "'s connection"};
        } else if (Status s = CheckEnvelope(a.e, node->sign_key); !s.ok()) {
          a.receipt = {h.id, "rejected", s.message()};
        } else if (h.to != me) {
          a.receipt = {h.id, "rejected", "wrong recipient: addressed to node " + h.to + ", not to this node (" +
                                             (me.empty() ? "not on the roster" : me) + ")"};
        } else if (h.at > now + o.max_skew_ms) {
          a.receipt = {h.id, "retry", "made " + std::to_string((h.at - now) / 1000) +
                                          " s in the future; the clocks differ by more than allowed"};
        } else if (h.at < now - o.max_age_ms) {
          a.receipt = {h.id, "rejected", "expired: made " + std::to_string((now - h.at) / 86400000) +
                                             " days ago, older than this node accepts"};
        } else {
          a.ok = true;
        }
      }
      if (!a.ok) {
        if (a.receipt.status == "rejected") Refuse(refusals, node->name, a.receipt.id, a.receipt.reason);
      } else {
        good.push_back(i);
      }
    }
    std::vector<Receipt> applied_receipts;
    std::vector<Refusal> applied_refusals;
    int64_t applied = 0;
    Status s = db->Write([&](SqlTx& tx) -> Status {
      applied_receipts.clear();
      applied_refusals.clear();
      applied = 0;
      return Apply(tx, *node, in, good, applied_receipts, applied_refusals, &applied);
    });
    if (!s.ok()) {
      // One message at a time, so one that cannot be applied now holds back only its conversation.
      log::Warn("federation.batch_retry", {{"peer", node->name}, {"error", s.message()}});
      applied_receipts.clear();
      applied_refusals.clear();
      std::set<std::string> blocked;
      for (size_t i : good) {
        const Header& h = in[i].e.header;
        if (blocked.count(h.conv)) {
          applied_receipts.push_back({h.id, "retry", "waiting for an earlier message of conversation " + h.conv});
          continue;
        }
        std::vector<Receipt> rc;
        std::vector<Refusal> rf;
        int64_t one = 0;
        Status e = db->Write([&](SqlTx& tx) -> Status {
          rc.clear();
          rf.clear();
          one = 0;
          return Apply(tx, *node, in, {i}, rc, rf, &one);
        });
        if (!e.ok()) {
          blocked.insert(h.conv);
          applied_receipts.push_back({h.id, "retry", "not applied: " + e.message()});
          continue;
        }
        applied += one;
        applied_receipts.insert(applied_receipts.end(), rc.begin(), rc.end());
        applied_refusals.insert(applied_refusals.end(), rf.begin(), rf.end());
      }
    }
    m_received += applied;
    refusals.insert(refusals.end(), applied_refusals.begin(), applied_refusals.end());
    RecordRefusals(refusals);
    // Receipts in the order of the request.
    std::map<std::string, Receipt> by_id;
    for (auto& rc : applied_receipts) by_id[rc.id] = rc;
    std::vector<Receipt> out;
    for (auto& a : in) {
      if (a.ok) {
        auto it = by_id.find(a.e.header.id);
        out.push_back(it != by_id.end() ? it->second : Receipt{a.e.header.id, "retry", "not applied"});
      } else {
        out.push_back(a.receipt);
      }
    }
    return {200, SignedReceipts(node->name, out)};
  }

  // ---- sending ----

  void NoteFailure(const std::string& peer, const std::string& error) {
    const int64_t now = NowMs();
    ++m_send_failures;
    log::Warn("federation.delivery_failed", {{"peer", peer}, {"error", error}});
    Status s = db->Write([&](SqlTx& tx) -> Status {
      return tx.Exec("peer failure",
                     "INSERT INTO fed_peers(peer, last_attempt_at, last_error, last_error_at, failures) "
                     "VALUES (?, ?, ?, ?, 1) ON CONFLICT(peer) DO UPDATE SET last_attempt_at = excluded.last_attempt_at, "
                     "last_error = excluded.last_error, last_error_at = excluded.last_error_at, "
                     "failures = fed_peers.failures + 1",
                     {peer, now, error, now});
    });
    if (!s.ok()) log::Error("federation.peer_record_failed", {{"peer", peer}, {"error", s.message()}});
  }

  struct Queued {
    int64_t id;
    std::string msg_id, envelope;
  };

  // One delivery request to `peer`: true when the peer answered (whatever its receipts said).
  // `more` is set when it is worth going on at once.
  bool DeliverOnce(CURL* h, const RosterNode& peer, bool* more, bool* idle, bool hello = false) {
    *more = false;
    *idle = false;
    std::vector<Queued> batch;
    Status rs = db->Read([&](SqlTx& tx) -> Status {
      auto rows = tx.Query("outbox", "SELECT id, msg_id, envelope FROM fed_outbox WHERE peer = ? AND state = 'queued' "
                                     "ORDER BY id LIMIT ?",
                           {peer.name, static_cast<int64_t>(o.batch)});
      if (!rows) return rows.error();
      for (const auto& row : *rows) batch.push_back({row.Int(0), row.Text(1), row.Text(2)});
      return Status::Ok();
    });
    if (!rs.ok()) {
      log::Error("federation.outbox_read_failed", {{"peer", peer.name}, {"error", rs.message()}});
      return false;
    }
    if (batch.empty() && !hello) {
      *idle = true;
      return true;
    }
    std::string body = "{\"messages\":[";
    for (size_t i = 0; i < batch.size(); ++i) {
      if (i) body += ',';
      body += batch[i].envelope;
    }
    body += "]}";
    const std::string url = peer.endpoint + "/federation/v1/messages";
    std::string response;
    char errbuf[CURL_ERROR_SIZE] = {0};
    curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, CurlWrite);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &response);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    // The key is the roster's as it is now, after the outbox was read: a message queued after a
    // new roster is never sent under the key of the roster before it.
    auto now_roster = Current();
    const RosterNode* now_peer = now_roster ? now_roster->ByName(peer.name) : nullptr;
    if (!now_peer) return false;
    const std::string pin = PinOfSpkiHex(now_peer->tls_key);
    curl_easy_setopt(h, CURLOPT_PINNEDPUBLICKEY, pin.c_str());
    // A kept-alive connection was checked against the pin it was opened with: when the roster
    // names another key (or place) for the peer, the next request opens a new connection.
    thread_local std::string last_pin;  // one delivery thread, one handle, per peer
    const std::string where = pin + " " + url;
    curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, where != last_pin ? 1L : 0L);
    last_pin = where;
    const int64_t started = NowMs();
    CURLcode rc = curl_easy_perform(h);
    curl_slist_free_all(headers);
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    if (rc != CURLE_OK) {
      std::string why = errbuf[0] ? errbuf : curl_easy_strerror(rc);
      if (rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH)
        why = "the peer's TLS key is not the one on the roster (" + why + ")";
      NoteFailure(peer.name, "cannot deliver to " + url + ": " + why);
      return false;
    }
    if (code != 200) {
      json p = json::parse(response, nullptr, false);
      std::string detail = p.is_object() && p.contains("detail") && p["detail"].is_string()
                               ? p["detail"].get<std::string>()
                               : response.substr(0, 300);
      NoteFailure(peer.name, "the peer refused the delivery (HTTP " + std::to_string(code) + "): " + detail);
      return false;
    }
    auto text = OpenDocument(response, peer.sign_key);
    if (!text) {
      NoteFailure(peer.name, "the peer's receipts are not signed with its key on the roster: " +
                                 text.error().message());
      return false;
    }
    json doc = json::parse(*text, nullptr, false);
    if (!doc.is_object() || !doc.contains("receipts") || !doc["receipts"].is_array() ||
        doc.value("to", std::string()) != Self() || doc.value("from", std::string()) != peer.name) {
      NoteFailure(peer.name, "the peer's receipts are not for this node");
      return false;
    }
    std::map<std::string, std::pair<std::string, std::string>> receipts;
    for (const auto& x : doc["receipts"])
      if (x.is_object() && x.contains("id") && x["id"].is_string())
        receipts[x["id"].get<std::string>()] = {x.value("status", std::string()), x.value("reason", std::string())};
    const int64_t now = NowMs();
    int64_t delivered = 0, refused = 0, waiting = 0;
    std::string last_reason;
    Status ws = db->Write([&](SqlTx& tx) -> Status {
      delivered = refused = waiting = 0;
      for (const auto& q : batch) {
        auto it = receipts.find(q.msg_id);
        std::string status = it == receipts.end() ? "retry" : it->second.first;
        std::string reason = it == receipts.end() ? "no receipt for the message" : it->second.second;
        Status e;
        if (status == "delivered" || status == "duplicate") {
          ++delivered;
          e = tx.Exec("delivered",
                      "UPDATE fed_outbox SET state = 'delivered', attempts = attempts + 1, done_at = ?, "
                      "last_error = NULL WHERE id = ?",
                      {now, q.id});
        } else if (status == "rejected") {
          ++refused;
          last_reason = reason;
          e = tx.Exec("refused",
                      "UPDATE fed_outbox SET state = 'rejected', attempts = attempts + 1, done_at = ?, "
                      "last_error = ? WHERE id = ?",
                      {now, "refused by " + peer.name + ": " + reason, q.id});
        } else {
          ++waiting;
          last_reason = reason;
          e = tx.Exec("retry", "UPDATE fed_outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?",
                      {peer.name + " asked to try again: " + reason, q.id});
        }
        if (!e.ok()) return e;
      }
      const bool failed = refused > 0 || (waiting > 0 && delivered == 0);
      const std::string err = failed ? (refused ? "refused a message: " : "asked to try again: ") + last_reason : "";
      return tx.Exec(
          "peer record",
          "INSERT INTO fed_peers(peer, last_attempt_at, last_success_at, last_error, last_error_at, failures, "
          "delivered) VALUES (?, ?, ?, ?, ?, 0, ?) ON CONFLICT(peer) DO UPDATE SET "
          "last_attempt_at = excluded.last_attempt_at, last_success_at = excluded.last_success_at, "
          "last_error = COALESCE(excluded.last_error, fed_peers.last_error), "
          "last_error_at = COALESCE(excluded.last_error_at, fed_peers.last_error_at), failures = 0, "
          "delivered = fed_peers.delivered + excluded.delivered",
          {peer.name, now, now, failed ? SqlValue(err) : SqlValue(), failed ? SqlValue(now) : SqlValue(),
           delivered});
    });
    if (!ws.ok()) {
      log::Error("federation.receipts_not_recorded", {{"peer", peer.name}, {"error", ws.message()}});
      return false;
    }
    m_sent += delivered;
    m_peer_refused += refused;
    if (refused)
      log::Warn("federation.peer_refused", {{"peer", peer.name}, {"messages", refused}, {"reason", last_reason}});
    log::Info("federation.delivered", {{"peer", peer.name}, {"messages", delivered}, {"refused", refused},
                                       {"waiting", waiting}, {"ms", NowMs() - started}});
    *more = delivered + refused > 0;
    return delivered + refused > 0 || waiting == 0;
  }

  void SenderLoop(std::string peer_name) {
    CURL* h = curl_easy_init();
    curl_blob cert{const_cast<char*>(tls.cert_pem.data()), tls.cert_pem.size(), CURL_BLOB_COPY};
    curl_blob pkey{const_cast<char*>(tls.key_pem.data()), tls.key_pem.size(), CURL_BLOB_COPY};
    curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &cert);
    curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
    curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &pkey);
    curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
    // Peers' certificates are self-signed: the roster's pin of the key is what is checked.
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    curl_easy_setopt(h, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_3));
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(o.connect_timeout_ms));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(o.request_timeout_ms));
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    std::mt19937_64 rng(std::random_device{}());
    int failures = 0;
    int64_t wait_ms = 0;
    uint64_t seen = 0;  // kicks before the last attempt: one since then wakes the thread
    bool said_hello = false;
    for (;;) {
      {
        std::unique_lock<std::mutex> l(smu);
        if (wait_ms > 0)
          scv.wait_for(l, std::chrono::milliseconds(wait_ms),
                       [&] { return stop || (failures == 0 && kicks != seen) || woken.count(peer_name); });
        if (stop) break;
        seen = kicks;
        if (woken.erase(peer_name)) failures = 0;
      }
      auto r = Current();
      const RosterNode* peer = r ? r->ByName(peer_name) : nullptr;
      if (!peer || peer_name == Self()) {
        wait_ms = 1000;  // off the roster: its messages wait until it is back
        continue;
      }
      bool more = false, idle = false;
      const RosterNode copy = *peer;
      // The first request says hello even with nothing to send: a peer that has messages
      // waiting for this node, and was backing off while it was away, sends them now.
      const bool ok = DeliverOnce(h, copy, &more, &idle, !said_hello);
      said_hello = said_hello || ok;
      if (ok) {
        failures = 0;
        wait_ms = more ? 0 : 1000;
      } else {
        ++failures;
        int64_t b = o.min_backoff_ms << std::min(failures - 1, 16);
        b = std::min(b, o.max_backoff_ms);
        wait_ms = b / 2 + static_cast<int64_t>(rng() % static_cast<uint64_t>(b / 2 + 1));
      }
    }
    curl_easy_cleanup(h);
  }

  void SpawnSenders() {
    auto r = Current();
    const std::string me = Self();
    if (!r) return;
    std::set<std::string> peers;
    for (const auto& n : r->nodes)
      if (n.name != me) peers.insert(n.name);
    // Messages queued for nodes since removed from the roster keep a thread, which waits.
    Status s = db->Read([&](SqlTx& tx) -> Status {
      auto rows = tx.Query("outbox peers", "SELECT DISTINCT peer FROM fed_outbox WHERE state = 'queued'");
      if (!rows) return rows.error();
      for (const auto& row : *rows) peers.insert(row.Text(0));
      return Status::Ok();
    });
    (void)s;
    std::lock_guard<std::mutex> l(smu);
    if (!started || stop) return;
    for (const auto& p : peers)
      if (!senders.count(p)) senders.emplace(p, std::thread([this, p] { SenderLoop(p); }));
  }
  bool started = false;

  Result<int64_t> Prune(int64_t now) {
    int64_t n = 0;
    Status s = db->Write([&](SqlTx& tx) -> Status {
      auto a = tx.Query("prune outbox",
                        "UPDATE fed_outbox SET envelope = '' WHERE state <> 'queued' AND envelope <> '' AND done_at < ? "
                        "RETURNING id",
                        {now - o.keep_delivered_ms});
      if (!a) return a.error();
      auto b = tx.Query("prune inbox", "DELETE FROM fed_inbox WHERE received_at < ? RETURNING msg_id",
                        {now - o.max_age_ms - o.max_skew_ms - 3600 * 1000});
      if (!b) return b.error();
      n = static_cast<int64_t>(a->size() + b->size());
      return Status::Ok();
    });
    if (!s.ok()) return Fail(s);
    if (n) log::Info("federation.pruned", {{"rows", n}});
    return n;
  }

  void WatchRoster() {
    const std::string path = o.dir + "/roster.json";
    int64_t last_prune = 0;
    for (;;) {
      if (NowMs() - last_prune > 3600 * 1000) {
        last_prune = NowMs();
        if (auto r = Prune(last_prune); !r) log::Warn("federation.prune_failed", {{"error", r.error().message()}});
      }
      {
        std::unique_lock<std::mutex> l(smu);
        scv.wait_for(l, std::chrono::milliseconds(o.roster_poll_ms), [&] { return stop; });
        if (stop) return;
      }
      const int64_t m = FileMtimeNs(path);
      if (m == 0 || m == roster_mtime) continue;
      roster_mtime = m;
      auto doc = LoadRosterDocument(o.dir);
      if (!doc) continue;
      if (Status s = Install(*doc, true); !s.ok())
        log::Error("federation.roster_refused", {{"path", path}, {"error", s.message()}});
    }
  }

  std::string PeerSpki(const httplib::Request& req) {
    if (!req.ssl) return "";
    X509* c = SSL_get1_peer_certificate(req.ssl);
    if (!c) return "";
    unsigned char* der = nullptr;
    int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(c), &der);
    std::string h;
    if (n > 0) h = Sha256Hex(std::string_view(reinterpret_cast<const char*>(der), static_cast<size_t>(n)));
    OPENSSL_free(der);
    X509_free(c);
    return h;
  }
};

Federation::Federation(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Federation::~Federation() { Stop(); }

Result<std::unique_ptr<Federation>> Federation::Open(store::SqlDb* db, const coop::NodeKey* key,
                                                     FederationOptions options) {
  static std::once_flag curl_once;
  std::call_once(curl_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  auto impl = std::make_unique<Impl>();
  impl->db = db;
  impl->key = key;
  impl->o = std::move(options);
  auto tls = LoadOrCreateTlsIdentity(impl->o.dir);
  if (!tls) return Fail(tls.error());
  impl->tls = std::move(*tls);
  if (auto k = LoadSecretariatKey(impl->o.dir)) impl->secretariat_key = *k;
  if (auto doc = LoadRosterDocument(impl->o.dir)) {
    if (impl->secretariat_key.empty())
      return Fail(Status::InvalidArgument(impl->o.dir + " has a roster but no secretariat key to check it with"));
    auto r = VerifyRoster(*doc, impl->secretariat_key);
    if (!r) return Fail(Status::Corruption(impl->o.dir + "/roster.json: " + r.error().message()));
    impl->roster_mtime = FileMtimeNs(impl->o.dir + "/roster.json");
    impl->Adopt(std::move(*r));
  }
  Impl* p = impl.get();
  std::unique_ptr<Federation> f(new Federation(std::move(impl)));
  f->OnMessage("roster", [p](SqlTx&, const Incoming& m) -> Status {
    const std::string skey = p->SecretariatKey();
    if (skey.empty() || m.sender.sign_key != skey)
      return Status::PermissionDenied("a roster comes only from the secretariat's node");
    Status s = p->Install(m.payload, false);
    return s.ok() || s.code() == Status::Code::kIoError ? s : Status::PermissionDenied(s.message());
  });
  return f;
}

std::string Federation::Name() const { return impl_->Self(); }
std::shared_ptr<const Roster> Federation::CurrentRoster() const { return impl_->Current(); }
const TlsIdentity& Federation::tls() const { return impl_->tls; }
const coop::NodeKey& Federation::key() const { return *impl_->key; }
bool Federation::IsSecretariat() const { return impl_->IsSecretariat(); }

Result<std::string> Federation::Enqueue(SqlTx& tx, const std::string& to_node, const std::string& type,
                                        const std::string& conv, const std::string& payload) {
  return impl_->Enqueue(tx, to_node, type, conv, payload);
}

void Federation::OnMessage(const std::string& type, Handler h) {
  std::lock_guard<std::mutex> l(impl_->mu);
  impl_->handlers[type] = std::move(h);
}

Result<int> Federation::Bind() {
  Impl* p = impl_.get();
  p->server = std::make_unique<httplib::SSLServer>([p](SSL_CTX& ctx) -> bool {
    SSL_CTX_set_min_proto_version(&ctx, TLS1_3_VERSION);
    BIO* cb = BIO_new_mem_buf(p->tls.cert_pem.data(), static_cast<int>(p->tls.cert_pem.size()));
    X509* cert = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr);
    BIO_free(cb);
    BIO* kb = BIO_new_mem_buf(p->tls.key_pem.data(), static_cast<int>(p->tls.key_pem.size()));
    EVP_PKEY* pkey = PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr);
    BIO_free(kb);
    bool ok = cert && pkey && SSL_CTX_use_certificate(&ctx, cert) == 1 && SSL_CTX_use_PrivateKey(&ctx, pkey) == 1;
    X509_free(cert);
    EVP_PKEY_free(pkey);
    // Every peer shows a certificate; which ones are welcome is the roster's call, per request.
    // Sessions are not resumed: every connection shows its certificate again.
    static const unsigned char kContext[] = "lapis-federation";
    SSL_CTX_set_session_id_context(&ctx, kContext, sizeof kContext - 1);
    SSL_CTX_set_session_cache_mode(&ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_num_tickets(&ctx, 0);
    SSL_CTX_set_verify(&ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                       [](int, X509_STORE_CTX*) -> int { return 1; });
    return ok;
  });
  if (!p->server->is_valid()) return Fail(Status::Internal("cannot set up TLS for the federation listener"));
  p->server->set_payload_max_length(kMaxRequestBytes);
  // A peer delivers batch after batch over one connection: no new TLS handshake for each.
  p->server->set_tcp_nodelay(true);
  p->server->set_keep_alive_max_count(100000);
  p->server->set_keep_alive_timeout(2);  // an idle connection ends soon: Stop() waits for it
  p->server->set_read_timeout(std::chrono::seconds(60));
  p->server->Post("/federation/v1/messages", [p](const httplib::Request& req, httplib::Response& res) {
    const std::string spki = p->PeerSpki(req);
    auto [code, body] = p->Receive(spki, req.body);
    res.status = code;
    res.set_content(body, code == 200 ? "application/json" : "application/problem+json");
  });
  p->server->Get("/federation/v1/roster", [p](const httplib::Request&, httplib::Response& res) {
    auto doc = LoadRosterDocument(p->o.dir);
    if (!doc) {
      res.status = 404;
      res.set_content(Problem("Not found", "this node has no roster"), "application/problem+json");
      return;
    }
    res.set_content(*doc, "application/json");
  });
  int port = p->o.port == 0 ? p->server->bind_to_any_port(p->o.host) : p->o.port;
  if (p->o.port != 0 && !p->server->bind_to_port(p->o.host, p->o.port)) port = -1;
  if (port <= 0)
    return Fail(Status::Unavailable("cannot listen on " + p->o.host + ":" + std::to_string(p->o.port)));
  p->port = port;
  return port;
}

void Federation::Start() {
  Impl* p = impl_.get();
  if (p->server) {
    p->server_thread = std::thread([p] { p->server->listen_after_bind(); });
    // Until the server runs, a stop() would not reach it.
    for (int i = 0; i < 5000 && !p->server->is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  {
    std::lock_guard<std::mutex> l(p->smu);
    p->started = true;
  }
  p->SpawnSenders();
  p->watcher = std::thread([p] { p->WatchRoster(); });
}

void Federation::Stop() {
  Impl* p = impl_.get();
  // A server that was bound but never started holds its socket until it is run and stopped.
  if (p->server && !p->server_thread.joinable() && p->server->is_valid()) {
    p->server_thread = std::thread([p] { p->server->listen_after_bind(); });
    for (int i = 0; i < 5000 && !p->server->is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (p->server) p->server->stop();
  if (p->server_thread.joinable()) p->server_thread.join();
  std::map<std::string, std::thread> senders;
  {
    std::lock_guard<std::mutex> l(p->smu);
    p->stop = true;
    senders.swap(p->senders);
  }
  p->scv.notify_all();
  for (auto& [name, t] : senders)
    if (t.joinable()) t.join();
  if (p->watcher.joinable()) p->watcher.join();
}

void Federation::Kick() { impl_->Kick(); }

Status Federation::InstallRoster(const std::string& doc) { return impl_->Install(doc, false); }

std::pair<int, std::string> Federation::Receive(const std::string& peer_spki, const std::string& body) {
  return impl_->Receive(peer_spki, body);
}

Result<int64_t> Federation::Prune(int64_t now_ms) { return impl_->Prune(now_ms); }

std::string Federation::MetricsText() {
  Impl* p = impl_.get();
  std::string out;
  auto counter = [&out](const char* name, const char* help, int64_t v) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " counter\n" + name + " " +
           std::to_string(v) + "\n";
  };
  counter("lapis_federation_delivered_total", "Messages the peers' receipts said were delivered.", p->m_sent);
  counter("lapis_federation_delivery_failures_total", "Delivery requests that failed (the peer down or refusing).",
          p->m_send_failures);
  counter("lapis_federation_refused_by_peer_total", "Messages a peer refused for good.", p->m_peer_refused);
  counter("lapis_federation_received_total", "Messages received and applied once.", p->m_received);
  counter("lapis_federation_duplicates_total", "Messages received again and not applied again.", p->m_duplicates);
  counter("lapis_federation_refused_total", "Messages this node refused, with the reason logged.", p->m_refused);
  counter("lapis_federation_requests_total", "Delivery requests from peers.", p->m_requests);
  std::map<std::string, int64_t> queued;
  (void)p->db->Read([&](SqlTx& tx) -> Status {
    auto rows = tx.Query("queue sizes", "SELECT peer, COUNT(*) FROM fed_outbox WHERE state = 'queued' GROUP BY peer");
    if (!rows) return rows.error();
    for (const auto& r : *rows) queued[r.Text(0)] = r.Int(1);
    return Status::Ok();
  });
  out += "# HELP lapis_federation_queued Messages waiting in the outbox, per peer.\n"
         "# TYPE lapis_federation_queued gauge\n";
  if (auto r = p->Current())
    for (const auto& n : r->nodes)
      if (n.name != p->Self()) queued.emplace(n.name, 0);
  for (const auto& [peer, n] : queued)
    out += "lapis_federation_queued{peer=\"" + peer + "\"} " + std::to_string(n) + "\n";
  return out;
}

Result<std::string> StatusJson(store::SqlDb& db, const Roster* roster, const std::string& self, size_t rejections) {
  json peers = json::object();
  auto peer = [&peers](const std::string& name) -> json& {
    if (!peers.contains(name))
      peers[name] = {{"name", name}, {"on_roster", false}, {"queued", 0},   {"delivered", 0},
                     {"refused", 0}, {"received", 0},      {"failures", 0}};
    return peers[name];
  };
  if (roster)
    for (const auto& n : roster->nodes) {
      if (n.name == self) continue;
      json& p = peer(n.name);
      p["on_roster"] = true;
      p["endpoint"] = n.endpoint;
      p["orgs"] = n.orgs;
    }
  json refused = json::array(), refused_by_peers = json::array();
  Status s = db.Read([&](SqlTx& tx) -> Status {
    auto q = tx.Query("outbox summary",
                      "SELECT peer, state, COUNT(*), MIN(created_at) FROM fed_outbox GROUP BY peer, state");
    if (!q) return q.error();
    for (const auto& r : *q) {
      json& p = peer(r.Text(0));
      const std::string st = r.Text(1);
      if (st == "queued") {
        p["queued"] = r.Int(2);
        p["oldest_queued_at"] = r.Int(3);
      } else if (st == "rejected") {
        p["refused"] = r.Int(2);
      }
    }
    auto w = tx.Query("peer records",
                      "SELECT peer, last_attempt_at, last_success_at, last_error, last_error_at, failures, delivered, "
                      "received FROM fed_peers");
    if (!w) return w.error();
    for (const auto& r : *w) {
      json& p = peer(r.Text(0));
      if (!r.Null(1)) p["last_attempt_at"] = r.Int(1);
      if (!r.Null(2)) p["last_success_at"] = r.Int(2);
      if (!r.Null(3)) p["last_error"] = r.Text(3);
      if (!r.Null(4)) p["last_error_at"] = r.Int(4);
      p["failures"] = r.Int(5);
      p["delivered"] = r.Int(6);
      p["received"] = r.Int(7);
    }
    auto head = tx.Query("queue heads",
                         "SELECT peer, msg_id, type, attempts, last_error FROM fed_outbox o WHERE state = 'queued' AND "
                         "id = (SELECT MIN(id) FROM fed_outbox i WHERE i.peer = o.peer AND i.state = 'queued')");
    if (!head) return head.error();
    for (const auto& r : *head) {
      json& p = peer(r.Text(0));
      p["next"] = {{"id", r.Text(1)}, {"type", r.Text(2)}, {"attempts", r.Int(3)}};
      if (!r.Null(4)) p["next"]["last_error"] = r.Text(4);
    }
    auto rj = tx.Query("refusals", "SELECT at, peer, msg_id, reason FROM fed_rejections ORDER BY id DESC LIMIT ?",
                       {static_cast<int64_t>(rejections)});
    if (!rj) return rj.error();
    for (const auto& r : *rj)
      refused.push_back({{"at", r.Int(0)}, {"peer", r.Text(1)}, {"id", r.Text(2)}, {"reason", r.Text(3)}});
    auto rp = tx.Query("refused by peers",
                       "SELECT done_at, peer, msg_id, type, last_error FROM fed_outbox WHERE state = 'rejected' "
                       "ORDER BY id DESC LIMIT ?",
                       {static_cast<int64_t>(rejections)});
    if (!rp) return rp.error();
    for (const auto& r : *rp)
      refused_by_peers.push_back(
          {{"at", r.Int(0)}, {"peer", r.Text(1)}, {"id", r.Text(2)}, {"type", r.Text(3)}, {"reason", r.Text(4)}});
    return Status::Ok();
  });
  if (!s.ok()) return Fail(s);
  json list = json::array();
  for (auto& [name, p] : peers.items()) list.push_back(p);
  json out = {{"node", self},
              {"peers", list},
              {"refused", refused},
              {"refused_by_peers", refused_by_peers}};
  if (roster) out["roster"] = {{"network", roster->network}, {"serial", roster->serial}, {"issued_at", roster->issued_at}};
  return out.dump(2);
}

}  // namespace lapis::federation
