// Authentication headers: Authentication-Results (RFC 8601), Received-SPF (RFC 7208),
// DKIM-Signature tags (RFC 6376), ARC presence, and domain alignment (RFC 7489 relaxed mode).
#pragma once

#include <string_view>
#include <vector>

#include "analysis/report.h"

namespace lapis::analysis {

inline constexpr size_t kMaxAuthResults = 64;

// Parses one Authentication-Results value into one AuthResult per method.
std::vector<AuthResult> ParseAuthenticationResults(std::string_view value);

// Fills `auth` from the message's headers and the already decoded From and Return-Path.
void AnalyzeAuthentication(const mail::Message& msg, const Headers& headers, Authentication* auth);

}  // namespace lapis::analysis
