// The cooperation workflows (docs/cooperation.md): referrals of cross-border complaints (the EU
// common procedure), mutual-assistance requests between agencies, requests for information to
// companies, membership of the network (LAP D), notifications, and outcomes told to those who
// contributed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "coop/coop.h"

namespace lapis::coop {

// --- lifecycles -----------------------------------------------------------------------------

enum class Side { kSender, kRecipient };

struct Step {
  const char* from;
  const char* to;
  Side who;
  bool reason = false;   // declined, withdrawn: a reason is required
  bool outcome = false;  // closed: an outcome is required
  bool answer = false;   // answered: the answer's text is required
};

// Referral: sent -> received -> accepted | declined; accepted -> closed (outcome); the sender may
// withdraw it until it is accepted.
// Request (assistance or company): draft -> sent -> acknowledged -> in-progress -> answered |
// declined; answered | declined -> closed (outcome, by the sender); the sender may withdraw it
// until it is answered.
const std::vector<Step>& Lifecycle(const std::string& type);
// The step from `from` to `to`, or InvalidArgument naming the steps possible from `from`.
Result<Step> FindStep(const std::string& type, const std::string& from, const std::string& to);
// States where nothing more is expected of anyone.
bool Finished(const std::string& type, const std::string& status);

inline constexpr const char* kAssistanceActions[] = {
    "identify-sender", "preserve-data", "provide-information", "investigate", "take-action"};
inline constexpr const char* kCompanyRequestKinds[] = {
    "ip-subscriber", "domain-registrant", "account-holder", "payment-account", "other"};

// "high" from a harm score of 60, "medium" from 30, else "low".
std::string PriorityFromHarm(double harm);

// --- referrals ------------------------------------------------------------------------------

struct Candidate {
  std::string org, country, display_name;
  std::vector<std::string> competences;
  bool primary_contact = false;  // has the country's primary contact (LAP A.2)
  struct Agreement {
    int64_t id = 0;
    std::string title;
    bool personal_data = false;
  };
  std::vector<Agreement> agreements;  // in force between the referring and this agency
  std::vector<std::string> reasons;
};

// Member agencies of `countries` that could take a referral from the viewer, best first: those
// with an agreement with the viewer, the country's primary contact, competence in
// telecommunications or consumer protection.
Result<std::vector<Candidate>> ProposeAuthorities(Coop& coop, const Viewer& v,
                                                  const std::vector<std::string>& countries);

// The country a registrable domain's suffix names (ccTLD), upper case; "" for generic suffixes.
std::string CountryOfDomain(const std::string& domain);

// --- notifications and outcomes ------------------------------------------------------------

// Tells each organisation in `to` (but `by`'s own) about object `about_type`/`about_id`: one
// notification owned by each recipient, with a code for what happened (`event`, e.g.
// "referral.sent", "request.answered", "outcome", "application.opened"), the object's state,
// and a sentence (`title`).
Status Notify(Coop& coop, const Viewer& by, const std::vector<std::string>& to,
              const std::string& event, const std::string& about_type, int64_t about_id,
              const std::string& state, const std::string& title, const std::string& detail = "");
// The same, inside a transaction of the caller's (what another node tells, applied here).
Status NotifyIn(store::SqlTx& tx, const Viewer& by, const std::vector<std::string>& to,
                const std::string& event, const std::string& about_type, int64_t about_id,
                const std::string& state, const std::string& title, const std::string& detail = "");
// Tells every member agency.
Status NotifyAgencies(Coop& coop, const Viewer& by, const std::string& event,
                      const std::string& about_type, int64_t about_id, const std::string& state,
                      const std::string& title, const std::string& detail = "");

// Organisations whose reports the object holds, other than its own.
Result<std::vector<std::string>> Contributors(Coop& coop, const Viewer& v, const Object& o);

struct OutcomeNote {
  std::string type;  // case, referral, request
  int64_t id = 0;
  std::string org;  // who reached it
  std::string kind, detail;
  std::string at;  // RFC 3339
};
// Outcomes of closed cases, referrals and requests that hold the report ORG/SHA256: told to the
// report's organisation whatever the object's audience.
Result<std::vector<OutcomeNote>> OutcomesOfReport(Coop& coop, const std::string& org,
                                                  const std::string& sha256);

// --- membership -----------------------------------------------------------------------------

inline constexpr int64_t kDefaultObjectionSeconds = 14 * 86400;

// Applications whose objection period has ended: admitted without objection, refused otherwise;
// the directory updated and the applicant and member agencies told. How many were decided.
Result<int> DecideApplications(Coop& coop, int64_t now);

}  // namespace lapis::coop
