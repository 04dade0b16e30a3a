// What every route of the API shares: the caller, problem+json errors, JSON bodies, query
// parameters. Defined in http_util.cc.
#pragma once

#include <httplib.h>

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "api/server.h"
#include "common/status.h"

namespace lapis::api {

// Who is calling: authenticated by a token or a session.
struct Principal {
  std::string org, role;
  std::string actor;         // "user:NAME" or "token:ID"
  std::string user;          // "" for API tokens
  std::string session_hash;  // when signed in
};

// RFC 9457 problem+json.
void Problem(httplib::Response& res, int status, const std::string& title,
             const std::string& detail);
void BadRequest(httplib::Response& res, const std::string& detail);
void NotFound(httplib::Response& res, const std::string& detail);
// A store failure as the response that fits it (400, 404, 409, 403, or 503 with Retry-After).
void StoreProblem(httplib::Response& res, const Status& s);
void Json(httplib::Response& res, int status, const std::string& body);

// An RFC 3339 time in UTC ("2026-01-31T00:00:00Z"), as seconds since the epoch.
std::optional<int64_t> ParseTime(const std::string& v);
// The limit query parameter (default `def`, at most kMaxPageSize); false with the error written.
bool ParseLimit(const httplib::Request& req, httplib::Response& res, size_t def, size_t* out);
// The request body as a JSON object, or nullopt with the error written.
std::optional<nlohmann::json> JsonBody(const httplib::Request& req, httplib::Response& res);
// A string member of a JSON object: "" when absent; false when present but not a string.
bool StringMember(const nlohmann::json& j, const char* key, std::string* out);

}  // namespace lapis::api
