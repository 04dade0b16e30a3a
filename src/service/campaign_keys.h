// The keys that join a report to a campaign, read from its analysis (docs/analysis.md):
// fingerprint band keys and MinHash, spamvertised registrable domains (link hosts other than
// widely used platforms), phone numbers and payment identifiers.
#pragma once

#include <string>

#include "analysis/report.h"
#include "store/campaigns.h"

namespace lapis::service {

// Parses the analysis JSON; keys are empty when it has none.
store::CampaignKeys CampaignKeysFromAnalysis(const std::string& analysis_json, int64_t seen);

// The same keys from the report itself (as it is stored: personal data already taken out), without
// writing and parsing its JSON.
store::CampaignKeys CampaignKeysFromReport(const analysis::Report& report, int64_t seen);

// True for registrable domains so widely linked that sharing them says nothing about a campaign.
bool IsCommonPlatformDomain(const std::string& registrable);

}  // namespace lapis::service
