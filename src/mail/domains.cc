#include "mail/domains.h"

#include <idn2.h>
#include <libpsl.h>

#include <mutex>

#include "common/ip.h"
#include "common/strings.h"

namespace lapis::mail {
namespace {

constexpr size_t kMaxHostLength = 253;

const psl_ctx_t* Psl() {
  static const psl_ctx_t* ctx = [] {
    psl_ctx_t* c = psl_latest(nullptr);
    return c ? static_cast<const psl_ctx_t*>(c) : psl_builtin();
  }();
  return ctx;
}

bool AsciiHostChars(std::string_view h) {
  for (char c : h) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::string NormalizeHost(std::string_view host) {
  host = Trim(host);
  while (!host.empty() && host.back() == '.') host.remove_suffix(1);
  if (host.empty() || host.size() > kMaxHostLength * 4) return "";
  if (host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (auto ip = IpAddress::Parse(host)) return ip->ToString();
  std::string lower = ToLower(host);
  bool ascii = true;
  for (unsigned char c : lower) ascii = ascii && c < 0x80;
  if (!ascii) {
    char* out = nullptr;
    int rc = idn2_to_ascii_8z(lower.c_str(), &out, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
    if (rc != IDN2_OK) rc = idn2_to_ascii_8z(lower.c_str(), &out, IDN2_TRANSITIONAL);
    if (rc != IDN2_OK || !out) return "";
    lower = out;
    idn2_free(out);
  }
  if (lower.size() > kMaxHostLength || !AsciiHostChars(lower)) return "";
  if (lower.find("..") != std::string::npos || lower.front() == '.' || lower.front() == '-')
    return "";
  return lower;
}

std::string RegistrableDomain(std::string_view host) {
  if (host.empty() || IpAddress::Parse(host)) return "";
  std::string h(host);
  const char* rd = psl_registrable_domain(Psl(), h.c_str());
  return rd ? std::string(rd) : "";
}

bool HasKnownSuffix(std::string_view host) {
  size_t dot = host.rfind('.');
  if (dot == std::string_view::npos || dot + 1 >= host.size()) return false;
  std::string tld(host.substr(dot + 1));
  // psl_is_public_suffix2 with NO_STAR_RULE ignores the "*" fallback rule, so unknown TLDs fail.
  return psl_is_public_suffix2(Psl(), tld.c_str(), PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE) != 0;
}

}  // namespace lapis::mail
