// Cases (docs/cooperation.md, "Cases"): made from reports, campaigns and indicators, owned by an
// agency, with assignees, tasks, notes and a harm score whose every factor is shown (LAP A.5).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"
#include "coop/coop.h"

namespace lapis::coop {

inline constexpr const char* kCaseStatuses[] = {"open", "investigating", "referred", "closed"};
inline constexpr const char* kOutcomes[] = {"warning", "fine", "undertaking", "prosecution",
                                            "no-action"};

// What the harm score is computed from: counted from the case's reports, or entered by the analyst.
struct HarmInputs {
  int64_t reports = 0;
  int64_t complaints = 0;                     // counted: complaints about the case's reports
  int64_t recipients = 0;                     // entered: people the messages reached, when known
  double money_lost = 0;                      // entered: losses reported by victims (EUR)
  std::map<std::string, int64_t> categories;  // counted: reports per category
  std::set<std::string> countries;            // counted: origin countries; plus countries entered
  bool vulnerable = false;                    // entered: aimed at vulnerable people
};

struct HarmFactor {
  std::string name;   // complainants, money_lost, severity, vulnerable_targets, countries
  double points = 0;  // contribution to the score
  double max = 0;     // the most this factor can give
  std::string basis;  // what it was computed from, in words
};

struct Harm {
  double score = 0;  // 0..100, the sum of the factors
  std::vector<HarmFactor> factors;
};

Harm ScoreHarm(const HarmInputs& in);
// The most severe category that one report in 20, or five reports, have; "" when none.
std::string WorstCategory(const HarmInputs& in);

// What a case is made from or extended with.
struct CaseSources {
  std::vector<std::string> reports;  // evidence ids of the viewer's organisation
  std::vector<int64_t> campaigns;    // campaign ids of the viewer's organisation
  std::vector<std::pair<std::string, std::string>> indicators;  // (type, value)
};

struct CaseInput {
  std::string title, summary;
  Tlp tlp = Tlp::kAmber;
  Audience audience;
  std::vector<std::string> assignees;  // user names
  // Analyst's figures for the harm score.
  int64_t recipients = 0;
  double money_lost = 0;
  bool vulnerable = false;
  std::vector<std::string> countries;  // countries affected besides the reports' origins
};

inline constexpr size_t kMaxCaseReportsPerCall = 200000;

// Creates a case of the viewer's organisation with every report the sources name (a campaign
// brings all its reports; an indicator every report it was seen in).
Result<Object> CreateCase(Coop& coop, const Viewer& v, const CaseInput& in, const CaseSources& src);
// Adds the sources' reports to the case and scores it again.
Result<Object> ExtendCase(Coop& coop, const Viewer& v, int64_t id, const CaseSources& src);
// Changes the analyst's fields (summary, figures, assignees, status, outcome) of a case; data_json
// of `change` holds only the fields to change. Scores the case again.
Result<Object> UpdateCase(Coop& coop, const Viewer& v, int64_t id, int64_t version,
                          const std::string& change_json);

// The links to every report the sources name (and to the campaigns and indicators themselves), for
// objects other than cases that carry reports (shares, referrals).
// `stats_json` (when given) gets their counts: reports, complaints, categories, countries.
Result<std::vector<Link>> SourceLinks(Coop& coop, const std::string& org, const CaseSources& src,
                                      std::string* stats_json = nullptr);

// "ORG/SHA256" of a report link, and back.
std::string ReportTarget(const std::string& org, const std::string& sha256);
bool ParseReportTarget(const std::string& target, std::string* org, std::string* sha256);

}  // namespace lapis::coop
