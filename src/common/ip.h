// IP addresses: parsing (v4 and v6) and special-purpose range checks.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lapis {

struct IpAddress {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};  // v4 uses the first 4 bytes

  static std::optional<IpAddress> Parse(std::string_view text);  // strict; accepts "IPv6:" prefix
  std::string ToString() const;
  uint32_t V4() const { return uint32_t(bytes[0]) << 24 | uint32_t(bytes[1]) << 16 | uint32_t(bytes[2]) << 8 | bytes[3]; }
  // High and low 64 bits of a v6 address.
  uint64_t Hi() const;
  uint64_t Lo() const;
  bool operator==(const IpAddress&) const = default;
};

// Why an address can never be the origin of a message on the Internet, or "" when it is global:
// "private", "loopback", "cgnat", "link-local", "documentation", "multicast", "reserved",
// "unspecified", "benchmarking", "unique-local", "this-network".
std::string_view SpecialRange(const IpAddress& ip);
inline bool IsPublic(const IpAddress& ip) { return SpecialRange(ip).empty(); }

// A CIDR block ("10.0.0.0/8", "2001:db8::/32", or a bare address).
struct Cidr {
  IpAddress base;
  int prefix = 0;
  static std::optional<Cidr> Parse(std::string_view text);
  bool Contains(const IpAddress& ip) const;
};

}  // namespace lapis
