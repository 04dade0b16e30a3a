// Personal data in an analysis: what identifies the person who complained or received the spam
// (recipient addresses, the reporter's address in a wrapper, the reporter's phone number). The
// node stores it apart from the analysis so that a shared copy can leave it out.
#pragma once

#include <string>

#include "analysis/report.h"

namespace lapis::analysis {

// Removes the personal data from `r` and returns it as a JSON object:
// {"to":[...],"cc":[...],"received_for":[...],"reporter":..., "original_rcpt_to":[...],
//  "recipient_emails":[...],"reporter_number":...}. Fields with nothing in them are omitted.
std::string TakePersonalData(Report* r);

}  // namespace lapis::analysis
