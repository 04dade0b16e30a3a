#include "analysis/personal.h"

#include "common/json_writer.h"
#include "common/strings.h"

namespace lapis::analysis {
namespace {

bool OnlyRecipientSources(const std::vector<std::string>& sources) {
  for (const auto& s : sources)
    if (s != "to" && s != "cc") return false;
  return !sources.empty();
}

}  // namespace

// Replaces every occurrence of `addr` (case-insensitive) in `text`.
void Redact(std::string* text, const std::string& addr) {
  if (addr.size() < 3) return;
  for (size_t pos = 0; (pos = FindIgnoreCase(*text, addr, pos)) != std::string::npos;) {
    text->replace(pos, addr.size(), "(recipient)");
    pos += 11;
  }
}

std::string TakePersonalData(Report* r) {
  // Recipient addresses also stand in the raw Received lines ("for <anna@example.org>").
  std::vector<std::string> recipients;
  for (const auto& m : r->headers.to) recipients.push_back(m.address);
  for (const auto& m : r->headers.cc) recipients.push_back(m.address);
  for (const auto& hop : r->received) recipients.push_back(hop.for_addr);
  if (r->wrapper)
    for (const auto& a : r->wrapper->original_rcpt_to) recipients.push_back(a);
  for (auto& hop : r->received)
    for (const auto& a : recipients) Redact(&hop.raw, a);
  JsonWriter w;
  w.BeginObject();
  auto mailboxes = [&](const char* key, std::vector<Mailbox>* v) {
    if (v->empty()) return;
    w.Key(key).BeginArray();
    for (const auto& m : *v) {
      w.BeginObject();
      w.Key("name").StringOrNull(m.name);
      w.Key("address").StringOrNull(m.address);
      w.EndObject();
    }
    w.EndArray();
    v->clear();
  };
  mailboxes("to", &r->headers.to);
  mailboxes("cc", &r->headers.cc);
  bool any_for = false;
  for (auto& hop : r->received) {
    if (hop.for_addr.empty()) continue;
    if (!any_for) w.Key("received_for").BeginArray();
    any_for = true;
    w.String(hop.for_addr);
    hop.for_addr.clear();
  }
  if (any_for) w.EndArray();
  if (r->wrapper) {
    if (!r->wrapper->outer_from.empty()) {
      w.Key("reporter").String(r->wrapper->outer_from);
      r->wrapper->outer_from.clear();
    }
    if (!r->wrapper->original_rcpt_to.empty()) {
      w.Key("original_rcpt_to").BeginArray();
      for (const auto& a : r->wrapper->original_rcpt_to) w.String(a);
      w.EndArray();
      r->wrapper->original_rcpt_to.clear();
    }
  }
  std::vector<EmailIndicator> kept;
  bool any_email = false;
  for (auto& e : r->indicators.emails) {
    if (!OnlyRecipientSources(e.sources)) {
      kept.push_back(std::move(e));
      continue;
    }
    if (!any_email) w.Key("recipient_emails").BeginArray();
    any_email = true;
    w.String(e.address);
  }
  if (any_email) w.EndArray();
  r->indicators.emails = std::move(kept);
  if (r->sms && !r->sms->reporter_number.empty()) {
    w.Key("reporter_number").String(r->sms->reporter_number);
    r->sms->reporter_number.clear();
  }
  w.EndObject();
  return w.Take();
}

}  // namespace lapis::analysis
