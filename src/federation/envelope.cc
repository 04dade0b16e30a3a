#include "federation/envelope.h"

#include <sodium.h>

#include <nlohmann/json.hpp>

#include "common/sha256.h"
#include "common/strings.h"
#include "federation/identity.h"

namespace lapis::federation {
namespace {

using json = nlohmann::json;

std::string HeaderText(const Header& h) {
  return json{{"v", h.v},       {"id", h.id},     {"from", h.from}, {"to", h.to},
              {"at", h.at},     {"type", h.type}, {"conv", h.conv}, {"seq", h.seq},
              {"payload_sha256", h.payload_sha256}}
      .dump();
}

}  // namespace

std::string NewMessageId() {
  unsigned char b[16];
  randombytes_buf(b, sizeof b);
  return HexEncode(b, sizeof b);
}

std::string Seal(Header header, const std::string& payload, const coop::NodeKey& key) {
  header.payload_sha256 = Sha256Hex(payload);
  const std::string text = HeaderText(header);
  return json{{"header", text}, {"signature", SignHex(text, key)}, {"payload", payload}}.dump();
}

Result<Envelope> ParseEnvelope(const std::string& wire) {
  json j = json::parse(wire, nullptr, false);
  if (!j.is_object()) return Fail(Status::InvalidArgument("not a JSON object"));
  Envelope e;
  if (!j.contains("header") || !j["header"].is_string()) return Fail(Status::InvalidArgument("no header"));
  if (!j.contains("payload") || !j["payload"].is_string()) return Fail(Status::InvalidArgument("no payload"));
  e.header_text = j["header"].get<std::string>();
  e.payload = j["payload"].get<std::string>();
  if (j.contains("signature") && j["signature"].is_string()) e.signature = j["signature"].get<std::string>();
  json h = json::parse(e.header_text, nullptr, false);
  if (!h.is_object()) return Fail(Status::InvalidArgument("the header is not a JSON object"));
  auto str = [&h](const char* k, std::string* out) {
    auto it = h.find(k);
    if (it == h.end() || !it->is_string() || it->get<std::string>().empty()) return false;
    *out = it->get<std::string>();
    return true;
  };
  auto num = [&h](const char* k, int64_t* out) {
    auto it = h.find(k);
    if (it == h.end() || !it->is_number_integer()) return false;
    *out = it->get<int64_t>();
    return true;
  };
  Header& x = e.header;
  int64_t v = 0;
  if (!num("v", &v) || v != 1) return Fail(Status::InvalidArgument("unknown envelope version"));
  for (auto [k, out] : {std::pair{"id", &x.id}, {"from", &x.from}, {"to", &x.to}, {"type", &x.type},
                        {"conv", &x.conv}, {"payload_sha256", &x.payload_sha256}})
    if (!str(k, out)) return Fail(Status::InvalidArgument(std::string("the header has no ") + k));
  if (!num("at", &x.at)) return Fail(Status::InvalidArgument("the header has no time"));
  if (!num("seq", &x.seq) || x.seq < 1) return Fail(Status::InvalidArgument("the header has no seq"));
  if (x.id.size() != 32 || x.id.find_first_not_of("0123456789abcdef") != std::string::npos)
    return Fail(Status::InvalidArgument("the message id is not 32 hex digits"));
  return e;
}

Status CheckEnvelope(const Envelope& e, const std::string& sign_key_hex) {
  if (e.signature.empty()) return Status::PermissionDenied("unsigned");
  if (!VerifyHex(e.header_text, e.signature, sign_key_hex))
    return Status::PermissionDenied("bad signature (not the sender's key)");
  if (Sha256Hex(e.payload) != e.header.payload_sha256)
    return Status::PermissionDenied("payload does not match its hash (tampered)");
  return Status::Ok();
}

}  // namespace lapis::federation
