// Cooperation objects (docs/cooperation.md): the directory's organisation profiles, and the objects
// organisations work on together — contacts, resource lists, groups, agreements, cases with their
// tasks and notes. Every object has an originating organisation, a TLP marking and an audience
// (coop/sharing.h); every read here is scoped to what the viewer may see, and an object the viewer
// may not see is reported as not existing. Kept in the node's database through store/sql.h, so
// both backends behave alike.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "coop/sharing.h"
#include "store/store.h"

namespace lapis::coop {

// Kinds of organisation and their competences or sectors (LAP A and B).
inline constexpr const char* kOrgKinds[] = {"agency", "partner"};
inline constexpr const char* kCompetences[] = {"telecommunications", "consumer-protection",
                                               "data-protection", "criminal-enforcement"};
inline constexpr const char* kSectors[] = {"financial-institutions",
                                           "isps",
                                           "telecoms",
                                           "security-software",
                                           "mobile-operators",
                                           "couriers",
                                           "commercial-mail-receiving-agencies",
                                           "industry-associations",
                                           "consumer-organisations",
                                           "payment-providers",
                                           "credit-reporting-agencies",
                                           "registrars-and-registries",
                                           "dispute-resolution-providers"};
// "applicant": applied, waiting for the end of the objection period; "member": admitted;
// "refused": an objection was upheld; "withdrawn": left the network (or was never admitted).
inline constexpr const char* kMemberships[] = {"applicant", "member", "refused", "withdrawn"};

struct Profile {
  std::string org;
  std::string kind = "agency";
  std::string country;                // ISO 3166-1 alpha-2, upper case; "" unknown
  std::string membership = "member";  // organisations the node's operator creates are members
  // display_name, competences (agencies), sector (partners), website, languages, and for
  // companies the LAP B.4 answers: b4 {domestic, domestic_conditions, foreign, request_procedure}.
  std::string data_json = "{}";
  int64_t updated_at = 0;
};

struct Object {
  int64_t id = 0;
  std::string type;  // contact, resource, group, agreement, case, task, note
  std::string org;   // originating organisation
  std::string status;
  std::string title;
  Tlp tlp = Tlp::kAmber;
  Audience audience;
  double score = 0;  // cases: the harm score
  std::optional<int64_t> due_at;
  int64_t parent_id = 0;  // a task's or note's case
  int64_t created_at = 0, updated_at = 0, version = 0;
  std::string data_json = "{}";
};

struct Link {
  std::string kind;  // "report" (ORG/SHA256), "campaign" (ORG/ID), "indicator" (TYPE:VALUE),
                     // "party" and "member" (organisation), "assignee" (user name)
  std::string target;
  int64_t added_at = 0;
  std::string added_by;
};

struct Event {
  int64_t id = 0, at = 0;
  std::string org, actor, action, detail;
};

struct ObjectQuery {
  std::string type;
  std::string status;                 // "" = any
  std::string exclude_status;         // "" = none left out
  std::vector<std::string> statuses;  // any of these (with `status` empty)
  std::optional<int64_t> due_before;  // only objects due before this time
  std::string owner;                  // originating organisation; "" = any
  std::string not_owner;              // leaves out this organisation's own objects
  std::string text;       // words, every one required (title and the object's search text)
  int64_t parent_id = 0;  // 0 = any
  std::string link_kind, link_target;  // only objects with this link
  bool by_score = false;               // highest score first; otherwise most recently changed first
  std::string cursor;
  size_t limit = 50;
};

struct ObjectPage {
  std::vector<Object> items;
  std::string next_cursor;
};

// The words an object is found by: lower-cased runs of letters and digits, at most 256.
std::vector<std::string> SearchTerms(const std::string& text);

// Told of every object written through Coop (not through CreateIn/ChangeIn), in the transaction
// that writes it, after the write: `before` is null for a new object. An error rolls the write
// back. Federation uses it to queue, with the change itself, the message that tells another node.
using Observer = std::function<Status(store::SqlTx& tx, const Viewer& by, const Object* before,
                                      const Object& after)>;

// Creating and changing objects inside a transaction of the caller's, as Coop::Create and
// Coop::Change do but without the observer: for applying what another node tells (federation).
Result<Object> CreateIn(store::SqlTx& tx, const Viewer& by, Object o, const std::string& search_text,
                        const std::vector<Link>& links, const std::string& detail = "");
Result<Object> ChangeIn(store::SqlTx& tx, const Viewer& by, int64_t id, const std::string& type,
                        const std::function<Status(Object& o)>& fn, const std::string& action,
                        const std::string& detail);
// The object whatever its audience, inside a transaction.
Result<std::optional<Object>> GetAnyIn(store::SqlTx& tx, int64_t id);

class Coop {
 public:
  explicit Coop(store::Store& store) : store_(store), db_(store.Sql()) {}

  // Before the node serves requests. `committed` runs after each write the observer saw has
  // been committed (to wake whatever sends what it queued).
  void SetObserver(Observer o, std::function<void()> committed = nullptr) {
    observer_ = std::move(o);
    committed_ = std::move(committed);
  }

  // --- directory ---
  // The viewer an authenticated caller is: its organisation's membership, kind and groups.
  Result<Viewer> ViewerFor(const std::string& org, const std::string& role,
                           const std::string& actor);
  // The organisation's profile (a default one when none was written). NotFound for no such
  // organisation.
  Result<Profile> GetProfile(const std::string& org);
  Status PutProfile(const Profile& p, const std::string& actor);
  // Profiles matching every given filter; text matches the name and display name.
  Result<std::vector<Profile>> ListProfiles(const std::string& text, const std::string& kind,
                                            const std::string& country,
                                            const std::string& membership);

  // --- objects ---
  // Creates `o` for the viewer's organisation (o.org is set to it); `search_text` is what the
  // object is found by besides its title. Returns the stored object.
  Result<Object> Create(const Viewer& by, Object o, const std::string& search_text,
                        const std::vector<Link>& links, const std::string& detail = "");
  // The object when it exists, has this type (any when empty) and the viewer may see it.
  Result<std::optional<Object>> Get(const Viewer& v, int64_t id, const std::string& type = "");
  Result<ObjectPage> List(const Viewer& v, const ObjectQuery& q);
  // How many objects of `type` the viewer's organisation owns in `status`.
  Result<int64_t> CountOwned(const Viewer& v, const std::string& type, const std::string& status);
  // Replaces the object's status, title, marking, audience, score, due date and data (only the
  // originating organisation may); `action` and `detail` go to its history. AlreadyExists when
  // `o.version` is not the stored one (someone else changed it meanwhile).
  Result<Object> Update(const Viewer& by, const Object& o, const std::string& search_text,
                        const std::string& action, const std::string& detail);
  // Lets `fn` change the object in one transaction, whichever organisation the viewer is (it must
  // see the object; `fn` decides who may do what); `action` and `detail` go to its history. The
  // object's search words are rewritten from `search_text` when it is given.
  using Mutation = std::function<Status(Object& o)>;
  Result<Object> Change(const Viewer& by, int64_t id, const std::string& type, const Mutation& fn,
                        const std::string& action, const std::string& detail,
                        const std::optional<std::string>& search_text = std::nullopt);
  // Adds links (those already there are skipped) and lets `change` update the object, given the
  // targets that were new, in the same transaction. Only the originating organisation may.
  using LinkChange = std::function<Status(Object& o, const std::vector<std::string>& added)>;
  Result<Object> AddLinks(const Viewer& by, int64_t id, const std::vector<Link>& links,
                          const std::string& action, const LinkChange& change = nullptr);
  Result<int64_t> RemoveLinks(const Viewer& by, int64_t id, const std::vector<Link>& links,
                              const std::string& action);
  // Links of one kind, in target order, after `after` (exclusive).
  Result<std::vector<Link>> ListLinks(const Viewer& v, int64_t id, const std::string& kind,
                                      const std::string& after, size_t limit);
  Result<int64_t> CountLinks(const Viewer& v, int64_t id, const std::string& kind);
  Result<bool> HasLink(const Viewer& v, int64_t id, const std::string& kind,
                       const std::string& target);
  // The history of the object, oldest first.
  Result<std::vector<Event>> Events(const Viewer& v, int64_t id);
  // Records an event on an object the viewer may see (reads, exports).
  Status Record(const Viewer& by, int64_t id, const std::string& action, const std::string& detail);
  // Ids of objects of `type` (any viewer) whose `kind` links name `target`, newest first; for
  // entitlements that do not depend on the audience (outcomes told to contributors).
  Result<std::vector<int64_t>> LinkedAny(const std::string& type, const std::string& kind,
                                         const std::string& target, size_t limit);
  // The object whatever its audience, for the node's own work (deciding applications, telling
  // contributors); never for answering a caller.
  Result<std::optional<Object>> GetAny(int64_t id);
  // Ids of objects of `type` in `status` whose due time has passed.
  Result<std::vector<int64_t>> Due(const std::string& type, const std::string& status, int64_t now,
                                   size_t limit);
  // Ids of the objects of `type` linked to `kind`/`target` that the viewer may see.
  Result<std::vector<int64_t>> Linked(const Viewer& v, const std::string& type,
                                      const std::string& kind, const std::string& target,
                                      size_t limit);

  store::Store& store() { return store_; }

 private:
  store::Store& store_;
  store::SqlDb& db_;
  Observer observer_;
  std::function<void()> committed_;
};

}  // namespace lapis::coop
