// Finds where a message really came from: the client of the first relay that can be trusted,
// walking the Received chain from the top (the recipient's own system) downwards.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "analysis/report.h"
#include "common/ip.h"

namespace lapis::analysis {

struct TrustConfig {
  std::vector<Cidr> networks;       // relays whose stamps are believed (the recipient's own MXs)
  std::vector<std::string> hosts;   // host names or ".suffix" patterns of trusted relays
  bool infer = true;                // also infer trust from private hops and chain continuity
};

// Webmail and submission headers that carry the client's IP ("X-Originating-IP" and kin).
struct OriginatingHeader {
  std::string name;
  std::string ip;
};

// Sets hop.trusted flags and returns the origin, or nullopt (with `why` set) when none can be named.
std::optional<Origin> FindOrigin(std::vector<Hop>& hops,
                                 const std::vector<OriginatingHeader>& originating,
                                 const TrustConfig& trust, std::string* why);

}  // namespace lapis::analysis
