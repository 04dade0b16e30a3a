// The Sink of a node: each accepted message goes to service::Intake::Submit as an e-mail
// complaint (channel "smtp" or "lmtp", source the peer's IP) with who sent it as personal data.
#pragma once

#include "service/intake.h"
#include "smtp/session.h"

namespace lapis::smtp {

class IntakeSink : public Sink {
 public:
  // `intake` is not owned and must outlive the sink.
  explicit IntakeSink(service::Intake* intake) : intake_(intake) {}
  // Returns once the message is durable; logs the message (smtp.message) or the failure
  // (intake.error).
  Result<std::string> Deliver(const Envelope& envelope, const std::string& org,
                              std::string_view bytes) override;

 private:
  service::Intake* intake_;
};

// {"address": MAIL FROM or null, "ip": peer IP, "helo": HELO name}
std::string PersonalJson(const Envelope& envelope);

}  // namespace lapis::smtp
