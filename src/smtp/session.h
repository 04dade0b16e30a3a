// The SMTP (RFC 5321) and LMTP (RFC 2033) protocol of one connection, apart from the socket: bytes
// in, replies out. A message is handed to a Sink when its final "." arrives, and acknowledged only
// if the Sink made it durable. Every limit is a named constant or an option; hostile input gets an
// error reply, never unbounded memory. Not thread-safe: one Session per connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "smtp/router.h"

namespace lapis::smtp {

// A command line may hold this many octets, CRLF included (RFC 5321 4.5.3.1.4 allows extensions
// to go past 512; 1000 is the text-line limit of 4.5.3.1.6).
inline constexpr size_t kMaxCommandLine = 1000;
// A data line may be much longer than the RFC's 1000 octets (real spam is not polite); a message
// with a longer line is refused.
inline constexpr size_t kMaxDataLine = 1 << 20;
// Commands between two messages (and before the first); then the connection is closed.
inline constexpr int kMaxCommandsPerMessage = 300;
// Error replies in one connection; then the connection is closed.
inline constexpr int kMaxErrors = 20;
inline constexpr size_t kDefaultMaxMessageSize = 32 * 1024 * 1024;
inline constexpr size_t kDefaultMaxRecipients = 100;

enum class Protocol { kSmtp, kLmtp };
const char* ProtocolName(Protocol p);  // "smtp", "lmtp"

struct SessionOptions {
  Protocol protocol = Protocol::kSmtp;
  std::string hostname = "localhost";                // in the greeting and the EHLO reply
  size_t max_message_size = kDefaultMaxMessageSize;  // advertised as SIZE; more is refused with 552
  size_t max_recipients = kDefaultMaxRecipients;     // per transaction; more get 452
};

struct Recipient {
  std::string address;  // as given, without angle brackets
  std::string org;      // from the Router
};

// What is known about a message besides its bytes.
struct Envelope {
  Protocol protocol = Protocol::kSmtp;
  std::string peer_ip;
  std::string helo;
  std::string mail_from;  // "" for the null reverse-path <>
  std::vector<Recipient> recipients;
};

// Where accepted messages go. Must be thread-safe: every connection calls it.
class Sink {
 public:
  virtual ~Sink() = default;
  // Makes `bytes` durable for the organisation and returns the report id; an error makes the
  // session answer 451 (the sender retries).
  virtual Result<std::string> Deliver(const Envelope& envelope, const std::string& org,
                                      std::string_view bytes) = 0;
};

class Session {
 public:
  // `router` and `sink` are not owned and must outlive the session.
  Session(SessionOptions options, const Router* router, Sink* sink, std::string peer_ip);

  // The 220 greeting to send first.
  std::string Greeting() const;
  // Consumes bytes from the client (any split: partial lines are kept) and appends the replies to
  // `out`. After closed() the rest of the input is ignored.
  void Feed(std::string_view in, std::string* out);
  // The reply to send when the client stays silent too long, or the server stops; closes.
  std::string Timeout();
  std::string ShuttingDown();

  bool closed() const { return closed_; }
  bool in_data() const { return state_ == State::kData; }
  uint64_t accepted() const { return accepted_; }  // messages acknowledged with 250
  uint64_t rejected() const { return rejected_; }  // messages refused (size, line length, storage)

 private:
  enum class State { kCommand, kData };

  void CommandBytes(std::string_view in, size_t* pos, std::string* out);
  void DataBytes(std::string_view in, size_t* pos, std::string* out);
  void Command(std::string_view line, std::string* out);
  void Hello(std::string_view verb, std::string_view arg, std::string* out);
  void Mail(std::string_view arg, std::string* out);
  void Rcpt(std::string_view arg, std::string* out);
  void Data(std::string_view arg, std::string* out);
  void EndOfData(std::string* out);
  void ResetTransaction();
  // Appends a reply; 4xx/5xx count towards kMaxErrors unless `counted` is false.
  void Reply(std::string* out, std::string_view text, bool counted = true);
  void Close(std::string* out, std::string_view text);

  SessionOptions opt_;
  const Router* router_;
  Sink* sink_;
  Envelope env_;
  State state_ = State::kCommand;
  bool closed_ = false;
  bool greeted_ = false;
  bool in_transaction_ = false;  // after a successful MAIL
  int errors_ = 0;
  int commands_ = 0;
  uint64_t accepted_ = 0;
  uint64_t rejected_ = 0;

  // Command mode: the line read so far, and whether the rest of a too long line is skipped.
  std::string line_;
  bool skipping_line_ = false;

  // Data mode: the message so far (dot-unstuffed); the current line starts at line_start_.
  std::string message_;
  size_t line_start_ = 0;
  bool after_crlf_ = true;  // the previous data line ended with CRLF (or none yet)
  char last_byte_ = 0;      // last byte of the current data line seen so far
  std::string head_;        // its first three bytes, kept even when the message is not
  size_t line_length_ = 0;  // octets of the current data line, stored or not
  bool too_big_ = false;
  bool line_too_long_ = false;
};

}  // namespace lapis::smtp
