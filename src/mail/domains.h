// Host names: normalisation (lower-case, IDN to punycode) and the registrable domain from the
// Public Suffix List (libpsl with Debian's publicsuffix data). Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace lapis::mail {

// Lower-cases, strips a trailing dot, converts IDN labels to punycode. "" if not a plausible host.
std::string NormalizeHost(std::string_view host);

// Registrable domain ("example.co.uk" for "a.b.example.co.uk"), or "" for a public suffix, an IP
// literal or an invalid name. Input must be normalised.
std::string RegistrableDomain(std::string_view host);

// True when the last label is a known public suffix (rejects "foo.bar" typos and file names).
bool HasKnownSuffix(std::string_view host);

}  // namespace lapis::mail
