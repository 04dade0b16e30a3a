#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include "common/sha256.h"
#include "smtp/intake_sink.h"
#include "smtp/listener.h"
#include "smtp/session.h"
#include "store/sqlite/sqlite_store.h"

namespace lapis::smtp {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Records what it is given; fails for the organisations named in `failing`.
class FakeSink : public Sink {
 public:
  struct Delivery {
    Envelope envelope;
    std::string org;
    std::string bytes;
  };
  Result<std::string> Deliver(const Envelope& e, const std::string& org,
                              std::string_view bytes) override {
    std::lock_guard<std::mutex> l(mu);
    if (failing.count(org)) return Fail(Status::IoError("disk full"));
    got.push_back({e, org, std::string(bytes)});
    return Sha256Hex(bytes);
  }
  std::mutex mu;
  std::vector<Delivery> got;
  std::set<std::string> failing;
};

const Router& TestRouter() {
  static const Router r = *Router::Parse({"spam@agency.example=agency-a", "*@b.example=agency-b"});
  return r;
}

// The reply codes in `out`, one per reply (continuation lines of a multi-line reply skipped).
std::vector<std::string> Codes(const std::string& out) {
  std::vector<std::string> codes;
  size_t pos = 0;
  while (pos < out.size()) {
    size_t end = out.find("\r\n", pos);
    if (end == std::string::npos) end = out.size();
    std::string line = out.substr(pos, end - pos);
    if (line.size() >= 4 && line[3] == ' ')
      codes.push_back(line.substr(0, 3));
    else if (line.size() == 3)
      codes.push_back(line);
    pos = end + 2;
  }
  return codes;
}

using V = std::vector<std::string>;

struct Harness {
  FakeSink sink;
  SessionOptions opt;
  std::unique_ptr<Session> session;
  explicit Harness(Protocol p = Protocol::kSmtp, size_t max_size = 1000, size_t max_rcpt = 3) {
    opt.protocol = p;
    opt.hostname = "node.example";
    opt.max_message_size = max_size;
    opt.max_recipients = max_rcpt;
    session = std::make_unique<Session>(opt, &TestRouter(), &sink, "192.0.2.7");
  }
  std::string Feed(std::string_view in) {
    std::string out;
    session->Feed(in, &out);
    return out;
  }
  // Feeds one byte at a time: replies must not depend on how the input is split.
  std::string FeedBytewise(std::string_view in) {
    std::string out;
    for (char c : in) session->Feed(std::string_view(&c, 1), &out);
    return out;
  }
};

const char kMessage[] =
    "From: deals@shop.example\r\nTo: spam@agency.example\r\nSubject: Cheap watches\r\n\r\n"
    "Buy now.\r\n";

TEST(SmtpSession, GreetingAndEhloAdvertiseTheExtensions) {
  Harness h;
  EXPECT_EQ(h.session->Greeting(), "220 node.example ESMTP Lapis\r\n");
  std::string out = h.Feed("EHLO client.example\r\n");
  EXPECT_EQ(out,
            "250-node.example\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250-8BITMIME\r\n"
            "250-ENHANCEDSTATUSCODES\r\n250 SMTPUTF8\r\n");
  EXPECT_EQ(h.Feed("HELO client.example\r\n"), "250 node.example\r\n");
  EXPECT_EQ(Codes(h.Feed("LHLO client.example\r\n")), V{"500"});
}

TEST(SmtpSession, MessageIsDeliveredDotUnstuffedWithItsEnvelope) {
  Harness h;
  std::string out = h.Feed(
      "EHLO client.example\r\nMAIL FROM:<Reporter@Example.org> SIZE=100 BODY=8BITMIME\r\n"
      "RCPT TO:<spam@agency.example>\r\nDATA\r\n");
  EXPECT_EQ(Codes(out), (V{"250", "250", "250", "354"}));
  out = h.Feed("Subject: dots\r\n\r\n..leading dot\r\n...\r\n.\r\n");
  std::string want = "Subject: dots\r\n\r\n.leading dot\r\n..\r\n";
  EXPECT_EQ(out, "250 2.0.0 Ok: stored as " + Sha256Hex(want) + "\r\n");
  ASSERT_EQ(h.sink.got.size(), 1u);
  EXPECT_EQ(h.sink.got[0].bytes, want);
  EXPECT_EQ(h.sink.got[0].org, "agency-a");
  EXPECT_EQ(h.sink.got[0].envelope.mail_from, "Reporter@Example.org");
  EXPECT_EQ(h.sink.got[0].envelope.helo, "client.example");
  EXPECT_EQ(h.sink.got[0].envelope.peer_ip, "192.0.2.7");
  EXPECT_EQ(h.session->accepted(), 1u);
  // The session is ready for the next message.
  EXPECT_EQ(Codes(h.Feed("MAIL FROM:<>\r\nRCPT TO:<x@b.example>\r\nDATA\r\n")),
            (V{"250", "250", "354"}));
  EXPECT_EQ(Codes(h.Feed(std::string(kMessage) + ".\r\n")), V{"250"});
  EXPECT_EQ(h.sink.got.back().org, "agency-b");
  EXPECT_EQ(h.sink.got.back().envelope.mail_from, "");
}

TEST(SmtpSession, RepliesDoNotDependOnHowTheInputIsSplit) {
  const std::string input =
      std::string(
          "EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<spam@agency.example>\r\nDATA\r\n") +
      "x\r\n..y\r\n.\r\nQUIT\r\n";
  Harness whole, bytewise;
  std::string a = whole.Feed(input), b = bytewise.FeedBytewise(input);
  EXPECT_EQ(a, b);
  EXPECT_EQ(Codes(a), (V{"250", "250", "250", "354", "250", "221"}));
  ASSERT_EQ(bytewise.sink.got.size(), 1u);
  EXPECT_EQ(bytewise.sink.got[0].bytes, "x\r\n.y\r\n");
  EXPECT_TRUE(bytewise.session->closed());
}

TEST(SmtpSession, OnlyCrLfDotCrLfEndsTheData) {
  Harness h;
  h.Feed("EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<spam@agency.example>\r\nDATA\r\n");
  // Bare LF and bare CR around a dot are data, not the end (no SMTP smuggling).
  std::string body = "a\n.\nb\n.\r\nc\r.\r\nd\r\n";
  EXPECT_EQ(h.Feed(body), "");
  EXPECT_EQ(h.Feed(".\n"), "");  // after CRLF: an unstuffed line, not the end
  EXPECT_EQ(h.Feed("e\r\n"), "");
  EXPECT_TRUE(h.session->in_data());
  EXPECT_EQ(Codes(h.Feed(".\r\n")), V{"250"});
  EXPECT_EQ(h.sink.got.at(0).bytes, body + "\ne\r\n");
}

TEST(SmtpSession, PipelinedCommandsAreAnsweredInOrder) {
  Harness h;
  std::string out = h.Feed(
      "EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<nobody@agency.example>\r\nRCPT "
      "TO:<spam@agency.example>\r\n"
      "RCPT TO:<SPAM@AGENCY.EXAMPLE>\r\nDATA\r\n");
  EXPECT_EQ(Codes(out), (V{"250", "250", "550", "250", "250", "354"}));
  EXPECT_NE(out.find("550 5.1.1 "), std::string::npos);
  out = h.Feed(std::string(kMessage) + ".\r\nRSET\r\nNOOP\r\nQUIT\r\nNOOP\r\n");
  EXPECT_EQ(Codes(out), (V{"250", "250", "250", "221"}));
  EXPECT_EQ(h.sink.got.size(), 1u);  // two addresses of one organisation: one submission
}

TEST(SmtpSession, CommandsOutOfSequence) {
  Harness h;
  EXPECT_EQ(Codes(h.Feed("MAIL FROM:<a@b.example>\r\n")), V{"503"});
  EXPECT_EQ(Codes(h.Feed("RCPT TO:<spam@agency.example>\r\n")), V{"503"});
  EXPECT_EQ(Codes(h.Feed("DATA\r\n")), V{"503"});
  EXPECT_EQ(Codes(h.Feed("EHLO c\r\nMAIL FROM:<a@b.example>\r\nMAIL FROM:<a@b.example>\r\n")),
            (V{"250", "250", "503"}));
  EXPECT_EQ(Codes(h.Feed("DATA\r\n")), V{"554"});  // no valid recipient
  EXPECT_EQ(Codes(h.Feed("RSET\r\nRCPT TO:<spam@agency.example>\r\n")), (V{"250", "503"}));
  EXPECT_EQ(
      Codes(h.Feed("VRFY spam@agency.example\r\nVRFY\r\nHELP\r\nSTARTTLS\r\nBDAT 10 LAST\r\n")),
      (V{"252", "501", "214", "502", "502"}));
  EXPECT_TRUE(h.sink.got.empty());
}

TEST(SmtpSession, MailAndRcptSyntax) {
  struct Case {
    const char* command;
    const char* code;
  } cases[] = {
      {"MAIL FROM:<a@b.example>", "250"},
      {"MAIL FROM: <a@b.example>", "250"},
      {"mail from:a@b.example", "250"},
      {"MAIL FROM:<@relay.example:a@b.example>", "250"},
      {"MAIL FROM:<\"odd > local\"@b.example>", "250"},
      {"MAIL FROM:<a@b.example> SMTPUTF8", "250"},
      {"MAIL FROM:<a@b.example> BODY=7BIT", "250"},
      {"MAIL FROM:<a@b.example> BODY=BINARYMIME", "501"},
      {"MAIL FROM:<a@b.example> SIZE=abc", "501"},
      {"MAIL FROM:<a@b.example> SIZE=99999999999999999999999", "501"},
      {"MAIL FROM:<a@b.example> SIZE=1001", "552"},
      {"MAIL FROM:<a@b.example> RET=HDRS", "555"},
      {"MAIL FROM:<a@b.example", "501"},
      {"MAIL FROM:<a@b.example>junk", "501"},
      {"MAIL FROM:<a\x01@b.example>", "501"},
      {"MAIL TO:<a@b.example>", "501"},
      {"MAIL", "501"},
  };
  for (const auto& c : cases) {
    Harness h;
    h.Feed("EHLO c\r\n");
    EXPECT_EQ(Codes(h.Feed(std::string(c.command) + "\r\n")), V{c.code}) << c.command;
  }
  struct Rcpt {
    const char* command;
    const char* code;
  } rcpts[] = {
      {"RCPT TO:<spam@agency.example>", "250"},
      {"RCPT TO: <Spam@Agency.Example>", "250"},
      {"RCPT TO:<anyone@B.example>", "250"},
      {"RCPT TO:<spam@elsewhere.example>", "550"},
      {"RCPT TO:<>", "501"},
      {"RCPT TO:<spam@agency.example> NOTIFY=NEVER", "555"},
      {"RCPT FROM:<spam@agency.example>", "501"},
  };
  for (const auto& c : rcpts) {
    Harness h;
    h.Feed("EHLO c\r\nMAIL FROM:<>\r\n");
    EXPECT_EQ(Codes(h.Feed(std::string(c.command) + "\r\n")), V{c.code}) << c.command;
  }
}

TEST(SmtpSession, TooManyRecipientsGet452) {
  Harness h;
  std::string out = h.Feed("EHLO c\r\nMAIL FROM:<>\r\n");
  for (int i = 0; i < 5; ++i) out += h.Feed("RCPT TO:<r" + std::to_string(i) + "@b.example>\r\n");
  EXPECT_EQ(Codes(out), (V{"250", "250", "250", "250", "250", "452", "452"}));
  EXPECT_NE(out.find("452 4.5.3"), std::string::npos);
  EXPECT_FALSE(h.session->closed());
}

TEST(SmtpSession, OversizeMessageIs552AndNotDelivered) {
  Harness h(Protocol::kSmtp, 100);
  h.Feed("EHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<spam@agency.example>\r\nDATA\r\n");
  std::string out;
  for (int i = 0; i < 1000; ++i) out += h.Feed("0123456789012345678901234567890123456789\r\n");
  EXPECT_EQ(out, "");
  out = h.Feed(".\r\n");
  EXPECT_EQ(out, "552 5.3.4 Message size exceeds fixed maximum message size\r\n");
  EXPECT_TRUE(h.sink.got.empty());
  EXPECT_EQ(h.session->rejected(), 1u);
  // Exactly the limit is fine.
  h.Feed("MAIL FROM:<>\r\nRCPT TO:<spam@agency.example>\r\nDATA\r\n");
  EXPECT_EQ(Codes(h.Feed(std::string(98, 'x') + "\r\n.\r\n")), V{"250"});
  EXPECT_EQ(h.sink.got.at(0).bytes.size(), 100u);
}

TEST(SmtpSession, LongLines) {
  Harness h(Protocol::kSmtp, 4u << 20);
  // A command line over the limit is refused as it arrives, and the rest of it is skipped.
  std::string out = h.Feed("EHLO " + std::string(kMaxCommandLine, 'a'));
  EXPECT_EQ(out, "500 5.5.2 Line too long\r\n");
  EXPECT_EQ(h.Feed(std::string(1000000, 'b')), "");
  EXPECT_EQ(Codes(h.Feed("\r\nEHLO c\r\n")), V{"250"});
  // The longest command line that is accepted.
  std::string longest = "NOOP " + std::string(kMaxCommandLine - 7, 'n') + "\r\n";
  EXPECT_EQ(Codes(h.Feed(longest)), V{"250"});
  // A data line may be long, up to kMaxDataLine.
  h.Feed("MAIL FROM:<>\r\nRCPT TO:<spam@agency.example>\r\nDATA\r\n");
  EXPECT_EQ(Codes(h.Feed("Subject: x\r\n\r\n" + std::string(kMaxDataLine - 2, 'x') + "\r\n.\r\n")),
            V{"250"});
  h.Feed("MAIL FROM:<>\r\nRCPT TO:<spam@agency.example>\r\nDATA\r\n");
  std::string huge(kMaxDataLine + 1, 'y');
  EXPECT_EQ(h.Feed(huge), "");
  out = h.Feed("\r\n.\r\n");
  EXPECT_EQ(Codes(out), V{"554"});
  EXPECT_NE(out.find("5.6.0"), std::string::npos);
  EXPECT_EQ(h.sink.got.size(), 1u);
}

TEST(SmtpSession, GarbageIsRefusedAndTooManyErrorsClose) {
  Harness h;
  std::string out = h.Feed(std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n", 13));
  EXPECT_EQ(out, "500 5.5.2 Command unrecognized\r\n");
  out.clear();
  for (int i = 0; i < kMaxErrors; ++i) out += h.Feed("GET / HTTP/1.1\r\n");
  EXPECT_TRUE(h.session->closed());
  EXPECT_NE(out.find("421 4.7.0 Too many errors"), std::string::npos);
  EXPECT_EQ(h.Feed("EHLO c\r\n"), "");  // nothing after the close
}

TEST(SmtpSession, TooManyCommandsWithoutAMessageClose) {
  Harness h;
  std::string out;
  for (int i = 0; i < kMaxCommandsPerMessage; ++i) out += h.Feed("NOOP\r\n");
  EXPECT_FALSE(h.session->closed());
  out = h.Feed("NOOP\r\n");
  EXPECT_TRUE(h.session->closed());
  EXPECT_EQ(Codes(out), V{"421"});
}

TEST(SmtpSession, EmptyMessageIsRefused) {
  Harness h;
  h.Feed("EHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<spam@agency.example>\r\nDATA\r\n");
  EXPECT_EQ(Codes(h.Feed(".\r\n")), V{"554"});
  EXPECT_TRUE(h.sink.got.empty());
}

TEST(SmtpSession, StorageFailureIs451NeverAcknowledged) {
  Harness h;
  h.sink.failing = {"agency-a"};
  h.Feed(
      "EHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<spam@agency.example>\r\nRCPT "
      "TO:<x@b.example>\r\nDATA\r\n");
  std::string out = h.Feed(std::string(kMessage) + ".\r\n");
  EXPECT_EQ(out, "451 4.3.0 Cannot store the message now, try again later\r\n");
  EXPECT_EQ(h.session->accepted(), 0u);
}

TEST(LmtpSession, OneReplyPerRecipientAfterTheData) {
  Harness h(Protocol::kLmtp);
  EXPECT_EQ(h.session->Greeting(), "220 node.example LMTP Lapis\r\n");
  EXPECT_EQ(Codes(h.Feed("EHLO c\r\nHELO c\r\n")), (V{"500", "500"}));
  EXPECT_EQ(Codes(h.Feed("MAIL FROM:<>\r\n")), V{"503"});
  std::string out = h.Feed(
      "LHLO relay.example\r\nMAIL FROM:<reporter@example.org>\r\nRCPT TO:<spam@agency.example>\r\n"
      "RCPT TO:<unknown@agency.example>\r\nRCPT TO:<abuse@b.example>\r\nRCPT "
      "TO:<spam@agency.example>\r\nDATA\r\n");
  EXPECT_EQ(Codes(out), (V{"250", "250", "250", "550", "250", "250", "354"}));
  h.sink.failing = {"agency-b"};
  out = h.Feed(std::string(kMessage) + ".\r\n");
  std::string id = Sha256Hex(kMessage);
  EXPECT_EQ(out,
            "250 2.0.0 <spam@agency.example> Ok: stored as " + id +
                "\r\n451 4.3.0 <abuse@b.example> Cannot store the message now, try again later\r\n"
                "250 2.0.0 <spam@agency.example> Ok: stored as " +
                id + "\r\n");
  ASSERT_EQ(h.sink.got.size(), 1u);
  EXPECT_EQ(h.sink.got[0].envelope.protocol, Protocol::kLmtp);
  // Refusals after the data are also one per recipient.
  h.sink.failing.clear();
  h.Feed("MAIL FROM:<>\r\nRCPT TO:<spam@agency.example>\r\nRCPT TO:<abuse@b.example>\r\nDATA\r\n");
  EXPECT_EQ(Codes(h.Feed(std::string(2000, 'x') + "\r\n.\r\n")), (V{"552", "552"}));
  EXPECT_EQ(Codes(h.Feed("MAIL FROM:<>\r\nDATA\r\n")), (V{"250", "503"}));
}

TEST(IntakeSink, PersonalDataNamesWhoSentIt) {
  Envelope e;
  e.mail_from = "reporter@example.org";
  e.peer_ip = "2001:db8::1";
  e.helo = "mx.example.org";
  EXPECT_EQ(PersonalJson(e),
            R"({"address":"reporter@example.org","ip":"2001:db8::1","helo":"mx.example.org"})");
  e.mail_from.clear();
  e.helo = "bad\xff";
  EXPECT_EQ(PersonalJson(e),
            "{\"address\":null,\"ip\":\"2001:db8::1\",\"helo\":\"bad\xef\xbf\xbd\"}");
}

TEST(HostPort, Parse) {
  EXPECT_EQ(ParseHostPort("127.0.0.1:25")->host, "127.0.0.1");
  EXPECT_EQ(ParseHostPort("127.0.0.1:25")->port, 25);
  EXPECT_EQ(ParseHostPort("[::1]:0")->host, "::1");
  EXPECT_EQ(ParseHostPort("::1:2525")->port, 2525);
  for (const char* bad : {"127.0.0.1", ":25", "host:", "host:65536", "host:-1", "host:2x"})
    EXPECT_FALSE(ParseHostPort(bad)) << bad;
}

// A node in a temporary directory: SQLite store, evidence, Intake.
struct Node {
  fs::path dir;
  std::unique_ptr<store::Store> store;
  std::optional<store::EvidenceStore> evidence;
  analysis::Analyzer analyzer{{}};
  std::unique_ptr<service::Intake> intake;
  explicit Node(const char* name) {
    dir = fs::temp_directory_path() /
          (std::string("lapis_smtp_") + name + "_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    store = std::move(*store::OpenSqliteStore((dir / "lapis.db").string()));
    evidence = std::move(*store::EvidenceStore::Open((dir / "evidence").string()));
    intake =
        std::make_unique<service::Intake>(store.get(), &*evidence, &analyzer, nullptr, 32u << 20);
  }
  ~Node() { fs::remove_all(dir); }
  // Channel, source and personal data of the complaints about a report, one string per complaint.
  std::vector<std::string> Complaints(const std::string& sha) {
    sqlite3* db = nullptr;
    sqlite3_open_v2((dir / "lapis.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(
        db,
        "SELECT c.channel || ' ' || c.source || ' ' || COALESCE(p.data, '') FROM complaints c "
        "LEFT JOIN complaint_personal_data p ON p.complaint_id = c.id WHERE c.sha256 = ? ORDER BY "
        "c.id",
        -1, &st, nullptr);
    sqlite3_bind_text(st, 1, sha.c_str(), -1, SQLITE_TRANSIENT);
    std::vector<std::string> rows;
    while (sqlite3_step(st) == SQLITE_ROW)
      rows.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rows;
  }
};

// A blocking test client with a read timeout.
class Client {
 public:
  Client(const char* host, int port, int family = AF_INET) {
    fd_ = socket(family, SOCK_STREAM, 0);
    sockaddr_storage ss{};
    socklen_t len;
    if (family == AF_INET) {
      auto* a = reinterpret_cast<sockaddr_in*>(&ss);
      a->sin_family = AF_INET;
      a->sin_port = htons(port);
      inet_pton(AF_INET, host, &a->sin_addr);
      len = sizeof(sockaddr_in);
    } else {
      auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
      a->sin6_family = AF_INET6;
      a->sin6_port = htons(port);
      inet_pton(AF_INET6, host, &a->sin6_addr);
      len = sizeof(sockaddr_in6);
    }
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&ss), len) == 0;
  }
  ~Client() { close(fd_); }
  bool connected() const { return connected_; }
  void Send(std::string_view s) {
    while (!s.empty()) {
      ssize_t n = send(fd_, s.data(), s.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      s.remove_prefix(n);
    }
  }
  // Reads until `replies` final reply lines arrived, the peer closed, or the timeout.
  std::string Read(size_t replies = 1, std::chrono::milliseconds timeout = 10s) {
    auto until = std::chrono::steady_clock::now() + timeout;
    while (Codes(buf_).size() < replies || buf_.size() < 2 ||
           buf_.substr(buf_.size() - 2) != "\r\n") {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      pollfd p = {fd_, POLLIN, 0};
      if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      char b[4096];
      ssize_t n = recv(fd_, b, sizeof b, 0);
      if (n <= 0) {
        eof_ = true;
        break;
      }
      buf_.append(b, n);
    }
    return std::move(buf_);
  }
  // True when the server closed the connection (read returns 0) within the timeout.
  bool Closed(std::chrono::milliseconds timeout = 5s) {
    if (eof_) return true;
    pollfd p = {fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
    char b[4096];
    return recv(fd_, b, sizeof b, 0) <= 0;
  }

 private:
  int fd_;
  bool connected_ = false;
  bool eof_ = false;
  std::string buf_;
};

ListenerOptions TestOptions() {
  ListenerOptions o;
  o.hostname = "node.example";
  o.max_message_size = 4096;
  o.idle_timeout = 5s;
  return o;
}

TEST(SmtpListener, StoresTheExactBytesThroughTheIntake) {
  Node node("store");
  IntakeSink sink(node.intake.get());
  std::atomic<int> woken{0};
  ListenerOptions o = TestOptions();
  o.on_accepted = [&] { ++woken; };
  Listener l(&TestRouter(), &sink, o);
  auto smtp_port = l.Bind(Protocol::kSmtp, "127.0.0.1", 0);
  auto lmtp_port = l.Bind(Protocol::kLmtp, "127.0.0.1", 0);
  ASSERT_TRUE(smtp_port && lmtp_port);
  ASSERT_TRUE(l.Start().ok());
  const std::string sha = Sha256Hex(kMessage);
  for (int i = 0; i < 2; ++i) {
    Client c("127.0.0.1", *smtp_port);
    ASSERT_TRUE(c.connected());
    EXPECT_EQ(c.Read(), "220 node.example ESMTP Lapis\r\n");
    c.Send(
        "EHLO reporter.example\r\nMAIL FROM:<reporter@example.org>\r\nRCPT "
        "TO:<spam@agency.example>\r\nDATA\r\n");
    EXPECT_EQ(Codes(c.Read(4)), (V{"250", "250", "250", "354"}));
    c.Send(std::string(kMessage) + ".\r\nQUIT\r\n");
    EXPECT_EQ(c.Read(2), "250 2.0.0 Ok: stored as " + sha + "\r\n221 2.0.0 Bye\r\n");
    EXPECT_TRUE(c.Closed());
  }
  Client c("127.0.0.1", *lmtp_port);
  EXPECT_EQ(Codes(c.Read()), V{"220"});
  c.Send(
      "LHLO relay.example\r\nMAIL FROM:<>\r\nRCPT TO:<spam@agency.example>\r\nRCPT "
      "TO:<abuse@b.example>\r\nDATA\r\n");
  EXPECT_EQ(Codes(c.Read(5)), (V{"250", "250", "250", "250", "354"}));
  c.Send(std::string(kMessage) + ".\r\n");
  EXPECT_EQ(Codes(c.Read(2)), (V{"250", "250"}));
  auto a = *node.store->GetReport("agency-a", sha);
  auto b = *node.store->GetReport("agency-b", sha);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->complaints, 3);
  EXPECT_EQ(b->complaints, 1);
  EXPECT_EQ(*node.evidence->Get(sha), kMessage);
  auto complaints = node.Complaints(sha);
  ASSERT_EQ(complaints.size(), 4u);
  EXPECT_EQ(
      complaints[0],
      R"(smtp 127.0.0.1 {"address":"reporter@example.org","ip":"127.0.0.1","helo":"reporter.example"})");
  EXPECT_EQ(complaints[2],
            R"(lmtp 127.0.0.1 {"address":null,"ip":"127.0.0.1","helo":"relay.example"})");
  EXPECT_EQ(woken.load(), 3);
  EXPECT_EQ(l.counters(Protocol::kSmtp).accepted, 2u);
  EXPECT_EQ(l.counters(Protocol::kLmtp).accepted, 1u);
  std::string metrics = l.MetricsText();
  EXPECT_NE(metrics.find("lapis_smtp_messages_accepted_total{protocol=\"smtp\"} 2\n"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("lapis_smtp_messages_rejected_total{protocol=\"lmtp\"} 0\n"),
            std::string::npos);
  EXPECT_NE(metrics.find("# TYPE lapis_smtp_connections gauge\n"), std::string::npos);
}

TEST(SmtpListener, IPv6) {
  FakeSink sink;
  Listener l(&TestRouter(), &sink, TestOptions());
  auto port = l.Bind(Protocol::kSmtp, "::1", 0);
  if (!port) GTEST_SKIP() << "no IPv6 loopback: " << port.error().ToString();
  ASSERT_TRUE(l.Start().ok());
  Client c("::1", *port, AF_INET6);
  ASSERT_TRUE(c.connected());
  EXPECT_EQ(Codes(c.Read()), V{"220"});
  c.Send("EHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<spam@agency.example>\r\nDATA\r\n");
  EXPECT_EQ(Codes(c.Read(4)), (V{"250", "250", "250", "354"}));
  c.Send(std::string(kMessage) + ".\r\n");
  EXPECT_EQ(Codes(c.Read()), V{"250"});
  EXPECT_EQ(sink.got.at(0).envelope.peer_ip, "::1");
}

TEST(SmtpListener, SilentClientTimesOut) {
  FakeSink sink;
  ListenerOptions o = TestOptions();
  o.idle_timeout = 300ms;
  Listener l(&TestRouter(), &sink, o);
  auto port = l.Bind(Protocol::kSmtp, "127.0.0.1", 0);
  ASSERT_TRUE(port && l.Start().ok());
  Client c("127.0.0.1", *port);
  auto t0 = std::chrono::steady_clock::now();
  std::string out = c.Read(2);
  EXPECT_EQ(Codes(out), (V{"220", "421"}));
  EXPECT_NE(out.find("421 4.4.2"), std::string::npos);
  EXPECT_TRUE(c.Closed());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
}

TEST(SmtpListener, ConnectionsBeyondTheCapGet421) {
  FakeSink sink;
  ListenerOptions o = TestOptions();
  o.max_connections = 2;
  Listener l(&TestRouter(), &sink, o);
  auto port = l.Bind(Protocol::kSmtp, "127.0.0.1", 0);
  ASSERT_TRUE(port && l.Start().ok());
  auto first = std::make_unique<Client>("127.0.0.1", *port);
  Client second("127.0.0.1", *port);
  EXPECT_EQ(Codes(first->Read()), V{"220"});
  EXPECT_EQ(Codes(second.Read()), V{"220"});
  Client third("127.0.0.1", *port);
  std::string out = third.Read();
  EXPECT_EQ(out.substr(0, 10), "421 4.7.0 ");
  EXPECT_TRUE(third.Closed());
  EXPECT_EQ(l.counters(Protocol::kSmtp).refused_connections, 1u);
  EXPECT_EQ(l.counters(Protocol::kSmtp).connections, 2u);
  first->Send("QUIT\r\n");
  EXPECT_EQ(Codes(first->Read()), V{"221"});
  first.reset();
  // The slot is free again once the connection is gone.
  std::string greeting;
  for (int i = 0; i < 50 && Codes(greeting) != V{"220"}; ++i) {
    std::this_thread::sleep_for(50ms);
    Client again("127.0.0.1", *port);
    greeting = again.Read();
  }
  EXPECT_EQ(Codes(greeting), V{"220"});
}

TEST(SmtpListener, StopAnswers421AndKeepsWhatWasAcknowledged) {
  Node node("stop");
  IntakeSink sink(node.intake.get());
  Listener l(&TestRouter(), &sink, TestOptions());
  auto port = l.Bind(Protocol::kSmtp, "127.0.0.1", 0);
  ASSERT_TRUE(port && l.Start().ok());
  Client done("127.0.0.1", *port), middle("127.0.0.1", *port), idle("127.0.0.1", *port);
  for (Client* c : {&done, &middle}) {
    c->Read();
    c->Send("EHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<spam@agency.example>\r\nDATA\r\n");
    c->Read(4);
  }
  idle.Read();
  done.Send(std::string(kMessage) + ".\r\n");
  EXPECT_EQ(Codes(done.Read()), V{"250"});
  const std::string partial = "Subject: never finished\r\n\r\nhalf a message\r\n";
  middle.Send(partial);
  std::this_thread::sleep_for(100ms);
  auto t0 = std::chrono::steady_clock::now();
  l.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  for (Client* c : {&middle, &idle}) {
    std::string out = c->Read();
    EXPECT_EQ(out.substr(0, 10), "421 4.3.2 ");
    EXPECT_TRUE(c->Closed());
  }
  EXPECT_TRUE(*node.store->GetReport("agency-a", Sha256Hex(kMessage)));
  EXPECT_FALSE(*node.store->GetReport("agency-a", Sha256Hex(partial)));
  EXPECT_EQ(node.store->Count("agency-a")->reports, 1);
  Client after("127.0.0.1", *port);
  EXPECT_FALSE(after.connected() && !after.Closed(1s));
}

TEST(SmtpListener, HostileClientsDoNotStopOthers) {
  FakeSink sink;
  ListenerOptions o = TestOptions();
  o.max_connections = 8;
  Listener l(&TestRouter(), &sink, o);
  auto port = l.Bind(Protocol::kSmtp, "127.0.0.1", 0);
  ASSERT_TRUE(port && l.Start().ok());
  std::vector<std::thread> hostile;
  for (int i = 0; i < 4; ++i) {
    hostile.emplace_back([&, i] {
      Client c("127.0.0.1", *port);
      c.Read();
      std::string junk(200000, '\0');
      for (size_t j = 0; j < junk.size(); ++j) junk[j] = static_cast<char>((j * 7919 + i) % 256);
      c.Send(junk);
      c.Closed(10s);
    });
  }
  Client good("127.0.0.1", *port);
  EXPECT_EQ(Codes(good.Read()), V{"220"});
  good.Send("EHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<spam@agency.example>\r\nDATA\r\n");
  EXPECT_EQ(Codes(good.Read(4)), (V{"250", "250", "250", "354"}));
  good.Send(std::string(kMessage) + ".\r\n");
  EXPECT_EQ(Codes(good.Read()), V{"250"});
  for (auto& t : hostile) t.join();
}

}  // namespace
}  // namespace lapis::smtp
