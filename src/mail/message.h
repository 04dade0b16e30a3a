// A parsed e-mail message: decoded headers, a flat list of MIME leaves, and the defects met on
// the way. Parsing is done by GMime; this module names the limits and turns GMime's warnings and
// our own into defects. Hostile input is data: ParseMessage never fails, it returns its best model.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lapis::mail {

inline constexpr int kMaxMimeDepth = 32;              // deeper parts are not descended into
inline constexpr size_t kMaxParts = 1024;             // leaves beyond this are skipped
inline constexpr size_t kMaxHeaders = 1000;           // top-level header fields kept
inline constexpr size_t kMaxHeaderLength = 64 * 1024;  // longer header values are cut
inline constexpr size_t kMaxTextPerPart = 4 * 1024 * 1024;  // decoded text kept per part
inline constexpr size_t kMaxEmbeddedMessages = 16;    // message/rfc822 parts whose raw bytes are kept

struct Defect {
  std::string code;    // stable kebab-case name, e.g. "mime-nesting-too-deep"
  std::string detail;  // human-readable, may be empty
};

struct Header {
  std::string name;
  std::string value;  // unfolded raw value, leading/trailing whitespace removed, 8-bit kept as is
};

struct Part {
  std::string content_type;  // lower-case "type/subtype"
  std::string charset;       // declared charset, lower-case, may be empty
  std::string filename;      // decoded (RFC 2047/2231), may be empty
  std::string content_id;
  bool attachment = false;   // Content-Disposition: attachment, or a filename on a non-text part
  bool inline_text = false;  // text/plain or text/html that is part of the body
  int depth = 0;
  size_t size = 0;           // decoded size in bytes
  std::string text;          // text parts: decoded to valid UTF-8
  std::string data;          // other leaves: decoded bytes
};

struct Mailbox {
  std::string name;     // decoded display name
  std::string address;  // addr-spec, as written (not lower-cased)
};

struct Message {
  std::vector<Header> headers;  // top-level header fields in order
  std::vector<Part> parts;      // leaves, depth-first, in document order
  std::vector<std::string> embedded;  // raw bytes of message/rfc822 parts, outermost first
  std::vector<std::string> embedded_headers_only;  // text/rfc822-headers parts (ARF, DSN)
  std::vector<Defect> defects;
  std::string top_content_type;  // lower-case type/subtype of the top-level entity
  std::string report_type;       // multipart/report's report-type parameter, lower-case

  // First header with this name (case-insensitive), or nullptr.
  const Header* Find(std::string_view name) const;
  std::vector<const Header*> FindAll(std::string_view name) const;
};

// Parses raw RFC 5322 bytes. Never fails; problems are recorded in Message::defects.
// Thread-safe (GMime is initialised once on first use).
Message ParseMessage(std::string_view raw);

// Decodes an unstructured header value (RFC 2047, raw 8-bit via `fallback_charset` then UTF-8 and
// windows-1252) to valid UTF-8 with whitespace collapsed.
std::string DecodeHeaderText(std::string_view raw, std::string_view fallback_charset = "");

// Parses an address-list header (From, To, Cc, ...). Groups are flattened.
std::vector<Mailbox> ParseAddressList(std::string_view raw, std::string_view fallback_charset = "");

// Parses an RFC 5322 date (and the usual deviations) to seconds since the epoch, UTC.
std::optional<int64_t> ParseDate(std::string_view raw);
// Same; `repaired` says how a malformed date was read ("" when it was well-formed).
std::optional<int64_t> ParseDate(std::string_view raw, std::string* repaired);

// Makes GMime ready; called by ParseMessage, exposed for programs that use GMime directly.
void InitGMime();

}  // namespace lapis::mail
