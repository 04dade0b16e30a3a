#include "smtp/listener.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/log.h"

namespace lapis::smtp {
namespace {

constexpr size_t kReadChunk = 64 * 1024;
constexpr int kListenBacklog = 128;
constexpr int kAcceptPollMs = 1000;  // how often finished connection threads are reaped
// After the last reply, input is read and discarded this long so that closing does not reset
// the connection before the client has read that reply.
constexpr int kLingerMs = 500;
constexpr size_t kLingerBytes = 1 << 20;

std::string PeerIp(const sockaddr_storage& ss) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (ss.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &a->sin_addr, buf, sizeof buf);
  } else if (ss.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr))
      inet_ntop(AF_INET, &a->sin6_addr.s6_addr[12], buf, sizeof buf);
    else
      inet_ntop(AF_INET6, &a->sin6_addr, buf, sizeof buf);
  }
  return buf;
}

int RemainingMs(std::chrono::steady_clock::time_point until) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      until - std::chrono::steady_clock::now());
  return static_cast<int>(std::clamp<int64_t>(left.count(), 0, 24 * 3600 * 1000));
}

// Writes everything unless the peer stops reading for `timeout` or `stop_fd` becomes readable.
bool WriteAll(int fd, std::string_view data, std::chrono::milliseconds timeout, int stop_fd) {
  while (!data.empty()) {
    ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return false;
    pollfd p[2] = {{fd, POLLOUT, 0}, {stop_fd, POLLIN, 0}};
    int r = poll(p, 2, static_cast<int>(timeout.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0 || p[1].revents || (p[0].revents & (POLLERR | POLLHUP))) return false;
  }
  return true;
}

void CloseGracefully(int fd) {
  shutdown(fd, SHUT_WR);
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(kLingerMs);
  char buf[4096];
  size_t drained = 0;
  while (drained < kLingerBytes) {
    pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, RemainingMs(until)) <= 0) break;
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    drained += static_cast<size_t>(n);
  }
  close(fd);
}

}  // namespace

Result<HostPort> ParseHostPort(const std::string& text) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return Fail(Status::InvalidArgument("expected HOST:PORT, got \"" + text + "\""));
  HostPort hp;
  hp.host = text.substr(0, colon);
  if (hp.host.size() > 2 && hp.host.front() == '[' && hp.host.back() == ']')
    hp.host = hp.host.substr(1, hp.host.size() - 2);
  std::string port = text.substr(colon + 1);
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) > 65535)
    return Fail(Status::InvalidArgument("invalid port in \"" + text + "\""));
  hp.port = std::stoi(port);
  return hp;
}

Listener::Listener(const Router* router, Sink* sink, ListenerOptions options)
    : router_(router), sink_(sink), opt_(std::move(options)) {
  if (pipe2(stop_pipe_, O_CLOEXEC | O_NONBLOCK) != 0) stop_pipe_[0] = stop_pipe_[1] = -1;
}

Listener::~Listener() {
  Stop();
  for (int fd : stop_pipe_)
    if (fd >= 0) close(fd);
}

Result<int> Listener::Bind(Protocol protocol, const std::string& host, int port) {
  std::lock_guard<std::mutex> l(mu_);
  std::string where = host + ":" + std::to_string(port);
  if (started_ || stopped_) return Fail(Status::Internal("bind after start"));
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  if (int e = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res); e != 0)
    return Fail(Status::InvalidArgument("cannot listen on " + where + ": " + gai_strerror(e)));
  std::string err = "no address";
  int fd = -1;
  for (addrinfo* a = res; a && fd < 0; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if (fd < 0) {
      err = std::strerror(errno);
      continue;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, a->ai_addr, a->ai_addrlen) != 0 || listen(fd, kListenBacklog) != 0) {
      err = std::strerror(errno);
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(res);
  if (fd < 0) return Fail(Status::Unavailable("cannot listen on " + where + ": " + err));
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  int bound = ntohs(ss.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                                             : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  sockets_.push_back({fd, protocol});
  return bound;
}

Status Listener::Start() {
  std::lock_guard<std::mutex> l(mu_);
  if (started_ || stopped_) return Status::Internal("the listener was already started");
  if (sockets_.empty()) return Status::InvalidArgument("no socket to listen on");
  if (stop_pipe_[0] < 0)
    return Status::IoError(std::string("cannot create a pipe: ") + std::strerror(errno));
  try {
    acceptor_ = std::thread([this] { AcceptLoop(); });
  } catch (const std::exception& e) {
    return Status::Internal(std::string("cannot start a thread: ") + e.what());
  }
  started_ = true;
  return Status::Ok();
}

void Listener::Stop() {
  std::lock_guard<std::mutex> l(mu_);
  if (stopped_) return;
  stopped_ = true;
  if (stop_pipe_[1] >= 0) {
    ssize_t n = write(stop_pipe_[1], "x", 1);
    (void)n;
  }
  if (acceptor_.joinable()) acceptor_.join();
  ReapFinished(/*all=*/true);
  for (auto& s : sockets_) close(s.fd);
  sockets_.clear();
}

void Listener::ReapFinished(bool all) {
  for (auto it = connections_.begin(); it != connections_.end();) {
    if (all || it->done.load()) {
      if (it->thread.joinable()) it->thread.join();
      it = connections_.erase(it);
    } else {
      ++it;
    }
  }
}

void Listener::AcceptLoop() {
  std::vector<pollfd> fds;
  fds.push_back({stop_pipe_[0], POLLIN, 0});
  for (const auto& s : sockets_) fds.push_back({s.fd, POLLIN, 0});
  const std::string busy =
      "421 4.7.0 " + opt_.hostname + " Too many connections, try again later\r\n";
  while (true) {
    int n = poll(fds.data(), fds.size(), kAcceptPollMs);
    if (n < 0 && errno != EINTR) {
      log::Error("smtp.error", {{"detail", std::string("poll: ") + std::strerror(errno)}});
      return;
    }
    if (fds[0].revents) return;
    ReapFinished(/*all=*/false);
    for (size_t i = 1; i < fds.size(); ++i) {
      if (!(fds[i].revents & POLLIN)) continue;
      Protocol protocol = sockets_[i - 1].protocol;
      AtomicCounters& counters = CountersOf(protocol);
      while (true) {
        sockaddr_storage ss{};
        socklen_t len = sizeof ss;
        int c = accept4(fds[i].fd, reinterpret_cast<sockaddr*>(&ss), &len,
                        SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (c < 0) break;  // EAGAIN, or out of descriptors: try again at the next poll
        if (open_.load() >= opt_.max_connections) {
          ++counters.refused;
          log::Warn("smtp.busy", {{"protocol", ProtocolName(protocol)}, {"remote", PeerIp(ss)}});
          ssize_t w = send(c, busy.data(), busy.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
          (void)w;
          close(c);
          continue;
        }
        ++open_;
        ++counters.connections;
        Connection& conn = connections_.emplace_back();
        try {
          conn.thread = std::thread([this, c, protocol, &conn, &counters, peer = PeerIp(ss)] {
            Serve(c, protocol, peer);
            --counters.connections;
            --open_;
            conn.done = true;
          });
        } catch (const std::exception&) {
          connections_.pop_back();
          ++counters.refused;
          --counters.connections;
          --open_;
          ssize_t w = send(c, busy.data(), busy.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
          (void)w;
          close(c);
        }
      }
    }
  }
}

void Listener::Serve(int fd, Protocol protocol, std::string peer_ip) {
  AtomicCounters& counters = CountersOf(protocol);
  try {
    SessionOptions so;
    so.protocol = protocol;
    so.hostname = opt_.hostname;
    so.max_message_size = opt_.max_message_size;
    so.max_recipients = opt_.max_recipients;
    Session session(so, router_, sink_, std::move(peer_ip));
    auto deadline = std::chrono::steady_clock::now() + opt_.max_connection_time;
    const int stop_fd = stop_pipe_[0];
    std::string out = session.Greeting();
    bool ok = WriteAll(fd, out, opt_.idle_timeout, stop_fd);
    std::string buf(kReadChunk, '\0');
    uint64_t accepted = 0, rejected = 0;
    while (ok && !session.closed()) {
      int wait = std::min<int64_t>(opt_.idle_timeout.count(), RemainingMs(deadline));
      pollfd p[2] = {{fd, POLLIN, 0}, {stop_fd, POLLIN, 0}};
      int n = poll(p, 2, wait);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) break;
      if (p[1].revents) {
        WriteAll(fd, session.ShuttingDown(), opt_.idle_timeout, -1);
        break;
      }
      if (n == 0) {
        WriteAll(fd, session.Timeout(), opt_.idle_timeout, stop_fd);
        break;
      }
      ssize_t r = recv(fd, buf.data(), buf.size(), 0);
      if (r < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
      if (r <= 0) break;  // closed by the client, or reset
      out.clear();
      session.Feed(std::string_view(buf.data(), static_cast<size_t>(r)), &out);
      if (session.rejected() != rejected) {
        counters.rejected += session.rejected() - rejected;
        rejected = session.rejected();
      }
      if (session.accepted() != accepted) {
        counters.accepted += session.accepted() - accepted;
        accepted = session.accepted();
        if (opt_.on_accepted) opt_.on_accepted();
      }
      ok = WriteAll(fd, out, opt_.idle_timeout, stop_fd);
    }
  } catch (const std::exception& e) {
    log::Error("smtp.error", {{"protocol", ProtocolName(protocol)}, {"detail", e.what()}});
  }
  CloseGracefully(fd);
}

Listener::Counters Listener::counters(Protocol protocol) const {
  const AtomicCounters& c = protocol == Protocol::kLmtp ? lmtp_ : smtp_;
  return {c.accepted.load(), c.rejected.load(), c.connections.load(), c.refused.load()};
}

std::string Listener::MetricsText() const {
  std::string out;
  auto metric = [&](const char* name, const char* type, const char* help,
                    uint64_t Counters::*field) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
    for (Protocol p : {Protocol::kSmtp, Protocol::kLmtp})
      out += std::string(name) + "{protocol=\"" + ProtocolName(p) + "\"} " +
             std::to_string(counters(p).*field) + "\n";
  };
  metric("lapis_smtp_messages_accepted_total", "counter",
         "Messages acknowledged by the mail listener.", &Counters::accepted);
  metric("lapis_smtp_messages_rejected_total", "counter",
         "Messages refused by the mail listener (size, line length, storage failure).",
         &Counters::rejected);
  metric("lapis_smtp_connections", "gauge", "Mail connections open now.", &Counters::connections);
  metric("lapis_smtp_connections_refused_total", "counter",
         "Mail connections refused because of the cap.", &Counters::refused_connections);
  return out;
}

}  // namespace lapis::smtp
