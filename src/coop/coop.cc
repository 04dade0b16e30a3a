#include "coop/coop.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <set>

#include "common/strings.h"

namespace lapis::coop {
namespace {

using store::SqlRow;
using store::SqlTx;
using store::SqlValue;

int64_t Now() { return static_cast<int64_t>(time(nullptr)); }

constexpr const char* kObjectColumns =
    "o.id, o.type, g.name, o.status, o.title, o.tlp, o.audience, o.score, o.due_at, o.parent_id, "
    "o.created_at, "
    "o.updated_at, o.version, o.data FROM coop_objects o JOIN organisations g ON g.id = o.org_id";

Object ObjectFrom(const SqlRow& r) {
  Object o;
  o.id = r.Int(0);
  o.type = r.Text(1);
  o.org = r.Text(2);
  o.status = r.Text(3);
  o.title = r.Text(4);
  o.tlp = ParseTlp(r.Text(5)).value_or(Tlp::kRed);
  if (auto a = ParseAudienceJson(r.Text(6))) o.audience = *a;
  o.score = r.Real(7);
  if (!r.Null(8)) o.due_at = r.Int(8);
  o.parent_id = r.Int(9);
  o.created_at = r.Int(10);
  o.updated_at = r.Int(11);
  o.version = r.Int(12);
  o.data_json = r.Text(13);
  return o;
}

// "EXISTS (...)" restricting `o` to what holders of `principals` may see, with its parameters.
std::string Visible(const Viewer& v, std::vector<SqlValue>* params) {
  auto p = ViewerPrincipals(v);
  std::string sql =
      "EXISTS (SELECT 1 FROM coop_access a WHERE a.object_id = o.id AND a.principal IN (";
  for (size_t i = 0; i < p.size(); ++i) {
    sql += i ? ",?" : "?";
    params->push_back(p[i]);
  }
  sql +=
      ")) AND NOT EXISTS (SELECT 1 FROM coop_access x WHERE x.object_id = o.id AND x.principal = "
      "?)";
  params->push_back("!org:" + v.org);
  return sql;
}

Result<int64_t> OrgId(SqlTx& tx, const std::string& org) {
  auto r =
      tx.Query("finding the organisation", "SELECT id FROM organisations WHERE name = ?", {org});
  if (!r) return Fail(r.error());
  if (r->empty()) return Fail(Status::NotFound("no organisation " + org));
  return (*r)[0].Int(0);
}

Result<std::optional<Object>> GetIn(SqlTx& tx, const Viewer& v, int64_t id,
                                    const std::string& type) {
  std::vector<SqlValue> params{id};
  std::string sql = std::string("SELECT ") + kObjectColumns + " WHERE o.id = ? AND ";
  sql += Visible(v, &params);
  auto r = tx.Query("reading an object", sql, params);
  if (!r) return Fail(r.error());
  if (r->empty()) return std::optional<Object>();
  Object o = ObjectFrom((*r)[0]);
  if (!type.empty() && o.type != type) return std::optional<Object>();
  return std::optional<Object>(std::move(o));
}

Status PutAccessAndTerms(SqlTx& tx, int64_t id, const Object& o, const std::string& search_text) {
  for (const auto& p : AccessPrincipals(o.org, o.audience))
    if (Status s = tx.Exec("sharing", "INSERT INTO coop_access(principal, object_id) VALUES (?, ?)",
                           {p, id});
        !s.ok())
      return s;
  for (const auto& t : SearchTerms(o.title + " " + search_text))
    if (Status s =
            tx.Exec("indexing", "INSERT INTO coop_terms(term, object_id) VALUES (?, ?)", {t, id});
        !s.ok())
      return s;
  return Status::Ok();
}

Status AddEvent(SqlTx& tx, int64_t id, const Viewer& by, const std::string& action,
                const std::string& detail) {
  return tx.Exec("recording history",
                 "INSERT INTO coop_events(object_id, at, org, actor, action, detail) VALUES (?, ?, "
                 "?, ?, ?, ?)",
                 {id, Now(), by.org, by.actor, action, detail});
}

// Inserts the links not there yet; the targets that were new.
Result<std::vector<std::string>> InsertLinks(SqlTx& tx, int64_t id, const std::vector<Link>& links,
                                             const std::string& by) {
  std::vector<std::string> added;
  const int64_t now = Now();
  // Several rows per statement: a case made from a campaign adds thousands.
  constexpr size_t kChunk = 100;
  for (size_t i = 0; i < links.size(); i += kChunk) {
    size_t n = std::min(kChunk, links.size() - i);
    std::string sql = "INSERT INTO coop_links(object_id, kind, target, added_at, added_by) VALUES ";
    std::vector<SqlValue> params;
    params.reserve(n * 5);
    for (size_t k = 0; k < n; ++k) {
      sql += k ? ",(?,?,?,?,?)" : "(?,?,?,?,?)";
      const Link& l = links[i + k];
      params.insert(params.end(), {id, l.kind, l.target, now, by});
    }
    sql += " ON CONFLICT DO NOTHING RETURNING target";
    auto r = tx.Query("linking", sql, params);
    if (!r) return Fail(r.error());
    for (const auto& row : *r) added.push_back(row.Text(0));
  }
  return added;
}

// Only members of the network share: an organisation outside it keeps its objects to itself (an
// application to join is the exception: member agencies read it).
Status CheckSharer(const Viewer& by, const Object& o) {
  if (by.member || o.audience.kind == "organisation" || o.type == "application")
    return Status::Ok();
  return Status::PermissionDenied(by.org +
                                  " is not a member of the network and shares with no one");
}

// Replaces the access rows of object `id`.
Status Reshare(SqlTx& tx, int64_t id, const std::string& owner, const Audience& a) {
  if (Status st = tx.Exec("resharing", "DELETE FROM coop_access WHERE object_id = ?", {id});
      !st.ok())
    return st;
  for (const auto& p : AccessPrincipals(owner, a))
    if (Status st = tx.Exec("sharing",
                            "INSERT INTO coop_access(principal, object_id) VALUES (?, ?)", {p, id});
        !st.ok())
      return st;
  return Status::Ok();
}

// Writes `o` over the stored version `cur` (same id), with its history entry.
Status SaveIn(SqlTx& tx, const Viewer& by, const Object& cur, Object& o,
              const std::string* search_text, const std::string& action,
              const std::string& detail) {
  if (AudienceJson(o.audience) != AudienceJson(cur.audience) || o.tlp != cur.tlp)
    if (Status st = CheckSharer(by, o); !st.ok()) return st;
  o.org = cur.org;
  o.created_at = cur.created_at;
  o.updated_at = std::max(Now(), cur.updated_at);
  o.version = cur.version + 1;
  auto r =
      tx.Query("updating",
               "UPDATE coop_objects SET status = ?, title = ?, tlp = ?, audience = ?, score = ?, "
               "due_at = ?, "
               "updated_at = ?, version = ?, data = ? WHERE id = ? AND version = ? RETURNING id",
               {o.status, o.title, std::string(TlpName(o.tlp)), AudienceJson(o.audience), o.score,
                o.due_at ? SqlValue(*o.due_at) : SqlValue(), o.updated_at, o.version, o.data_json,
                o.id, cur.version});
  if (!r) return r.error();
  if (r->empty()) return Status::AlreadyExists("changed by someone else meanwhile; read it again");
  const bool reshare = o.tlp != cur.tlp || AudienceJson(o.audience) != AudienceJson(cur.audience);
  if (reshare) {
    if (Status st = Reshare(tx, o.id, o.org, o.audience); !st.ok()) return st;
    // Tasks and notes follow their case: its marking and audience, and its owner when another
    // organisation wrote them.
    auto kids =
        tx.Query("finding children",
                 "SELECT o.id, g.name FROM coop_objects o JOIN organisations g ON g.id = o.org_id "
                 "WHERE o.parent_id = ?",
                 {o.id});
    if (!kids) return kids.error();
    for (const auto& k : *kids) {
      Audience a = o.audience;
      if (k.Text(1) != o.org) {
        if (a.kind == "organisation") a.kind = "organisations";
        a.orgs.push_back(o.org);
      }
      if (Status st =
              tx.Exec("resharing", "UPDATE coop_objects SET tlp = ?, audience = ? WHERE id = ?",
                      {std::string(TlpName(o.tlp)), AudienceJson(a), k.Int(0)});
          !st.ok())
        return st;
      if (Status st = Reshare(tx, k.Int(0), k.Text(1), a); !st.ok()) return st;
    }
  }
  if (search_text) {
    if (Status st = tx.Exec("reindexing", "DELETE FROM coop_terms WHERE object_id = ?", {o.id});
        !st.ok())
      return st;
    for (const auto& t : SearchTerms(o.title + " " + *search_text))
      if (Status st = tx.Exec("indexing", "INSERT INTO coop_terms(term, object_id) VALUES (?, ?)",
                              {t, o.id});
          !st.ok())
        return st;
  }
  return AddEvent(tx, o.id, by, action, detail);
}

std::string FormatScore(double s) {
  char buf[40];
  snprintf(buf, sizeof buf, "%.17g", s);
  return buf;
}

// The ids the query `sql` answers (its first column).
Result<std::vector<int64_t>> Ids(store::SqlDb& db, const char* what, const std::string& sql,
                                 const std::vector<SqlValue>& params) {
  std::vector<int64_t> out;
  Status s = db.Read([&](SqlTx& tx) -> Status {
    auto r = tx.Query(what, sql, params);
    if (!r) return r.error();
    for (const auto& row : *r) out.push_back(row.Int(0));
    return Status::Ok();
  });
  if (!s.ok()) return Fail(s);
  return out;
}

// Runs `fn` in a read when the viewer may see object `id` (NotFound otherwise).
Status ReadVisible(store::SqlDb& db, const Viewer& v, int64_t id,
                   const std::function<Status(SqlTx&)>& fn) {
  return db.Read([&](SqlTx& tx) -> Status {
    auto cur = GetIn(tx, v, id, "");
    if (!cur) return cur.error();
    if (!*cur) return Status::NotFound("no object " + std::to_string(id));
    return fn(tx);
  });
}

}  // namespace

std::vector<std::string> SearchTerms(const std::string& text) {
  std::set<std::string> terms;
  std::string cur;
  auto flush = [&] {
    if (cur.size() >= 2 && cur.size() <= 64 && terms.size() < 256) terms.insert(cur);
    cur.clear();
  };
  for (unsigned char c : text) {
    if (std::isalnum(c) || c >= 0x80)
      cur += static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    else
      flush();
  }
  flush();
  return {terms.begin(), terms.end()};
}

// --- directory ------------------------------------------------------------------------------

Result<Viewer> Coop::ViewerFor(const std::string& org, const std::string& role,
                               const std::string& actor) {
  Viewer v;
  v.org = org;
  v.role = role;
  v.actor = actor;
  Status s = db_.Read([&](SqlTx& tx) -> Status {
    auto p = tx.Query("reading the profile",
                      "SELECT p.kind, p.membership FROM organisations g LEFT JOIN org_profiles p "
                      "ON p.org_id = g.id "
                      "WHERE g.name = ?",
                      {org});
    if (!p) return p.error();
    if (p->empty()) return Status::NotFound("no organisation " + org);
    const SqlRow& r = (*p)[0];
    v.agency = r.Null(0) || r.Text(0) == "agency";
    v.member = r.Null(1) || r.Text(1) == "member";
    auto g = tx.Query(
        "reading groups",
        "SELECT o.id FROM coop_links l JOIN coop_objects o ON o.id = l.object_id "
        "WHERE l.kind = 'member' AND l.target = ? AND o.type = 'group' AND o.status = 'active' "
        "ORDER BY o.id",
        {org});
    if (!g) return g.error();
    for (const auto& row : *g) v.groups.push_back(row.Int(0));
    return Status::Ok();
  });
  if (!s.ok()) return Fail(s);
  return v;
}

Result<Profile> Coop::GetProfile(const std::string& org) {
  Profile p;
  Status s = db_.Read([&](SqlTx& tx) -> Status {
    auto r = tx.Query(
        "reading the profile",
        "SELECT g.name, p.kind, p.country, p.membership, p.data, p.updated_at, g.created_at "
        "FROM organisations g LEFT JOIN org_profiles p ON p.org_id = g.id WHERE g.name = ?",
        {org});
    if (!r) return r.error();
    if (r->empty()) return Status::NotFound("no organisation " + org);
    const SqlRow& row = (*r)[0];
    p.org = row.Text(0);
    if (!row.Null(1)) {
      p.kind = row.Text(1);
      p.country = row.Text(2);
      p.membership = row.Text(3);
      p.data_json = row.Text(4);
      p.updated_at = row.Int(5);
    } else {
      p.updated_at = row.Int(6);
    }
    return Status::Ok();
  });
  if (!s.ok()) return Fail(s);
  return p;
}

Status Coop::PutProfile(const Profile& p, const std::string& actor) {
  if (std::none_of(std::begin(kOrgKinds), std::end(kOrgKinds),
                   [&](const char* k) { return p.kind == k; }))
    return Status::InvalidArgument("kind must be agency or partner");
  if (std::none_of(std::begin(kMemberships), std::end(kMemberships),
                   [&](const char* k) { return p.membership == k; }))
    return Status::InvalidArgument("membership must be applicant, member, refused or withdrawn");
  if (!p.country.empty() &&
      (p.country.size() != 2 || !std::isupper(static_cast<unsigned char>(p.country[0])) ||
       !std::isupper(static_cast<unsigned char>(p.country[1]))))
    return Status::InvalidArgument("country must be an ISO 3166-1 alpha-2 code such as FR");
  return db_.Write([&](SqlTx& tx) -> Status {
    auto id = OrgId(tx, p.org);
    if (!id) return id.error();
    if (Status s = tx.Exec(
            "writing the profile",
            "INSERT INTO org_profiles(org_id, kind, country, membership, data, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (org_id) DO UPDATE SET kind = excluded.kind, "
            "country = excluded.country, membership = excluded.membership, data = excluded.data, "
            "updated_at = excluded.updated_at",
            {*id, p.kind, p.country, p.membership, p.data_json, Now()});
        !s.ok())
      return s;
    (void)actor;
    return Status::Ok();
  });
}

Result<std::vector<Profile>> Coop::ListProfiles(const std::string& text, const std::string& kind,
                                                const std::string& country,
                                                const std::string& membership) {
  std::vector<Profile> out;
  Status s = db_.Read([&](SqlTx& tx) -> Status {
    std::string sql =
        "SELECT g.name, COALESCE(p.kind, 'agency'), COALESCE(p.country, ''), "
        "COALESCE(p.membership, 'member'), "
        "COALESCE(p.data, '{}'), COALESCE(p.updated_at, g.created_at) FROM organisations g "
        "LEFT JOIN org_profiles p ON p.org_id = g.id WHERE 1 = 1";
    std::vector<SqlValue> params;
    if (!kind.empty()) {
      sql += " AND COALESCE(p.kind, 'agency') = ?";
      params.push_back(kind);
    }
    if (!country.empty()) {
      sql += " AND COALESCE(p.country, '') = ?";
      params.push_back(country);
    }
    if (!membership.empty()) {
      sql += " AND COALESCE(p.membership, 'member') = ?";
      params.push_back(membership);
    }
    for (const auto& t : SearchTerms(text)) {
      sql += " AND (LOWER(g.name) LIKE ? OR LOWER(COALESCE(p.data, '')) LIKE ?)";
      params.push_back("%" + t + "%");
      params.push_back("%" + t + "%");
    }
    sql += " ORDER BY g.name LIMIT 1000";
    auto r = tx.Query("listing organisations", sql, params);
    if (!r) return r.error();
    for (const auto& row : *r) {
      Profile p;
      p.org = row.Text(0);
      p.kind = row.Text(1);
      p.country = row.Text(2);
      p.membership = row.Text(3);
      p.data_json = row.Text(4);
      p.updated_at = row.Int(5);
      out.push_back(std::move(p));
    }
    return Status::Ok();
  });
  if (!s.ok()) return Fail(s);
  return out;
}

// --- objects --------------------------------------------------------------------------------

Result<Object> CreateIn(SqlTx& tx, const Viewer& by, Object o, const std::string& search_text,
                        const std::vector<Link>& links, const std::string& detail) {
  o.org = by.org;
  if (Status s = CheckMarking(o.tlp, o.audience); !s.ok()) return Fail(s);
  if (Status s = CheckSharer(by, o); !s.ok()) return Fail(s);
  if (o.title.empty()) return Fail(Status::InvalidArgument("a title is required"));
  o.created_at = o.updated_at = Now();
  o.version = 1;
  auto org = OrgId(tx, by.org);
  if (!org) return Fail(org.error());
  if (o.parent_id) {
    auto parent = GetIn(tx, by, o.parent_id, "");
    if (!parent) return Fail(parent.error());
    if (!*parent) return Fail(Status::NotFound("no object " + std::to_string(o.parent_id)));
  }
  std::vector<SqlValue> params{o.type,
                               *org,
                               o.parent_id ? SqlValue(o.parent_id) : SqlValue(),
                               o.status,
                               o.title,
                               std::string(TlpName(o.tlp)),
                               AudienceJson(o.audience),
                               o.score,
                               o.due_at ? SqlValue(*o.due_at) : SqlValue(),
                               o.created_at,
                               o.updated_at,
                               o.data_json};
  auto r = tx.Query("creating",
                    "INSERT INTO coop_objects(type, org_id, parent_id, status, title, tlp, audience, "
                    "score, due_at, created_at, updated_at, version, data) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?) RETURNING id",
                    params);
  if (!r) return Fail(r.error());
  o.id = (*r)[0].Int(0);
  if (Status st = PutAccessAndTerms(tx, o.id, o, search_text); !st.ok()) return Fail(st);
  if (auto l = InsertLinks(tx, o.id, links, by.actor); !l) return Fail(l.error());
  if (Status st = AddEvent(tx, o.id, by, "create", detail); !st.ok()) return Fail(st);
  return o;
}

Result<Object> Coop::Create(const Viewer& by, Object o, const std::string& search_text,
                            const std::vector<Link>& links, const std::string& detail) {
  Object out;
  Status s = db_.Write([&](SqlTx& tx) -> Status {
    auto made = CreateIn(tx, by, o, search_text, links, detail);
    if (!made) return made.error();
    out = std::move(*made);
    return observer_ ? observer_(tx, by, nullptr, out) : Status::Ok();
  });
  if (!s.ok()) return Fail(s);
  if (committed_) committed_();
  return out;
}

Result<std::optional<Object>> Coop::Get(const Viewer& v, int64_t id, const std::string& type) {
  Result<std::optional<Object>> out = std::optional<Object>();
  Status s = db_.Read([&](SqlTx& tx) -> Status {
    out = GetIn(tx, v, id, type);
    return out ? Status::Ok() : out.error();
  });
  if (!s.ok()) return Fail(s);
  return out;
}

Result<ObjectPage> Coop::List(const Viewer& v, const ObjectQuery& q) {
  std::vector<SqlValue> params;
  std::string sql = std::string("SELECT ") + kObjectColumns + " WHERE o.type = ?";
  params.push_back(q.type);
  // `clause` (one "?") with `value`, when the query sets it.
  auto where = [&](bool set, const char* clause, SqlValue value) {
    if (!set) return;
    sql += clause;
    params.push_back(std::move(value));
  };
  where(!q.status.empty(), " AND o.status = ?", q.status);
  where(!q.exclude_status.empty(), " AND o.status <> ?", q.exclude_status);
  if (q.status.empty() && !q.statuses.empty()) {
    sql += " AND o.status IN (";
    for (size_t i = 0; i < q.statuses.size(); ++i) {
      sql += i ? ",?" : "?";
      params.push_back(q.statuses[i]);
    }
    sql += ")";
  }
  where(q.due_before.has_value(), " AND o.due_at < ?", q.due_before.value_or(0));
  where(!q.owner.empty(), " AND g.name = ?", q.owner);
  where(!q.not_owner.empty(), " AND g.name <> ?", q.not_owner);
  where(q.parent_id != 0, " AND o.parent_id = ?", q.parent_id);
  if (!q.link_kind.empty()) {
    sql += " AND o.id IN (SELECT object_id FROM coop_links WHERE kind = ? AND target = ?)";
    params.push_back(q.link_kind);
    params.push_back(q.link_target);
  }
  auto terms = SearchTerms(q.text);
  if (!q.text.empty() && terms.empty()) return ObjectPage{};
  for (const auto& t : terms) {
    sql += " AND o.id IN (SELECT object_id FROM coop_terms WHERE term = ?)";
    params.push_back(t);
  }
  if (!q.cursor.empty()) {
    // "s:SCORE:ID" or "u:UPDATED:ID", as written below.
    auto parts = Split(q.cursor, ':');
    if (parts.size() != 3 || parts[0] != (q.by_score ? "s" : "u") || parts[2].empty() ||
        parts[2].find_first_not_of("0123456789") != std::string_view::npos)
      return Fail(Status::InvalidArgument("bad cursor"));
    SqlRow c;
    c.cols = {std::string(parts[1]), std::string(parts[2])};
    if (q.by_score) {
      sql += " AND (o.score < ? OR (o.score = ? AND o.id < ?))";
      params.insert(params.end(), {c.Real(0), c.Real(0), c.Int(1)});
    } else {
      sql += " AND (o.updated_at < ? OR (o.updated_at = ? AND o.id < ?))";
      params.insert(params.end(), {c.Int(0), c.Int(0), c.Int(1)});
    }
  }
  sql += " AND " + Visible(v, &params);
  ObjectPage page;
  Status s = db_.Read([&](SqlTx& tx) -> Status {
    // With words, two ways to the first page: walk the score (or time) index in order and test
    // each object for the words — quick when they are common, as the page fills early — or take
    // the objects holding the rarest word and order just those — quick when they are few. Which
    // one is cheaper follows from how many objects hold each word (counted from the word index,
    // assuming words occur independently): the walk visits about limit / (product of the words'
    // shares) objects. The ordering expression "+ 0" keeps the planner off the ordered index.
    bool walk = true;
    if (!terms.empty()) {
      auto total =
          tx.Query("counting", "SELECT COUNT(*) FROM coop_objects WHERE type = ?", {q.type});
      if (!total) return total.error();
      const double n = std::max<double>(1, static_cast<double>((*total)[0].Int(0)));
      double share = 1, fewest = n;
      for (const auto& t : terms) {
        auto c = tx.Query("counting", "SELECT COUNT(*) FROM coop_terms WHERE term = ?", {t});
        if (!c) return c.error();
        const double k = static_cast<double>((*c)[0].Int(0));
        share *= k / n;
        fewest = std::min(fewest, k);
      }
      const double visits = static_cast<double>(q.limit + 1) / std::max(share, 1e-12);
      walk = visits < 4 * fewest;
    }
    const char* plus = walk ? "" : " + 0";
    std::string full = sql;
    if (!walk && terms.size() > 1) {
      // The objects holding every word, from the word index alone (same parameters, same order).
      const std::string one = " AND o.id IN (SELECT object_id FROM coop_terms WHERE term = ?)";
      std::string each, both = " AND o.id IN (SELECT object_id FROM coop_terms WHERE term = ?";
      for (size_t i = 0; i < terms.size(); ++i) {
        each += one;
        if (i) both += " INTERSECT SELECT object_id FROM coop_terms WHERE term = ?";
      }
      both += ")";
      if (size_t at = full.find(each); at != std::string::npos) full.replace(at, each.size(), both);
    }
    full += q.by_score ? std::string(" ORDER BY o.score") + plus + " DESC, o.id DESC"
                       : std::string(" ORDER BY o.updated_at") + plus + " DESC, o.id DESC";
    full += " LIMIT ?";
    std::vector<SqlValue> all = params;
    all.push_back(static_cast<int64_t>(q.limit + 1));
    auto r = tx.Query("listing", full, all);
    if (!r) return r.error();
    for (const auto& row : *r) page.items.push_back(ObjectFrom(row));
    return Status::Ok();
  });
  if (!s.ok()) return Fail(s);
  if (page.items.size() > q.limit) {
    page.items.resize(q.limit);
    const Object& last = page.items.back();
    page.next_cursor = q.by_score
                           ? "s:" + FormatScore(last.score) + ":" + std::to_string(last.id)
                           : "u:" + std::to_string(last.updated_at) + ":" + std::to_string(last.id);
  }
  return page;
}

Result<int64_t> Coop::CountOwned(const Viewer& v, const std::string& type,
                                 const std::string& status) {
  int64_t n = 0;
  Status s = db_.Read([&](SqlTx& tx) -> Status {
    auto r = tx.Query("counting",
                      "SELECT COUNT(*) FROM coop_objects o JOIN organisations g ON g.id = o.org_id "
                      "WHERE g.name = ? AND o.type = ? AND o.status = ?",
                      {v.org, type, status});
    if (!r) return r.error();
    n = (*r)[0].Int(0);
    return Status::Ok();
  });
  if (!s.ok()) return Fail(s);
  return n;
}

Result<Object> Coop::Update(const Viewer& by, const Object& o, const std::string& search_text,
                            const std::string& action, const std::string& detail) {
  if (Status s = CheckMarking(o.tlp, o.audience); !s.ok()) return Fail(s);
  if (o.title.empty()) return Fail(Status::InvalidArgument("a title is required"));
  Object out;
  Status s = db_.Write([&](SqlTx& tx) -> Status {
    auto cur = GetIn(tx, by, o.id, o.type);
    if (!cur) return cur.error();
    if (!*cur) return Status::NotFound("no " + o.type + " " + std::to_string(o.id));
    if ((*cur)->org != by.org)
      return Status::PermissionDenied("only " + (*cur)->org + ", which created it, may change it");
    if (o.version && o.version != (*cur)->version)
      return Status::AlreadyExists("changed by someone else meanwhile (version " +
                                   std::to_string((*cur)->version) + "); read it again");
    out = o;
    if (Status st = SaveIn(tx, by, **cur, out, &search_text, action, detail); !st.ok()) return st;
    return observer_ ? observer_(tx, by, &**cur, out) : Status::Ok();
  });
  if (!s.ok()) return Fail(s);
  if (committed_) committed_();
  return out;
}

namespace {

// Coop::Change and ChangeIn: the object before the change in `before`.
Status ChangeWith(SqlTx& tx, const Viewer& by, int64_t id, const std::string& type,
                  const Coop::Mutation& fn, const std::string& action, const std::string& detail,
                  const std::string* search_text, Object* before, Object* out) {
  auto cur = GetIn(tx, by, id, type);
  if (!cur) return cur.error();
  if (!*cur) return Status::NotFound("no " + type + " " + std::to_string(id));
  *before = **cur;
  *out = **cur;
  if (Status st = fn(*out); !st.ok()) return st;
  if (Status st = CheckMarking(out->tlp, out->audience); !st.ok()) return st;
  out->id = id;
  out->type = before->type;
  out->parent_id = before->parent_id;
  return SaveIn(tx, by, *before, *out, search_text, action, detail);
}

}  // namespace

Result<Object> ChangeIn(SqlTx& tx, const Viewer& by, int64_t id, const std::string& type,
                        const std::function<Status(Object& o)>& fn, const std::string& action,
                        const std::string& detail) {
  Object before, out;
  if (Status s = ChangeWith(tx, by, id, type, fn, action, detail, nullptr, &before, &out); !s.ok())
    return Fail(s);
  return out;
}

Result<Object> Coop::Change(const Viewer& by, int64_t id, const std::string& type,
                            const Mutation& fn, const std::string& action,
                            const std::string& detail,
                            const std::optional<std::string>& search_text) {
  Object out;
  Status s = db_.Write([&](SqlTx& tx) -> Status {
    Object before;
    if (Status st = ChangeWith(tx, by, id, type, fn, action, detail,
                               search_text ? &*search_text : nullptr, &before, &out);
        !st.ok())
      return st;
    return observer_ ? observer_(tx, by, &before, out) : Status::Ok();
  });
  if (!s.ok()) return Fail(s);
  if (committed_) committed_();
  return out;
}

Result<std::vector<int64_t>> Coop::LinkedAny(const std::string& type, const std::string& kind,
                                             const std::string& target, size_t limit) {
  return Ids(db_, "finding linked objects",
             "SELECT o.id FROM coop_links l JOIN coop_objects o ON o.id = l.object_id "
             "WHERE l.kind = ? AND l.target = ? AND o.type = ? ORDER BY o.id DESC LIMIT ?",
             {kind, target, type, static_cast<int64_t>(limit)});
}

Result<std::optional<Object>> GetAnyIn(SqlTx& tx, int64_t id) {
  auto r = tx.Query("reading an object", std::string("SELECT ") + kObjectColumns + " WHERE o.id = ?",
                    {id});
  if (!r) return Fail(r.error());
  if (r->empty()) return std::optional<Object>();
  return std::optional<Object>(ObjectFrom((*r)[0]));
}

Result<std::optional<Object>> Coop::GetAny(int64_t id) {
  std::optional<Object> out;
  Status s = db_.Read([&](SqlTx& tx) -> Status {
    auto r = GetAnyIn(tx, id);
    if (!r) return r.error();
    out = std::move(*r);
    return Status::Ok();
  });
  if (!s.ok()) return Fail(s);
  return out;
}

Result<std::vector<int64_t>> Coop::Due(const std::string& type, const std::string& status,
                                       int64_t now, size_t limit) {
  return Ids(db_, "finding due objects",
             "SELECT id FROM coop_objects WHERE type = ? AND status = ? AND due_at <= ? "
             "ORDER BY id LIMIT ?",
             {type, status, now, static_cast<int64_t>(limit)});
}

Result<Object> Coop::AddLinks(const Viewer& by, int64_t id, const std::vector<Link>& links,
                              const std::string& action, const LinkChange& change) {
  Object out;
  Status s = db_.Write([&](SqlTx& tx) -> Status {
    auto cur = GetIn(tx, by, id, "");
    if (!cur) return cur.error();
    if (!*cur) return Status::NotFound("no object " + std::to_string(id));
    if ((*cur)->org != by.org)
      return Status::PermissionDenied("only " + (*cur)->org + ", which created it, may change it");
    auto added = InsertLinks(tx, id, links, by.actor);
    if (!added) return added.error();
    out = **cur;
    if (change)
      if (Status st = change(out, *added); !st.ok()) return st;
    return SaveIn(tx, by, **cur, out, nullptr, action, std::to_string(added->size()) + " added");
  });
  if (!s.ok()) return Fail(s);
  return out;
}

Result<int64_t> Coop::RemoveLinks(const Viewer& by, int64_t id, const std::vector<Link>& links,
                                  const std::string& action) {
  int64_t removed = 0;
  Status s = db_.Write([&](SqlTx& tx) -> Status {
    auto cur = GetIn(tx, by, id, "");
    if (!cur) return cur.error();
    if (!*cur) return Status::NotFound("no object " + std::to_string(id));
    if ((*cur)->org != by.org)
      return Status::PermissionDenied("only " + (*cur)->org + ", which created it, may change it");
    for (const auto& l : links) {
      auto r = tx.Query(
          "unlinking",
          "DELETE FROM coop_links WHERE object_id = ? AND kind = ? AND target = ? RETURNING target",
          {id, l.kind, l.target});
      if (!r) return r.error();
      removed += static_cast<int64_t>(r->size());
    }
    return AddEvent(tx, id, by, action, std::to_string(removed) + " removed");
  });
  if (!s.ok()) return Fail(s);
  return removed;
}

Result<std::vector<Link>> Coop::ListLinks(const Viewer& v, int64_t id, const std::string& kind,
                                          const std::string& after, size_t limit) {
  std::vector<Link> out;
  Status s = ReadVisible(db_, v, id, [&](SqlTx& tx) -> Status {
    auto r = tx.Query(
        "reading links",
        "SELECT kind, target, added_at, added_by FROM coop_links WHERE object_id = ? AND kind = ? "
        "AND target > ? ORDER BY target LIMIT ?",
        {id, kind, after, static_cast<int64_t>(limit)});
    if (!r) return r.error();
    for (const auto& row : *r) out.push_back({row.Text(0), row.Text(1), row.Int(2), row.Text(3)});
    return Status::Ok();
  });
  if (!s.ok()) return Fail(s);
  return out;
}

Result<int64_t> Coop::CountLinks(const Viewer& v, int64_t id, const std::string& kind) {
  int64_t n = 0;
  Status s = ReadVisible(db_, v, id, [&](SqlTx& tx) -> Status {
    auto r =
        tx.Query("counting links",
                 "SELECT COUNT(*) FROM coop_links WHERE object_id = ? AND kind = ?", {id, kind});
    if (!r) return r.error();
    n = (*r)[0].Int(0);
    return Status::Ok();
  });
  if (!s.ok()) return Fail(s);
  return n;
}

Result<bool> Coop::HasLink(const Viewer& v, int64_t id, const std::string& kind,
                           const std::string& target) {
  bool has = false;
  Status s = ReadVisible(db_, v, id, [&](SqlTx& tx) -> Status {
    auto r = tx.Query("reading a link",
                      "SELECT 1 FROM coop_links WHERE object_id = ? AND kind = ? AND target = ?",
                      {id, kind, target});
    if (!r) return r.error();
    has = !r->empty();
    return Status::Ok();
  });
  if (!s.ok()) return Fail(s);
  return has;
}

Result<std::vector<Event>> Coop::Events(const Viewer& v, int64_t id) {
  std::vector<Event> out;
  Status s = ReadVisible(db_, v, id, [&](SqlTx& tx) -> Status {
    auto r =
        tx.Query("reading history",
                 "SELECT id, at, org, actor, action, detail FROM coop_events WHERE object_id = ? "
                 "ORDER BY id LIMIT 10000",
                 {id});
    if (!r) return r.error();
    for (const auto& row : *r)
      out.push_back({row.Int(0), row.Int(1), row.Text(2), row.Text(3), row.Text(4), row.Text(5)});
    return Status::Ok();
  });
  if (!s.ok()) return Fail(s);
  return out;
}

Status Coop::Record(const Viewer& by, int64_t id, const std::string& action,
                    const std::string& detail) {
  return db_.Write([&](SqlTx& tx) -> Status {
    auto cur = GetIn(tx, by, id, "");
    if (!cur) return cur.error();
    if (!*cur) return Status::NotFound("no object " + std::to_string(id));
    return AddEvent(tx, id, by, action, detail);
  });
}

Result<std::vector<int64_t>> Coop::Linked(const Viewer& v, const std::string& type,
                                          const std::string& kind, const std::string& target,
                                          size_t limit) {
  std::vector<SqlValue> params{type, kind, target};
  std::string sql =
      "SELECT o.id FROM coop_objects o WHERE o.type = ? AND o.id IN (SELECT object_id FROM "
      "coop_links WHERE kind = ? AND target = ?) AND " +
      Visible(v, &params) + " ORDER BY o.id DESC LIMIT ?";
  params.push_back(static_cast<int64_t>(limit));
  return Ids(db_, "finding linked objects", sql, params);
}

}  // namespace lapis::coop
