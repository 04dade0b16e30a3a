#include "smtp/intake_sink.h"

#include <cstdio>
#include <exception>

#include "common/json_writer.h"

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
    if (r) return sha;
    error = r.error();
  } catch (const std::exception& ex) {
    error = Status::Internal(ex.what());
  }
  std::fprintf(stderr, "lapis: %s: cannot store a message from %s for %s: %s\n",
               ProtocolName(e.protocol), e.peer_ip.c_str(), org.c_str(), error.ToString().c_str());
  return Fail(error);
}

}  // namespace lapis::smtp
