#include "common/ip.h"

#include <arpa/inet.h>

#include <cstring>

#include "common/strings.h"

namespace lapis {

std::optional<IpAddress> IpAddress::Parse(std::string_view text) {
  text = Trim(text);
  if (StartsWithIgnoreCase(text, "ipv6:")) text.remove_prefix(5);
  if (text.empty() || text.size() > 45) return std::nullopt;
  char buf[64];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = 0;
  IpAddress ip;
  if (text.find(':') == std::string_view::npos) {
    in_addr a4;
    if (inet_pton(AF_INET, buf, &a4) != 1) return std::nullopt;
    std::memcpy(ip.bytes.data(), &a4, 4);
    return ip;
  }
  in6_addr a6;
  if (inet_pton(AF_INET6, buf, &a6) != 1) return std::nullopt;
  std::memcpy(ip.bytes.data(), &a6, 16);
  ip.v6 = true;
  // IPv4-mapped addresses are reported as the IPv4 address they carry.
  static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(ip.bytes.data(), kMapped, 12) == 0) {
    IpAddress v4;
    std::memcpy(v4.bytes.data(), ip.bytes.data() + 12, 4);
    return v4;
  }
  return ip;
}

std::string IpAddress::ToString() const {
  char buf[INET6_ADDRSTRLEN];
  if (!inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), buf, sizeof buf)) return "";
  return buf;
}

uint64_t IpAddress::Hi() const {
  uint64_t h = 0;
  for (int i = 0; i < 8; ++i) h = h << 8 | bytes[i];
  return h;
}
uint64_t IpAddress::Lo() const {
  uint64_t l = 0;
  for (int i = 8; i < 16; ++i) l = l << 8 | bytes[i];
  return l;
}

static bool In4(uint32_t a, uint32_t net, int prefix) {
  uint32_t mask = prefix == 0 ? 0 : ~uint32_t(0) << (32 - prefix);
  return (a & mask) == (net & mask);
}

std::string_view SpecialRange(const IpAddress& ip) {
  if (!ip.v6) {
    uint32_t a = ip.V4();
    if (In4(a, 0x00000000, 8)) return "this-network";
    if (In4(a, 0x0A000000, 8) || In4(a, 0xAC100000, 12) || In4(a, 0xC0A80000, 16)) return "private";
    if (In4(a, 0x64400000, 10)) return "cgnat";
    if (In4(a, 0x7F000000, 8)) return "loopback";
    if (In4(a, 0xA9FE0000, 16)) return "link-local";
    if (In4(a, 0xC0000000, 24)) return "reserved";  // IETF protocol assignments
    if (In4(a, 0xC0000200, 24) || In4(a, 0xC6336400, 24) || In4(a, 0xCB007100, 24))
      return "documentation";
    if (In4(a, 0xC6120000, 15)) return "benchmarking";
    if (In4(a, 0xE0000000, 4)) return "multicast";
    if (In4(a, 0xF0000000, 4)) return "reserved";
    return "";
  }
  const auto& b = ip.bytes;
  bool all_zero = true;
  for (int i = 0; i < 15; ++i) all_zero = all_zero && b[i] == 0;
  if (all_zero && b[15] == 0) return "unspecified";
  if (all_zero && b[15] == 1) return "loopback";
  if ((b[0] & 0xFE) == 0xFC) return "unique-local";
  if (b[0] == 0xFE && (b[1] & 0xC0) == 0x80) return "link-local";
  if (b[0] == 0xFE && (b[1] & 0xC0) == 0xC0) return "private";  // deprecated site-local
  if (b[0] == 0xFF) return "multicast";
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8) return "documentation";
  if (b[0] == 0x3F && b[1] == 0xFF && (b[2] & 0xF0) == 0) return "documentation";  // 3fff::/20
  if (b[0] == 0x01 && b[1] == 0 && b[2] == 0 && b[3] == 0 && b[4] == 0 && b[5] == 0 && b[6] == 0 &&
      b[7] == 0)
    return "reserved";  // discard-only 100::/64
  if ((b[0] & 0xE0) != 0x20) return "reserved";  // outside 2000::/3 global unicast
  return "";
}

std::optional<Cidr> Cidr::Parse(std::string_view text) {
  text = Trim(text);
  Cidr c;
  size_t slash = text.find('/');
  auto ip = IpAddress::Parse(text.substr(0, slash));
  if (!ip) return std::nullopt;
  c.base = *ip;
  int max = ip->v6 ? 128 : 32;
  c.prefix = max;
  if (slash != std::string_view::npos) {
    std::string_view p = text.substr(slash + 1);
    if (p.empty() || p.size() > 3) return std::nullopt;
    int v = 0;
    for (char ch : p) {
      if (ch < '0' || ch > '9') return std::nullopt;
      v = v * 10 + (ch - '0');
    }
    if (v > max) return std::nullopt;
    c.prefix = v;
  }
  return c;
}

bool Cidr::Contains(const IpAddress& ip) const {
  if (ip.v6 != base.v6) return false;
  int bits = prefix;
  for (int i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    uint8_t mask = bits >= 8 ? 0xFF : uint8_t(0xFF << (8 - bits));
    if ((ip.bytes[i] & mask) != (base.bytes[i] & mask)) return false;
  }
  return true;
}

}  // namespace lapis
