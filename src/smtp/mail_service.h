// The mail side of `lapis serve`: SMTP and LMTP listeners that route recipients to organisations
// and hand messages to the node's Intake. Built from the command-line options in one call.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "service/intake.h"
#include "smtp/intake_sink.h"
#include "smtp/listener.h"
#include "smtp/router.h"

namespace lapis::smtp {

struct MailServiceOptions {
  std::string smtp;                 // HOST:PORT of the SMTP listener; "" = none
  std::string lmtp;                 // HOST:PORT of the LMTP listener; "" = none
  std::vector<std::string> routes;  // "ADDRESS=ORG" or "*@DOMAIN=ORG"
  ListenerOptions listener;
};

class MailService {
 public:
  // The checks Start() makes before it binds anything: addresses and routes.
  static Status Validate(const MailServiceOptions& options);
  // Binds the listeners and starts accepting. Bad addresses or routes, or a listener without
  // routes, are InvalidArgument; a port that cannot be bound is Unavailable. `intake` is not
  // owned and must outlive the service.
  static Result<std::unique_ptr<MailService>> Start(MailServiceOptions options,
                                                    service::Intake* intake);
  ~MailService();  // Stop()

  // What listens where, e.g. {"smtp", "127.0.0.1:2525"}; the port is the bound one.
  const std::vector<std::pair<std::string, std::string>>& endpoints() const { return endpoints_; }
  // Stops accepting and waits for the connections to end (see Listener::Stop). Thread-safe.
  void Stop() { listener_->Stop(); }
  std::string MetricsText() const { return listener_->MetricsText(); }

 private:
  MailService(Router router, service::Intake* intake, ListenerOptions options);
  Router router_;
  IntakeSink sink_;
  std::unique_ptr<Listener> listener_;
  std::vector<std::pair<std::string, std::string>> endpoints_;
};

}  // namespace lapis::smtp
