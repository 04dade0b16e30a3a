#include "api/server.h"

namespace lapis::api {

std::string Server::OpenApiDocument() {
  return R"json({
  "openapi": "3.0.3",
  "info": {"title": "Lapis node API", "version": "1"},
  "servers": [{"url": "/"}],
  "security": [{"bearer": []}, {"session": []}],
  "paths": {
    "/api/v1/reports": {
      "post": {
        "summary": "Submit a complaint: an e-mail or ARF report (message/rfc822) or an SMS report (application/json)",
        "requestBody": {"required": true, "content": {
          "message/rfc822": {"schema": {"type": "string", "format": "binary"}},
          "application/json": {"schema": {"$ref": "#/components/schemas/SmsReport"}}}},
        "responses": {
          "202": {"description": "Durable: the raw bytes and the complaint are stored; analysis follows",
                  "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Accepted"}}}},
          "400": {"$ref": "#/components/responses/Problem"},
          "401": {"$ref": "#/components/responses/Problem"},
          "413": {"$ref": "#/components/responses/Problem"},
          "415": {"$ref": "#/components/responses/Problem"},
          "503": {"$ref": "#/components/responses/Problem"}}
      },
      "get": {
        "summary": "List the organisation's reports, newest first",
        "parameters": [
          {"name": "q", "in": "query", "schema": {"type": "string"}, "description": "words in the subject and body (all required)"},
          {"name": "category", "in": "query", "schema": {"type": "string"}},
          {"name": "origin_country", "in": "query", "schema": {"type": "string"}},
          {"name": "asn", "in": "query", "schema": {"type": "string"}, "description": "origin AS number, e.g. 7018 or AS7018"},
          {"name": "since", "in": "query", "schema": {"type": "string", "format": "date-time"}},
          {"name": "until", "in": "query", "schema": {"type": "string", "format": "date-time"}},
          {"name": "campaign", "in": "query", "schema": {"type": "integer"}},
          {"name": "ip", "in": "query", "schema": {"type": "string"}},
          {"name": "domain", "in": "query", "schema": {"type": "string"}, "description": "registrable domain"},
          {"name": "host", "in": "query", "schema": {"type": "string"}, "description": "host of a link"},
          {"name": "url", "in": "query", "schema": {"type": "string"}},
          {"name": "email", "in": "query", "schema": {"type": "string"}},
          {"name": "phone", "in": "query", "schema": {"type": "string"}, "description": "E.164"},
          {"name": "payment", "in": "query", "schema": {"type": "string"}},
          {"name": "attachment", "in": "query", "schema": {"type": "string"}, "description": "SHA-256"},
          {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}},
          {"name": "cursor", "in": "query", "schema": {"type": "string"}},
          {"name": "with", "in": "query", "schema": {"type": "string", "enum": ["origin"]},
           "description": "origin: each item also carries the origin's ip, kind, country, asn and as_org"}],
        "responses": {
          "200": {"description": "A page of reports",
                  "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ReportPage"}}}},
          "400": {"$ref": "#/components/responses/Problem"},
          "401": {"$ref": "#/components/responses/Problem"}}
      }
    },
    "/api/v1/reports/{id}": {
      "get": {
        "summary": "One report with its analysis (the lapis analyze object) once analysed",
        "parameters": [{"name": "id", "in": "path", "required": true,
                        "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}],
        "responses": {
          "200": {"description": "The report",
                  "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Report"}}}},
          "401": {"$ref": "#/components/responses/Problem"},
          "404": {"$ref": "#/components/responses/Problem"}}
      }
    },
    "/api/v1/reports/{id}/raw": {
      "get": {
        "summary": "The raw evidence bytes of a report, as submitted",
        "parameters": [{"name": "id", "in": "path", "required": true,
                        "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}],
        "responses": {
          "200": {"description": "The bytes; their SHA-256 is the id",
                  "content": {"message/rfc822": {}, "application/json": {}}},
          "401": {"$ref": "#/components/responses/Problem"},
          "404": {"$ref": "#/components/responses/Problem"}}
      }
    },
    "/api/v1/campaigns": {
      "get": {
        "summary": "The organisation's campaigns, largest first",
        "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}}],
        "responses": {
          "200": {"description": "Campaigns", "content": {"application/json": {"schema": {"type": "object",
                  "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Campaign"}}}}}}},
          "401": {"$ref": "#/components/responses/Problem"}}
      }
    },
    "/api/v1/campaigns/{id}": {
      "get": {
        "summary": "One campaign (its members: GET /api/v1/reports?campaign=id)",
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
        "responses": {
          "200": {"description": "The campaign with its categories, origins and top indicators",
                  "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CampaignDetail"}}}},
          "401": {"$ref": "#/components/responses/Problem"},
          "404": {"$ref": "#/components/responses/Problem"}}
      }
    },
    "/metrics": {
      "get": {"summary": "Prometheus metrics", "security": [],
              "responses": {"200": {"description": "Prometheus text format", "content": {"text/plain": {}}}}}
    },
    "/api/v1/indicators": {
      "get": {
        "summary": "Where and when an indicator was seen in the organisation's reports",
        "parameters": [
          {"name": "type", "in": "query", "required": true,
           "schema": {"type": "string", "enum": ["ip", "domain", "host", "url", "email", "phone", "payment", "attachment"]}},
          {"name": "value", "in": "query", "required": true, "schema": {"type": "string"}}],
        "responses": {
          "200": {"description": "Sightings", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Sighting"}}}},
          "400": {"$ref": "#/components/responses/Problem"},
          "401": {"$ref": "#/components/responses/Problem"}}
      }
    },
    "/api/v1/stats": {
      "get": {
        "summary": "Dashboard aggregates: analysed reports by the day first received, counted by a dimension",
        "parameters": [
          {"name": "dimension", "in": "query",
           "schema": {"type": "string", "enum": ["total", "category", "origin_country", "origin_asn", "domain"], "default": "total"}},
          {"name": "by", "in": "query", "schema": {"type": "string", "enum": ["day"]},
           "description": "one row per day and value (a time series) instead of totals"},
          {"name": "since", "in": "query", "schema": {"type": "string", "format": "date-time"}},
          {"name": "until", "in": "query", "schema": {"type": "string", "format": "date-time"}},
          {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 20},
           "description": "values, largest first"}],
        "responses": {
          "200": {"description": "Counts", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Stats"}}}},
          "400": {"$ref": "#/components/responses/Problem"},
          "401": {"$ref": "#/components/responses/Problem"},
          "403": {"$ref": "#/components/responses/Problem"}}
      }
    },
    "/api/v1/session": {
      "post": {
        "summary": "Sign in with a user name and password; sets the session cookie (HttpOnly, SameSite=Strict)",
        "security": [],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object",
          "required": ["user", "password"], "properties": {"user": {"type": "string"}, "password": {"type": "string"}}}}}},
        "responses": {
          "201": {"description": "Signed in", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Session"}}}},
          "400": {"$ref": "#/components/responses/Problem"},
          "401": {"$ref": "#/components/responses/Problem"},
          "429": {"$ref": "#/components/responses/Problem"}}
      },
      "get": {
        "summary": "Who the caller is: organisation, role, user and what the role may do",
        "responses": {
          "200": {"description": "The caller", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Caller"}}}},
          "401": {"$ref": "#/components/responses/Problem"}}
      },
      "delete": {
        "summary": "Sign out (ends the session)",
        "responses": {"204": {"description": "Signed out"}, "400": {"$ref": "#/components/responses/Problem"},
                      "401": {"$ref": "#/components/responses/Problem"}}
      }
    },
    "/api/v1/users": {
      "get": {
        "summary": "Users of the organisation (admin)",
        "responses": {
          "200": {"description": "Users", "content": {"application/json": {"schema": {"type": "object",
                  "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/User"}}}}}}},
          "401": {"$ref": "#/components/responses/Problem"},
          "403": {"$ref": "#/components/responses/Problem"}}
      },
      "post": {
        "summary": "Create a user of the organisation (admin); without a password one is generated and returned once",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object",
          "required": ["name", "role"], "properties": {"name": {"type": "string"}, "role": {"$ref": "#/components/schemas/Role"},
                                                       "password": {"type": "string", "minLength": 12}}}}}},
        "responses": {
          "201": {"description": "Created", "content": {"application/json": {"schema": {"type": "object",
                  "properties": {"name": {"type": "string"}, "role": {"type": "string"}, "organisation": {"type": "string"},
                                 "password": {"type": "string"}}}}}},
          "400": {"$ref": "#/components/responses/Problem"},
          "401": {"$ref": "#/components/responses/Problem"},
          "403": {"$ref": "#/components/responses/Problem"},
          "409": {"$ref": "#/components/responses/Problem"}}
      }
    },
    "/api/v1/users/{name}": {
      "patch": {
        "summary": "Change a user's role, password or disabled state (admin); a user may change their own password with current_password",
        "parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object",
          "properties": {"role": {"$ref": "#/components/schemas/Role"}, "disabled": {"type": "boolean"},
                         "password": {"type": "string", "minLength": 12}, "current_password": {"type": "string"}}}}}},
        "responses": {
          "200": {"description": "The user", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/User"}}}},
          "400": {"$ref": "#/components/responses/Problem"},
          "401": {"$ref": "#/components/responses/Problem"},
          "403": {"$ref": "#/components/responses/Problem"},
          "404": {"$ref": "#/components/responses/Problem"}}
      }
    },
    "/api/v1/tokens": {
      "get": {
        "summary": "API tokens of the organisation that are not revoked (admin)",
        "responses": {
          "200": {"description": "Tokens", "content": {"application/json": {"schema": {"type": "object",
                  "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Token"}}}}}}},
          "401": {"$ref": "#/components/responses/Problem"},
          "403": {"$ref": "#/components/responses/Problem"}}
      },
      "post": {
        "summary": "Create an API token (admin); the token is shown once",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object",
          "required": ["role"], "properties": {"role": {"$ref": "#/components/schemas/Role"}, "label": {"type": "string"}}}}}},
        "responses": {
          "201": {"description": "Created", "content": {"application/json": {"schema": {"allOf": [
                  {"$ref": "#/components/schemas/Token"}, {"type": "object", "properties": {"token": {"type": "string"}}}]}}}},
          "400": {"$ref": "#/components/responses/Problem"},
          "401": {"$ref": "#/components/responses/Problem"},
          "403": {"$ref": "#/components/responses/Problem"}}
      }
    },
    "/api/v1/tokens/{id}": {
      "delete": {
        "summary": "Revoke an API token (admin)",
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
        "responses": {"204": {"description": "Revoked"}, "401": {"$ref": "#/components/responses/Problem"},
                      "403": {"$ref": "#/components/responses/Problem"}, "404": {"$ref": "#/components/responses/Problem"}}
      }
    },
    "/api/v1/audit": {
      "get": {
        "summary": "The organisation's audit log, newest first (admin, coordinator)",
        "parameters": [
          {"name": "before", "in": "query", "schema": {"type": "integer"}, "description": "entries with a smaller seq"},
          {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 100}}],
        "responses": {
          "200": {"description": "Entries", "content": {"application/json": {"schema": {"type": "object",
                  "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/AuditEntry"}},
                                 "next_before": {"type": "integer", "nullable": true}}}}}},
          "401": {"$ref": "#/components/responses/Problem"},
          "403": {"$ref": "#/components/responses/Problem"}}
      }
    },
    "/api/v1/openapi.json": {
      "get": {"summary": "This document", "security": [],
              "responses": {"200": {"description": "OpenAPI 3 document"}}}
    }
  },
  "components": {
    "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"},
                        "session": {"type": "apiKey", "in": "cookie", "name": "lapis_session",
                                    "description": "changes (POST, PATCH, DELETE) also need the header X-Lapis-Request"}},
    "responses": {
      "Problem": {"description": "RFC 9457 problem details",
                  "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    },
    "schemas": {
      "Problem": {"type": "object", "required": ["type", "title", "status"],
                  "properties": {"type": {"type": "string"}, "title": {"type": "string"},
                                 "status": {"type": "integer"}, "detail": {"type": "string"}}},
      "Accepted": {"type": "object", "required": ["id", "new_report"],
                   "properties": {"id": {"type": "string"}, "new_report": {"type": "boolean"}}},
      "SmsReport": {"type": "object", "required": ["text"],
                    "properties": {"sender": {"type": "string"}, "text": {"type": "string"},
                                   "time": {"type": "string"}, "reporter_country": {"type": "string"},
                                   "reporter_number": {"type": "string"}}},
      "ReportSummary": {"type": "object",
                        "required": ["id", "kind", "status", "complaints", "size", "first_seen", "last_seen",
                                     "category", "subject", "campaign"],
                        "properties": {"id": {"type": "string"}, "kind": {"type": "string", "enum": ["email", "sms"]},
                                       "status": {"type": "string", "enum": ["pending", "analysed", "failed"]},
                                       "complaints": {"type": "integer"}, "size": {"type": "integer"},
                                       "first_seen": {"type": "string"}, "last_seen": {"type": "string"},
                                       "category": {"type": "string", "nullable": true},
                                       "subject": {"type": "string", "nullable": true},
                                       "campaign": {"type": "integer", "nullable": true},
                                       "error": {"type": "string", "nullable": true},
                                       "origin": {"type": "object", "nullable": true,
                                                  "description": "with=origin only: ip, kind, country, asn, as_org"}}},
      "Report": {"allOf": [{"$ref": "#/components/schemas/ReportSummary"},
                           {"type": "object", "required": ["analysis"],
                            "properties": {"analysis": {"type": "object", "nullable": true,
                                                        "description": "docs/analysis.md"},
                                           "personal_data": {"type": "object", "nullable": true,
                                                             "description": "only for roles that may read personal data"}}}]},
      "Campaign": {"type": "object", "required": ["id", "reports", "first_seen", "last_seen"],
                   "properties": {"id": {"type": "integer"}, "reports": {"type": "integer"},
                                  "first_seen": {"type": "string"}, "last_seen": {"type": "string"}}},
      "Sighting": {"type": "object", "required": ["type", "value", "reports", "first_seen", "last_seen"],
                   "properties": {"type": {"type": "string"}, "value": {"type": "string"},
                                  "reports": {"type": "integer"},
                                  "first_seen": {"type": "string", "nullable": true},
                                  "last_seen": {"type": "string", "nullable": true},
                                  "report_ids": {"type": "array", "items": {"type": "string"},
                                                 "description": "only for roles that may read reports"}}},
      "Facet": {"type": "object", "required": ["value", "reports"],
                "properties": {"value": {"type": "string"}, "reports": {"type": "integer"}}},
      "CampaignDetail": {"allOf": [{"$ref": "#/components/schemas/Campaign"}, {"type": "object",
        "required": ["categories", "origin_countries", "origin_asns", "top_indicators", "reports_url"],
        "properties": {"categories": {"type": "array", "items": {"$ref": "#/components/schemas/Facet"}},
                       "origin_countries": {"type": "array", "items": {"$ref": "#/components/schemas/Facet"}},
                       "origin_asns": {"type": "array", "items": {"$ref": "#/components/schemas/Facet"}},
                       "top_indicators": {"type": "array", "items": {"type": "object",
                         "properties": {"type": {"type": "string"}, "value": {"type": "string"}, "reports": {"type": "integer"}}}},
                       "reports_url": {"type": "string"}}}]},
      "Stats": {"type": "object", "required": ["dimension", "items"],
                "properties": {"dimension": {"type": "string"}, "items": {"type": "array", "items": {"type": "object",
                  "required": ["value", "reports"],
                  "properties": {"day": {"type": "string", "format": "date"}, "value": {"type": "string"},
                                 "reports": {"type": "integer"}}}}}},
      "Role": {"type": "string", "enum": ["admin", "coordinator", "analyst", "partner", "reporter"]},
      "Session": {"type": "object", "required": ["user", "organisation", "role", "expires_at", "token"],
                  "properties": {"user": {"type": "string"}, "organisation": {"type": "string"},
                                 "role": {"type": "string"}, "expires_at": {"type": "string"},
                                 "token": {"type": "string", "description": "also usable as a Bearer token"}}},
      "Caller": {"type": "object", "required": ["organisation", "role", "user", "actor", "permissions"],
                 "properties": {"organisation": {"type": "string"}, "role": {"type": "string"},
                                "user": {"type": "string", "nullable": true}, "actor": {"type": "string"},
                                "permissions": {"type": "array", "items": {"type": "string"}}}},
      "User": {"type": "object", "required": ["name", "role", "disabled", "created_at"],
               "properties": {"name": {"type": "string"}, "role": {"type": "string"}, "disabled": {"type": "boolean"},
                              "created_at": {"type": "string"}}},
      "Token": {"type": "object", "required": ["id", "role", "label"],
                "properties": {"id": {"type": "integer"}, "role": {"type": "string"}, "label": {"type": "string"},
                               "created_at": {"type": "string"}}},
      "AuditEntry": {"type": "object", "required": ["seq", "at", "actor", "action", "target", "detail", "hash"],
                     "properties": {"seq": {"type": "integer"}, "at": {"type": "string"}, "actor": {"type": "string"},
                                    "action": {"type": "string"}, "target": {"type": "string"},
                                    "detail": {"type": "string"}, "hash": {"type": "string"}}},
      "ReportPage": {"type": "object", "required": ["items", "next_cursor"],
                     "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/ReportSummary"}},
                                    "next_cursor": {"type": "string", "nullable": true}}}
    }
  }
})json";
}

}  // namespace lapis::api
