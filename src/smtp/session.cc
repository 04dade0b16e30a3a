#include "smtp/session.h"

#include <charconv>
#include <map>

#include "common/strings.h"

namespace lapis::smtp {
namespace {

// Splits "<path> PARAMS" into the address inside the angle brackets (quotes respected, a source
// route dropped) and the parameters. Without brackets the first word is the address.
bool ParsePath(std::string_view text, std::string* address, std::string_view* params) {
  std::string_view path;
  if (!text.empty() && text.front() == '<') {
    bool quoted = false;
    size_t i = 1;
    for (; i < text.size(); ++i) {
      char c = text[i];
      if (quoted && c == '\\')
        ++i;
      else if (c == '"')
        quoted = !quoted;
      else if (!quoted && c == '>')
        break;
    }
    if (i >= text.size()) return false;
    path = text.substr(1, i - 1);
    *params = text.substr(i + 1);
    if (!params->empty() && params->front() != ' ') return false;
  } else {
    size_t sp = text.find(' ');
    path = text.substr(0, sp);
    *params = sp == std::string_view::npos ? std::string_view() : text.substr(sp);
  }
  if (!path.empty() && path.front() == '@') {  // source route: @a,@b:user@domain
    size_t colon = path.find(':');
    if (colon == std::string_view::npos) return false;
    path = path.substr(colon + 1);
  }
  for (char c : path)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  *params = Trim(*params);
  address->assign(path);
  return true;
}

bool ParseSize(std::string_view v, uint64_t* n) {
  if (v.empty() || v.size() > 20) return false;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), *n);
  return ec == std::errc() && p == v.data() + v.size();
}

}  // namespace

const char* ProtocolName(Protocol p) { return p == Protocol::kLmtp ? "lmtp" : "smtp"; }

Session::Session(SessionOptions options, const Router* router, Sink* sink, std::string peer_ip)
    : opt_(std::move(options)), router_(router), sink_(sink) {
  env_.protocol = opt_.protocol;
  env_.peer_ip = std::move(peer_ip);
}

std::string Session::Greeting() const {
  return "220 " + opt_.hostname + (opt_.protocol == Protocol::kLmtp ? " LMTP" : " ESMTP") +
         " Lapis\r\n";
}

std::string Session::Timeout() {
  closed_ = true;
  return "421 4.4.2 " + opt_.hostname + " Timeout exceeded, closing connection\r\n";
}

std::string Session::ShuttingDown() {
  closed_ = true;
  return "421 4.3.2 " + opt_.hostname + " Service shutting down, try again later\r\n";
}

void Session::Feed(std::string_view in, std::string* out) {
  size_t pos = 0;
  while (pos < in.size() && !closed_) {
    if (state_ == State::kData)
      DataBytes(in, &pos, out);
    else
      CommandBytes(in, &pos, out);
  }
}

void Session::Reply(std::string* out, std::string_view text, bool counted) {
  if (closed_) return;
  out->append(text).append("\r\n");
  if (counted && (text.front() == '4' || text.front() == '5') && ++errors_ >= kMaxErrors)
    Close(out, "421 4.7.0 Too many errors, closing connection");
}

void Session::Close(std::string* out, std::string_view text) {
  out->append(text).append("\r\n");
  closed_ = true;
}

void Session::CommandBytes(std::string_view in, size_t* pos, std::string* out) {
  size_t lf = in.find('\n', *pos);
  size_t end = lf == std::string_view::npos ? in.size() : lf;
  std::string_view piece = in.substr(*pos, end - *pos);
  *pos = lf == std::string_view::npos ? in.size() : lf + 1;
  if (skipping_line_) {
    skipping_line_ = lf == std::string_view::npos;
    return;
  }
  if (line_.size() + piece.size() + 1 > kMaxCommandLine) {
    line_.clear();
    skipping_line_ = lf == std::string_view::npos;
    Reply(out, "500 5.5.2 Line too long");
    return;
  }
  line_.append(piece);
  if (lf == std::string_view::npos) return;
  std::string line = std::move(line_);
  line_.clear();
  if (!line.empty() && line.back() == '\r') line.pop_back();
  Command(line, out);
}

void Session::Command(std::string_view line, std::string* out) {
  if (++commands_ > kMaxCommandsPerMessage)
    return Close(out, "421 4.7.0 Too many commands, closing connection");
  size_t sp = line.find(' ');
  std::string_view verb = line.substr(0, sp);
  std::string_view arg =
      sp == std::string_view::npos ? std::string_view() : Trim(line.substr(sp + 1));
  auto is = [&](const char* v) { return EqualsIgnoreCase(verb, v); };
  if (is("EHLO") || is("HELO") || is("LHLO")) return Hello(verb, arg, out);
  if (is("MAIL")) return Mail(arg, out);
  if (is("RCPT")) return Rcpt(arg, out);
  if (is("DATA")) return Data(arg, out);
  if (is("RSET")) {
    if (!arg.empty()) return Reply(out, "501 5.5.4 Syntax: RSET");
    ResetTransaction();
    return Reply(out, "250 2.0.0 Ok");
  }
  if (is("NOOP")) return Reply(out, "250 2.0.0 Ok");
  if (is("QUIT")) return Close(out, "221 2.0.0 Bye");
  if (is("VRFY")) {
    if (arg.empty()) return Reply(out, "501 5.5.4 Syntax: VRFY address");
    return Reply(out, "252 2.5.2 Cannot verify the address, but will accept a message for it");
  }
  if (is("HELP")) {
    return Reply(out, std::string("214 2.0.0 Commands: ") +
                          (opt_.protocol == Protocol::kLmtp ? "LHLO" : "EHLO HELO") +
                          " MAIL RCPT DATA RSET NOOP QUIT VRFY HELP");
  }
  if (is("STARTTLS") || is("AUTH") || is("BDAT") || is("EXPN") || is("ETRN") || is("TURN") ||
      is("ATRN"))
    return Reply(out, "502 5.5.1 Command not implemented");
  Reply(out, "500 5.5.2 Command unrecognized");
}

void Session::Hello(std::string_view verb, std::string_view arg, std::string* out) {
  bool lmtp = opt_.protocol == Protocol::kLmtp;
  if (lmtp != EqualsIgnoreCase(verb, "LHLO"))
    return Reply(out, lmtp ? "500 5.5.1 This is LMTP: say LHLO" : "500 5.5.2 Command unrecognized");
  if (arg.empty()) return Reply(out, "501 5.5.4 Syntax: " + std::string(verb) + " hostname");
  ResetTransaction();
  env_.helo.assign(arg);
  greeted_ = true;
  if (EqualsIgnoreCase(verb, "HELO")) return Reply(out, "250 " + opt_.hostname);
  Reply(out, "250-" + opt_.hostname + "\r\n250-PIPELINING\r\n250-SIZE " +
                 std::to_string(opt_.max_message_size) +
                 "\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n250 SMTPUTF8");
}

void Session::Mail(std::string_view arg, std::string* out) {
  if (!greeted_)
    return Reply(out, opt_.protocol == Protocol::kLmtp ? "503 5.5.1 Send LHLO first"
                                                       : "503 5.5.1 Send EHLO first");
  if (in_transaction_) return Reply(out, "503 5.5.1 Nested MAIL command");
  if (!StartsWithIgnoreCase(arg, "FROM:"))
    return Reply(out, "501 5.5.4 Syntax: MAIL FROM:<address>");
  std::string address;
  std::string_view params;
  if (!ParsePath(Trim(arg.substr(5)), &address, &params))
    return Reply(out, "501 5.1.7 Bad sender address syntax");
  std::string copy(params);
  for (std::string_view p : Split(copy, ' ')) {
    if (p.empty()) continue;
    size_t eq = p.find('=');
    std::string_view key = p.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view() : p.substr(eq + 1);
    if (EqualsIgnoreCase(key, "SIZE")) {
      uint64_t n = 0;
      if (!ParseSize(value, &n)) return Reply(out, "501 5.5.4 Bad SIZE parameter");
      if (n > opt_.max_message_size) {
        ++rejected_;
        return Reply(out, "552 5.3.4 Message size exceeds fixed maximum message size");
      }
    } else if (EqualsIgnoreCase(key, "BODY")) {
      if (!EqualsIgnoreCase(value, "7BIT") && !EqualsIgnoreCase(value, "8BITMIME"))
        return Reply(out, "501 5.5.4 Bad BODY parameter");
    } else if (EqualsIgnoreCase(key, "SMTPUTF8")) {
      if (eq != std::string_view::npos) return Reply(out, "501 5.5.4 Bad SMTPUTF8 parameter");
    } else {
      return Reply(out, "555 5.5.4 Unsupported parameter");
    }
  }
  env_.mail_from = std::move(address);
  in_transaction_ = true;
  Reply(out, "250 2.1.0 Ok");
}

void Session::Rcpt(std::string_view arg, std::string* out) {
  if (!in_transaction_) return Reply(out, "503 5.5.1 Need MAIL command");
  if (!StartsWithIgnoreCase(arg, "TO:")) return Reply(out, "501 5.5.4 Syntax: RCPT TO:<address>");
  std::string address;
  std::string_view params;
  if (!ParsePath(Trim(arg.substr(3)), &address, &params) || address.empty())
    return Reply(out, "501 5.1.3 Bad recipient address syntax");
  if (!params.empty()) return Reply(out, "555 5.5.4 Unsupported parameter");
  // Not an error of the client's: it sends the rest in another transaction.
  if (env_.recipients.size() >= opt_.max_recipients)
    return Reply(out, "452 4.5.3 Too many recipients", false);
  auto org = router_->Find(address);
  if (!org) return Reply(out, "550 5.1.1 Recipient address unknown");
  env_.recipients.push_back({std::move(address), std::move(*org)});
  Reply(out, "250 2.1.5 Ok");
}

void Session::Data(std::string_view arg, std::string* out) {
  if (!arg.empty()) return Reply(out, "501 5.5.4 Syntax: DATA");
  if (!in_transaction_) return Reply(out, "503 5.5.1 Need MAIL command");
  if (env_.recipients.empty())
    return Reply(out, opt_.protocol == Protocol::kLmtp ? "503 5.5.1 No valid recipients"
                                                       : "554 5.5.1 No valid recipients");
  state_ = State::kData;
  message_.clear();
  line_start_ = 0;
  after_crlf_ = true;
  last_byte_ = 0;
  line_length_ = 0;
  head_.clear();
  too_big_ = false;
  line_too_long_ = false;
  Reply(out, "354 End data with <CR><LF>.<CR><LF>");
}

// Lines end at LF. Only a line that is exactly ".\r\n" after a line ending in CRLF ends the data,
// and only such lines are dot-unstuffed: a bare LF never starts an SMTP line.
void Session::DataBytes(std::string_view in, size_t* pos, std::string* out) {
  while (*pos < in.size()) {
    size_t lf = in.find('\n', *pos);
    size_t end = lf == std::string_view::npos ? in.size() : lf + 1;
    std::string_view piece = in.substr(*pos, end - *pos);
    *pos = end;
    head_.append(piece.substr(0, 3 - head_.size()));
    line_length_ += piece.size();
    if (line_length_ > kMaxDataLine && !line_too_long_) {
      line_too_long_ = true;
      message_ = std::string();
    }
    bool storing = !too_big_ && !line_too_long_;
    if (storing) message_.append(piece);
    if (lf == std::string_view::npos) {
      last_byte_ = piece.back();
      continue;
    }
    bool crlf = piece.size() >= 2 ? piece[piece.size() - 2] == '\r' : last_byte_ == '\r';
    if (after_crlf_ && line_length_ == 3 && head_ == ".\r\n") {
      if (storing) message_.resize(line_start_);
      EndOfData(out);
      return;
    }
    if (storing && after_crlf_ && head_.front() == '.') message_.erase(line_start_, 1);
    after_crlf_ = crlf;
    last_byte_ = 0;
    line_length_ = 0;
    head_.clear();
    if (storing && message_.size() > opt_.max_message_size) {
      too_big_ = true;
      message_ = std::string();
    }
    line_start_ = message_.size();
  }
}

void Session::EndOfData(std::string* out) {
  state_ = State::kCommand;
  commands_ = 0;
  bool lmtp = opt_.protocol == Protocol::kLmtp;
  std::string refusal;
  if (line_too_long_)
    refusal =
        "554 5.6.0 Message has a line longer than " + std::to_string(kMaxDataLine) + " octets";
  else if (too_big_)
    refusal = "552 5.3.4 Message size exceeds fixed maximum message size";
  else if (message_.empty())
    refusal = "554 5.6.0 Message is empty";
  if (!refusal.empty()) {
    ++rejected_;
    for (size_t i = 0; i < (lmtp ? env_.recipients.size() : 1); ++i) Reply(out, refusal, i == 0);
  } else {
    // One submission per organisation, however many of its addresses the message was sent to.
    std::map<std::string, Result<std::string>> stored;
    for (const auto& r : env_.recipients)
      if (!stored.count(r.org)) stored.emplace(r.org, sink_->Deliver(env_, r.org, message_));
    size_t ok = 0;
    for (const auto& [org, id] : stored) ok += id.has_value();
    // SMTP acknowledges the message only when every organisation has it; LMTP per recipient.
    if (lmtp ? ok > 0 : ok == stored.size())
      ++accepted_;
    else
      ++rejected_;
    const char* kRetry = "451 4.3.0 Cannot store the message now, try again later";
    if (lmtp) {
      for (const auto& r : env_.recipients) {
        const auto& id = stored.at(r.org);
        Reply(out,
              id ? "250 2.0.0 <" + r.address + "> Ok: stored as " + *id
                 : "451 4.3.0 <" + r.address + "> Cannot store the message now, try again later",
              false);
      }
    } else if (ok == stored.size()) {
      Reply(out, "250 2.0.0 Ok: stored as " + *stored.begin()->second);
    } else {
      Reply(out, kRetry, false);
    }
  }
  message_ = std::string();
  ResetTransaction();
}

void Session::ResetTransaction() {
  in_transaction_ = false;
  env_.mail_from.clear();
  env_.recipients.clear();
}

}  // namespace lapis::smtp
