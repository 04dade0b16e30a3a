// Finds where a message really came from: the client of the first relay that can be trusted,
// walking the Received chain from the top (the recipient's own system) downwards.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "analysis/report.h"
#include "common/ip.h"

namespace lapis::analysis {

// Maps an address to its autonomous system; implemented by the IP database (enrich/ipdb.h).
class NetworkResolver {
 public:
  virtual ~NetworkResolver() = default;
  virtual uint32_t AsnOf(const IpAddress& ip) const = 0;  // 0 when unknown
};

struct TrustConfig {
  std::vector<Cidr> networks;       // relays whose stamps are believed (the recipient's own MXs)
  std::vector<std::string> hosts;   // host names or ".suffix" patterns of trusted relays
  bool infer = true;                // also infer trust from private hops and chain continuity
  // With a resolver, a client in the same autonomous system as the receiving host's own address
  // (Exchange writes "by host (ip)") is a relay inside that network. Not owned; may be null.
  const NetworkResolver* resolver = nullptr;
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
