#include "analysis/origin.h"

#include "common/strings.h"
#include "mail/domains.h"

namespace lapis::analysis {
namespace {

bool HostMatches(std::string_view host, const std::vector<std::string>& patterns) {
  if (host.empty()) return false;
  for (const auto& p : patterns) {
    if (p.empty()) continue;
    if (p[0] == '.') {
      if (EndsWithIgnoreCase(host, p) || EqualsIgnoreCase(host, std::string_view(p).substr(1)))
        return true;
    } else if (EqualsIgnoreCase(host, p)) {
      return true;
    }
  }
  return false;
}

// Large mail operators stamp their internal hops under several registrable domains.
struct OrgAlias {
  const char* domain;
  const char* org;
};
constexpr OrgAlias kOrgAliases[] = {
    {"outlook.com", "microsoft"},   {"office365.com", "microsoft"}, {"exchangelabs.com", "microsoft"},
    {"hotmail.com", "microsoft"},   {"live.com", "microsoft"},      {"microsoft.com", "microsoft"},
    {"google.com", "google"},       {"gmail.com", "google"},        {"googlemail.com", "google"},
    {"1e100.net", "google"},        {"yahoo.com", "yahoo"},         {"yahoodns.net", "yahoo"},
    {"aol.com", "yahoo"},           {"protonmail.ch", "proton"},    {"protonmail.com", "proton"},
    {"proton.me", "proton"},        {"apple.com", "apple"},         {"icloud.com", "apple"},
    {"amazonses.com", "amazon"},    {"amazonaws.com", "amazon"},
};

// The organisation a host name belongs to: its registrable domain, or the operator it is an alias
// of. "" when unknown.
std::string Org(std::string_view host) {
  std::string h = mail::NormalizeHost(host);
  std::string r = mail::RegistrableDomain(h);
  for (const auto& a : kOrgAliases)
    if (r == a.domain) return a.org;
  return r;
}

std::string_view FirstLabel(std::string_view host) { return host.substr(0, host.find('.')); }

// First word of a "by" clause ("mx.example.com (Postfix)" has been cut by the parser already).
std::string_view ByHost(const Hop& h) { return Trim(h.by); }

enum class Link { kNone, kRdns, kIp, kHeloSameOrg, kSameNetwork, kHelo };

// Whether `below` was written by the client of `above`: the relay that handed the message to
// above.by is the host that stamped `below`.
Link Continues(const Hop& above, const Hop& below) {
  std::string_view by = ByHost(below);
  if (by.empty()) return Link::kNone;
  if (!above.rdns.empty() && EqualsIgnoreCase(by, above.rdns)) return Link::kRdns;
  if (!above.ip.empty()) {
    std::string_view b = by;
    if (b.size() > 2 && b.front() == '[' && b.back() == ']') b = b.substr(1, b.size() - 2);
    if (auto ip = IpAddress::Parse(b); ip && ip->ToString() == above.ip) return Link::kIp;
  }
  // The HELO name is the client's own claim: believe it only inside one organisation, where the
  // receiver, the client's name and the next stamp all share a registrable domain.
  if (!above.helo.empty()) {
    std::string org = Org(above.by);
    bool same_org = !org.empty() && org == Org(above.helo);
    if (same_org && EqualsIgnoreCase(by, above.helo)) return Link::kHeloSameOrg;
    // One machine under two of the operator's names ("X.eurprd01.prod.outlook.com" and
    // "X.outlook.office365.com").
    std::string_view label = FirstLabel(above.helo);
    if (same_org && label.size() >= 8 && EqualsIgnoreCase(label, FirstLabel(by)) && Org(by) == org)
      return Link::kHeloSameOrg;
  }
  // The client's reverse name (set by the owner of its address, recorded by the trusted receiver)
  // is in the same organisation as the host that wrote the next stamp.
  if (!above.rdns.empty() && !EqualsIgnoreCase(above.rdns, "unknown")) {
    std::string org = Org(above.rdns);
    if (!org.empty() && org == Org(by)) return Link::kRdns;
  }
  // The next stamp was written by a host that gives the client's own address as its address, and
  // the client names itself inside the receiver's organisation (Exchange Online's internal hops).
  if (!below.by_ip.empty() && below.by_ip == above.ip) {
    std::string org = Org(above.by);
    const std::string& name = above.rdns.empty() ? above.helo : above.rdns;
    if (!org.empty() && org == Org(name)) return Link::kHeloSameOrg;
  }
  // The client's own HELO name is the host that wrote the next stamp. The client chose that name,
  // so this link is weaker: the origin found beyond it has medium confidence.
  if (!above.helo.empty() && EqualsIgnoreCase(by, above.helo) && above.helo.find('.') != std::string::npos)
    return Link::kHelo;
  return Link::kNone;
}

// Mailbox retrieval (fetchmail and the like): the "from" host is the recipient's own mailbox
// server, not an SMTP client.
bool IsRetrieval(const Hop& h) {
  static const char* kProtocols[] = {"pop3", "pop", "imap", "imap4", "odmr", "pop3s", "imaps"};
  for (const char* p : kProtocols)
    if (EqualsIgnoreCase(h.protocol, p)) return true;
  return false;
}

// Whether two addresses belong to one network: the same autonomous system when the resolver knows
// both, else the same /24 (IPv4) or /32 (IPv6, one registry allocation).
bool SameNetwork(const IpAddress& a, const IpAddress& b, const NetworkResolver* resolver) {
  if (a.v6 != b.v6) return false;
  if (resolver) {
    uint32_t x = resolver->AsnOf(a), y = resolver->AsnOf(b);
    if (x != 0 && y != 0) return x == y;
  }
  if (!a.v6) return (a.V4() >> 8) == (b.V4() >> 8);
  return a.Hi() >> 32 == b.Hi() >> 32;
}

std::string Describe(const Hop& h) {
  std::string s = h.ip;
  if (!h.rdns.empty()) s += " (" + h.rdns + ")";
  return s;
}

}  // namespace

std::optional<Origin> FindOrigin(std::vector<Hop>& hops,
                                 const std::vector<OriginatingHeader>& originating,
                                 const TrustConfig& trust, std::string* why) {
  if (hops.empty()) {
    *why = "no Received header";
    return std::nullopt;
  }
  // The topmost stamp was written by the recipient's own system and is believed.
  std::optional<Origin> origin;
  std::string confidence = "high";
  bool gap = false;
  int last_public = -1;   // a public relay we walked past because the chain continued below it
  for (size_t i = 0; i < hops.size(); ++i) {
    Hop& h = hops[i];
    h.trusted = true;  // we only reach a hop whose receiving side we believe
    if (h.local || h.ip.empty()) {
      if (!h.local) gap = true;
      continue;
    }
    auto ip = IpAddress::Parse(h.ip);
    if (!ip) {
      gap = true;
      continue;
    }
    std::string_view range = SpecialRange(*ip);
    bool configured = false;
    for (const auto& c : trust.networks) configured = configured || c.Contains(*ip);
    configured = configured || HostMatches(h.rdns, trust.hosts);
    bool next_exists = i + 1 < hops.size();
    if (configured || IsRetrieval(h)) continue;
    if (!range.empty()) {
      if (trust.infer) continue;  // an internal relay on a private, local or reserved address
      // Only configured relays are trusted, and the first untrusted client cannot be an origin.
      *why = "the first untrusted client " + h.ip + " has a " + std::string(range) +
             " address; configure the relays that are trusted";
      for (size_t j = i + 1; j < hops.size(); ++j) hops[j].trusted = false;
      return std::nullopt;
    }
    if (h.authenticated) {
      Origin o;
      o.ip = h.ip;
      o.hop = static_cast<int>(i);
      o.kind = "authenticated-submission";
      o.rdns = h.rdns;
      o.helo = h.helo;
      o.confidence = gap ? "medium" : confidence;
      o.reason = "client " + Describe(h) + " authenticated to " + std::string(ByHost(h)) +
                 " to submit the message: an account at that provider was used (compromised or "
                 "abused)";
      origin = o;
      break;
    }
    Link link = next_exists && trust.infer ? Continues(h, hops[i + 1]) : Link::kNone;
    if (link == Link::kNone && next_exists && trust.infer && !h.by_ip.empty()) {
      auto by_ip = IpAddress::Parse(h.by_ip);
      if (by_ip && IsPublic(*by_ip) && SameNetwork(*ip, *by_ip, trust.resolver))
        link = Link::kSameNetwork;
    }
    if (link != Link::kNone) {
      if (link == Link::kHelo && confidence == "high") confidence = "medium";
      last_public = static_cast<int>(i);
      continue;
    }
    Origin o;
    o.ip = h.ip;
    o.hop = static_cast<int>(i);
    o.kind = "relay-client";
    o.rdns = h.rdns;
    o.helo = h.helo;
    o.confidence = gap ? "medium" : confidence;
    o.reason = "first untrusted client: " + Describe(h) + " handed the message to trusted relay " +
               std::string(ByHost(h));
    if (!h.helo.empty() && !EqualsIgnoreCase(h.helo, h.rdns)) o.reason += " (HELO " + h.helo + ")";
    if (i + 1 < hops.size()) o.reason += "; the Received lines below it are not trusted";
    origin = o;
    break;
  }
  if (!origin && last_public >= 0) {
    // The chain continued below the last public relay but no further public client exists:
    // the message was injected on that host (a local sender, a script, a compromised server).
    const Hop& h = hops[last_public];
    Origin o;
    o.ip = h.ip;
    o.hop = last_public;
    o.kind = "relay-client";
    o.rdns = h.rdns;
    o.helo = h.helo;
    o.confidence = "medium";
    o.reason = "message entered the network at " + Describe(h) +
               ": the hops below it are local or private to that host";
    origin = o;
  }
  for (size_t i = origin ? origin->hop + 1 : hops.size(); i < hops.size(); ++i)
    hops[i].trusted = false;
  if (origin && origin->hop >= 0) hops[origin->hop].trusted = true;
  // Webmail: the provider stamped the browser's address in a header of its own.
  if (origin) {
    for (const auto& oh : originating) {
      auto ip = IpAddress::Parse(oh.ip);
      if (!ip || !IsPublic(*ip) || oh.ip == origin->ip) continue;
      Origin w = *origin;
      w.kind = "webmail-client";
      w.reason = "sent through the provider at " + Describe(hops[origin->hop]) + " whose " +
                 oh.name + " header names the client " + ip->ToString() +
                 ": an account at that provider was used (compromised or abused); " + origin->reason;
      w.rdns = origin->rdns;
      origin = w;
      origin->client_ip = ip->ToString();
      break;
    }
    return origin;
  }
  *why = "every Received hop is local, private or trusted";
  return std::nullopt;
}

}  // namespace lapis::analysis
