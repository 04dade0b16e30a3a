// The mail listener of a node: SMTP and LMTP on plain POSIX sockets (IPv4 and IPv6), one thread
// per connection up to a cap. Each connection runs a Session; messages go to a Sink. Stop() ends
// it cleanly: a connection waiting for the client is answered 421 and closed, a message being
// stored finishes and is acknowledged first. Every method is thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "smtp/router.h"
#include "smtp/session.h"

namespace lapis::smtp {

inline constexpr size_t kDefaultMaxConnections = 32;
inline constexpr std::chrono::milliseconds kDefaultIdleTimeout = std::chrono::minutes(5);
// A connection is closed after this long whatever it is doing (a client dripping bytes).
inline constexpr std::chrono::milliseconds kDefaultMaxConnectionTime = std::chrono::hours(1);

struct ListenerOptions {
  std::string hostname = "localhost";  // in greetings
  size_t max_message_size = kDefaultMaxMessageSize;
  size_t max_recipients = kDefaultMaxRecipients;
  size_t max_connections = kDefaultMaxConnections;  // SMTP and LMTP together; more are answered 421
  std::chrono::milliseconds idle_timeout = kDefaultIdleTimeout;
  std::chrono::milliseconds max_connection_time = kDefaultMaxConnectionTime;
  // Called (from a connection thread) after each message acknowledged with 250.
  std::function<void()> on_accepted;
};

// HOST:PORT, [IPV6]:PORT or IPV6-without-brackets:PORT; port 0 means any free port.
struct HostPort {
  std::string host;
  int port = 0;
};
Result<HostPort> ParseHostPort(const std::string& text);

class Listener {
 public:
  // `router` and `sink` are not owned and must outlive the listener.
  Listener(const Router* router, Sink* sink, ListenerOptions options);
  ~Listener();  // Stop()
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // Binds a listening socket for `protocol` (before Start); returns the bound port.
  Result<int> Bind(Protocol protocol, const std::string& host, int port);
  // Starts accepting on every bound socket.
  Status Start();
  // Stops accepting, answers idle connections 421, waits for every connection to end.
  void Stop();

  struct Counters {
    uint64_t accepted = 0;             // messages acknowledged
    uint64_t rejected = 0;             // messages refused (size, line length, storage failure)
    uint64_t connections = 0;          // open now
    uint64_t refused_connections = 0;  // answered 421 because of the cap
  };
  Counters counters(Protocol protocol) const;
  // The counters in the Prometheus text format, labelled by protocol.
  std::string MetricsText() const;

 private:
  struct Socket {
    int fd = -1;
    Protocol protocol = Protocol::kSmtp;
  };
  struct Connection {
    std::thread thread;
    std::atomic<bool> done{false};
  };
  struct AtomicCounters {
    std::atomic<uint64_t> accepted{0}, rejected{0}, connections{0}, refused{0};
  };

  void AcceptLoop();
  void Serve(int fd, Protocol protocol, std::string peer_ip);
  void ReapFinished(bool all);
  AtomicCounters& CountersOf(Protocol p) { return p == Protocol::kLmtp ? lmtp_ : smtp_; }

  const Router* router_;
  Sink* sink_;
  ListenerOptions opt_;
  std::vector<Socket> sockets_;
  int stop_pipe_[2] = {-1, -1};  // readable once Stop() is called
  std::thread acceptor_;
  std::mutex mu_;  // guards the members above during Bind/Start/Stop
  bool started_ = false;
  bool stopped_ = false;
  std::list<Connection> connections_;  // touched by the acceptor thread only (and Stop after it)
  std::atomic<size_t> open_{0};
  AtomicCounters smtp_, lmtp_;
};

}  // namespace lapis::smtp
