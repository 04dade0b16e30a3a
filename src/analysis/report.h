// The analysis of one complaint (an e-mail or an SMS): what `lapis analyze` prints, one per line,
// and what the node stores. The JSON form is documented in docs/analysis.md and
// docs/analysis.schema.json; report_json.h converts.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mail/message.h"

namespace lapis::analysis {

using mail::Defect;
using mail::Mailbox;

struct IpInfo {  // enrichment of an IP address
  uint32_t asn = 0;     // 0 when unknown
  std::string as_org;
  std::string country;  // ISO 3166-1 alpha-2, "" when unknown
};

struct Headers {
  std::string subject;
  std::optional<Mailbox> from;
  std::vector<Mailbox> to, cc, reply_to;
  std::string return_path;
  std::optional<int64_t> date;
  std::string date_raw;  // not serialised; the defect detail when the date is unreadable
  std::string message_id;
  std::string mailer;
  std::vector<std::string> list_unsubscribe;  // URIs without angle brackets
};

struct Hop {
  std::string helo, rdns, ip, by, by_ip, protocol, id, for_addr;
  std::optional<int64_t> time;
  bool authenticated = false, tls = false, local = false;
  bool trusted = false;  // the receiving side ("by") of this hop is a trusted relay
  std::string raw;       // the header value, cut at 1,000 bytes
};

struct Origin {
  std::string ip;
  int hop = -1;            // index into `received`, top first; -1 when not from a Received line
  std::string kind;        // "relay-client", "webmail-client", "authenticated-submission"
  std::string confidence;  // "high", "medium", "low"
  std::string reason;
  std::string rdns, helo;
  std::string client_ip;  // webmail-client: the browser's IP from the provider's header
  IpInfo info;
};

struct IpIndicator {
  std::string ip;
  std::vector<std::string> sources;  // "received", "originating-header", "url", "arf"
  std::string range;                 // special-purpose range name, "" when global
  IpInfo info;
};

struct DomainIndicator {
  std::string host;
  std::string registrable;
  std::vector<std::string> sources;  // "url", "from", "reply-to", "return-path", "to", "cc",
                                     // "body", "message-id", "list-unsubscribe", "dkim"
};

struct UrlIndicator {
  std::string url;
  std::string host;
  std::string registrable;
  std::string source;        // "text", "html", "html-form", "html-image", ...
  std::string display_text;  // link text when it shows a different domain than the href
  bool deobfuscated = false;
  std::vector<std::string> flags;  // "ip-host", "userinfo", "text-mismatch", "shortener", "punycode",
                                   // "non-standard-port", "deobfuscated", "truncated"
};

struct EmailIndicator {
  std::string address;  // lower-cased
  std::vector<std::string> sources;  // "from", "reply-to", "return-path", "body", "to", ...
};

struct PhoneIndicator {
  std::string number;  // E.164 ("+447700900123") when a country could be inferred, else digits
  bool e164 = false;
  std::string country;  // region code of the number
  std::string raw;
  std::string source;   // "body", "sms-sender", "subject"
};

struct PaymentIndicator {
  std::string type;   // "bitcoin", "ethereum", "monero", "litecoin", "iban"
  std::string value;
};

struct AttachmentIndicator {
  std::string filename;
  std::string declared_type;
  std::string detected_type;
  uint64_t size = 0;
  std::string sha256;
  std::vector<std::string> flags;  // "executable", "macro", "archive-with-executable",
                                   // "double-extension", "type-mismatch", "encrypted-archive",
                                   // "html-attachment", "script", "disk-image", "shortcut"
  std::vector<std::string> archive_entries;  // names inside an archive (first 50)
};

struct Indicators {
  std::vector<IpIndicator> ips;
  std::vector<DomainIndicator> domains;
  std::vector<UrlIndicator> urls;
  std::vector<EmailIndicator> emails;
  std::vector<PhoneIndicator> phones;
  std::vector<PaymentIndicator> payments;
  std::vector<AttachmentIndicator> attachments;
};

struct AuthResult {
  std::string authserv_id;
  std::string method;  // "spf", "dkim", "dmarc", "arc", ...
  std::string result;  // "pass", "fail", "softfail", "neutral", "none", "temperror", "permerror"
  std::map<std::string, std::string> properties;  // "header.d", "smtp.mailfrom", ...
};

struct Authentication {
  std::vector<AuthResult> results;   // from Authentication-Results (RFC 8601)
  std::string received_spf;          // result word of the topmost Received-SPF
  std::vector<std::pair<std::string, std::string>> dkim_signatures;  // (d=, s=)
  bool arc = false;
  std::string from_domain, return_path_domain;
  bool return_path_aligned = false;  // organisational domains of From and Return-Path match
  bool dkim_aligned = false;         // some DKIM d= aligns with From
  std::string spf, dkim, dmarc;      // verdicts of the topmost trusted Authentication-Results
};

struct Classification {
  std::string category = "unknown";
  double score = 0;  // 0..1, confidence in the category
  std::vector<std::string> reasons;
  std::map<std::string, double> scores;  // raw score per category
};

struct Fingerprint {
  std::string body_hash;            // SHA-256 of the normalised body, hex
  std::vector<uint32_t> minhash;    // kMinHashSize values over normalised body shingles
  std::vector<std::string> bands;   // LSH band keys (hex), for indexed clustering
  std::string subject_hash;         // SHA-256 of the normalised subject, first 16 hex digits
  size_t shingles = 0;
};

struct Wrapper {
  std::string type;  // "arf", "attached-message"
  std::string feedback_type, user_agent, version, source_ip, arrival_date, original_mail_from,
      reported_domain, reported_uri, incidents;
  std::vector<std::string> original_rcpt_to;
  bool headers_only = false;  // ARF carried only text/rfc822-headers
  std::string outer_from, outer_subject;
  std::optional<int64_t> outer_date;
  std::string outer_sha256;  // the inner message's own hash is Report::inner_sha256
};

struct SmsInfo {
  std::string sender;
  std::string sender_type;  // "phone", "shortcode", "alphanumeric"
  std::optional<int64_t> time;
  std::string reporter_country, reporter_number;
};

struct Report {
  std::string kind = "email";  // "email" or "sms"
  std::string id;              // SHA-256 of the raw bytes as submitted
  uint64_t size = 0;
  std::string source_path;
  int64_t source_index = -1;
  std::string inner_sha256;  // when a wrapper was opened: hash of the analysed inner message
  std::optional<Wrapper> wrapper;
  std::optional<SmsInfo> sms;
  Headers headers;
  std::vector<Hop> received;
  std::optional<Origin> origin;
  Indicators indicators;
  Authentication authentication;
  Classification classification;
  std::string language;
  Fingerprint fingerprint;
  std::vector<Defect> defects;
  // Not serialised; used by later stages and by the classifier.
  double language_confidence = 0;
  std::string body_text;  // visible text of the body (plain and HTML), bounded
  std::string html_title;
  bool html_form = false, html_password = false, html_script = false, html_hidden = false;
};

}  // namespace lapis::analysis
