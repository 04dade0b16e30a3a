#include "api/http_util.h"

#include <ctime>

#include <nlohmann/json.hpp>
#include "common/json_writer.h"
#include "common/log.h"

namespace lapis::api {

void Problem(httplib::Response& res, int status, const std::string& title,
             const std::string& detail) {
  JsonWriter w;
  w.BeginObject();
  w.Key("type").String("about:blank");
  w.Key("title").String(title);
  w.Key("status").Int(status);
  if (!detail.empty()) w.Key("detail").String(detail);
  w.EndObject();
  res.status = status;
  res.set_content(w.str(), "application/problem+json");
}

void BadRequest(httplib::Response& res, const std::string& detail) {
  Problem(res, 400, "Bad Request", detail);
}
void NotFound(httplib::Response& res, const std::string& detail) {
  Problem(res, 404, "Not Found", detail);
}

// A store failure as the response that fits it.
void StoreProblem(httplib::Response& res, const Status& s) {
  switch (s.code()) {
    case Status::Code::kInvalidArgument:
      return BadRequest(res, s.message());
    case Status::Code::kNotFound:
      return NotFound(res, s.message());
    case Status::Code::kAlreadyExists:
      return Problem(res, 409, "Conflict", s.message());
    case Status::Code::kPermissionDenied:
      return Problem(res, 403, "Forbidden", s.message());
    default:
      log::Error("store.error", {{"detail", s.ToString()}});
      res.set_header("Retry-After", "5");
      return Problem(res, 503, "Service Unavailable", s.message());
  }
}

void Json(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body, "application/json");
}

std::optional<int64_t> ParseTime(const std::string& v) {
  struct tm tm {};
  const char* end = strptime(v.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!end || (*end != 'Z' && *end != '\0') || (*end == 'Z' && end[1] != '\0')) return std::nullopt;
  return static_cast<int64_t>(timegm(&tm));
}

// The limit query parameter (default `def`); false with the error written.
bool ParseLimit(const httplib::Request& req, httplib::Response& res, size_t def, size_t* out) {
  *out = def;
  if (!req.has_param("limit")) return true;
  const std::string v = req.get_param_value("limit");
  size_t n = 0;
  bool ok = !v.empty() && v.size() <= 6 && v.find_first_not_of("0123456789") == std::string::npos;
  if (ok) n = std::stoul(v);
  if (!ok || n == 0 || n > kMaxPageSize) {
    BadRequest(res, "limit must be 1 to " + std::to_string(kMaxPageSize));
    return false;
  }
  *out = n;
  return true;
}

// The request body as a JSON object, or nullopt with the error written.
std::optional<nlohmann::json> JsonBody(const httplib::Request& req, httplib::Response& res) {
  auto j = nlohmann::json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    BadRequest(res, "the body must be a JSON object");
    return std::nullopt;
  }
  return j;
}

// A string member of a JSON object: "" when absent; false when present but not a string.
bool StringMember(const nlohmann::json& j, const char* key, std::string* out) {
  out->clear();
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return true;
  if (!it->is_string()) return false;
  *out = it->get<std::string>();
  return true;
}

}  // namespace lapis::api
