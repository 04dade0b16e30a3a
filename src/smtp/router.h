// Recipient address -> organisation, for the mail listener. Rules are "ADDRESS=ORG" or
// "*@DOMAIN=ORG" (every address of the domain that has no rule of its own). Addresses are
// compared without regard to ASCII case. Immutable after Parse; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"

namespace lapis::smtp {

class Router {
 public:
  // Fails on a rule without '=', an address without local part or domain, an empty
  // organisation, or one address routed to two organisations.
  static Result<Router> Parse(const std::vector<std::string>& rules);

  // The organisation that receives mail for `address` (no angle brackets), or nullopt.
  std::optional<std::string> Find(std::string_view address) const;

  bool empty() const { return exact_.empty() && domains_.empty(); }

 private:
  std::unordered_map<std::string, std::string> exact_;    // lower-case address -> org
  std::unordered_map<std::string, std::string> domains_;  // lower-case domain -> org
};

}  // namespace lapis::smtp
