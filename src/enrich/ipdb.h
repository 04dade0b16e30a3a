// IP address to AS number, AS organisation and country, from the @ip-location-db CSV packages
// compiled into one binary file that loads in milliseconds. Lookups are a binary search over
// sorted ranges: O(log n), well under a microsecond. Immutable after loading; thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "analysis/origin.h"
#include "analysis/report.h"
#include "common/ip.h"
#include "common/status.h"

namespace lapis::enrich {

struct IpDbSources {
  std::string asn_v4, asn_v6;          // asn-ipv4.csv, asn-ipv6.csv: start,end,asn,org
  std::string country_v4, country_v6;  // asn-country-ipv4.csv, ...: start,end,country
};

// Where the npm packages put their files under `node_modules`.
IpDbSources SourcesUnder(const std::string& node_modules);

class IpDb : public analysis::NetworkResolver {
 public:
  static Result<std::unique_ptr<IpDb>> BuildFromCsv(const IpDbSources& src);
  static Result<std::unique_ptr<IpDb>> Open(const std::string& path);
  Status Save(const std::string& path) const;

  // Empty info (asn 0, no country) when the address is in no range.
  analysis::IpInfo Lookup(const IpAddress& ip) const;
  uint32_t AsnOf(const IpAddress& ip) const override { return Lookup(ip).asn; }

  size_t asn_ranges() const { return asn4_.size() + asn6_.size(); }
  size_t country_ranges() const { return cc4_.size() + cc6_.size(); }

 private:
  struct V4Range {
    uint32_t start, end, value;
  };
  struct V6Range {
    uint64_t start_hi, start_lo, end_hi, end_lo;
    uint32_t value;
  };
  std::vector<V4Range> asn4_, cc4_;
  std::vector<V6Range> asn6_, cc6_;
  std::vector<uint32_t> asn_numbers_;    // value of an asn range indexes these two
  std::vector<uint32_t> asn_org_index_;
  std::vector<std::string> strings_;     // organisations and country codes
  friend class IpDbBuilder;
};

// Fills the origin and every IP indicator of a report. Thread-safe.
void Enrich(const IpDb& db, analysis::Report* r);

}  // namespace lapis::enrich
