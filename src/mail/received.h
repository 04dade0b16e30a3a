// Parser for one Received header field (RFC 5321 section 4.4 and the forms real MTAs write).
// A pure function from the unfolded header value to a struct; thread-safe, never throws.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lapis::mail {

// Inputs longer than this are parsed only up to the limit and flagged `truncated`.
inline constexpr size_t kMaxReceivedLength = 4096;

struct ReceivedHop {
  std::string helo;      // name the client gave in HELO/EHLO ("from X"), as written
  std::string rdns;      // reverse-DNS name the receiving host recorded for the client, if any
  std::string ip;        // the client's IP as recorded by the receiver (in brackets or parentheses;
                         // bare after "from" only for HTTP webmail stamps); "" if none
  std::string by;        // the receiving host ("by X")
  std::string by_ip;     // the receiving host's own address when the stamp gives it ("by X (ip)")
  std::string protocol;  // "with X" (SMTP, ESMTP, ESMTPS, ESMTPSA, LMTP, HTTP, local, ...)
  std::string id;        // "id X"
  std::string for_addr;  // "for <X>" without angle brackets
  std::optional<int64_t> time;  // the date after ';' as seconds since the epoch, UTC
  bool authenticated = false;   // ESMTPA/ESMTPSA/LMTPA, "authenticated", (Authenticated sender: ...)
  bool tls = false;             // ESMTPS/ESMTPSA/UTF8SMTPS, "using TLS", "(version=TLS...)"
  bool local = false;           // no network client: "from userid N by ...", "with local", qmail "invoked by"
  bool truncated = false;       // input exceeded kMaxReceivedLength
  bool parsed = false;          // at least "from" or "by" was recognised
};

// Parses the unfolded value of one Received header (without the "Received:" name).
ReceivedHop ParseReceived(std::string_view value);

}  // namespace lapis::mail
