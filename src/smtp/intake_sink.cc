#include "smtp/intake_sink.h"

#include <exception>

#include "common/json_writer.h"
#include "common/log.h"

namespace lapis::smtp {

std::string PersonalJson(const Envelope& e) {
  JsonWriter w;
  w.BeginObject();
  w.Key("address").StringOrNull(e.mail_from);
  w.Key("ip").StringOrNull(e.peer_ip);
  w.Key("helo").StringOrNull(e.helo);
  w.EndObject();
  return w.Take();
}

Result<std::string> IntakeSink::Deliver(const Envelope& e, const std::string& org,
                                        std::string_view bytes) {
  Status error;
  try {
    std::string sha;
    auto r = intake_->Submit(org, bytes, "email", ProtocolName(e.protocol), e.peer_ip,
                             PersonalJson(e), &sha);
    if (r) {
      log::Info("smtp.message", {{"protocol", ProtocolName(e.protocol)},
                                 {"remote", e.peer_ip},
                                 {"org", org},
                                 {"id", sha},
                                 {"bytes", static_cast<int64_t>(bytes.size())},
                                 {"new_report", r->new_report}});
      return sha;
    }
    error = r.error();
  } catch (const std::exception& ex) {
    error = Status::Internal(ex.what());
  }
  log::Error("intake.error", {{"channel", ProtocolName(e.protocol)},
                              {"remote", e.peer_ip},
                              {"org", org},
                              {"detail", error.ToString()}});
  return Fail(error);
}

}  // namespace lapis::smtp
