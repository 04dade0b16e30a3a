#include "api/server.h"

namespace lapis::api {

std::string Server::OpenApiDocument() {
  return R"json({
  "openapi": "3.0.3",
  "info": {"title": "Lapis node API", "version": "1"},
  "servers": [{"url": "/"}],
  "security": [{"bearer": []}],
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
          {"name": "cursor", "in": "query", "schema": {"type": "string"}}],
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
          "200": {"description": "The campaign", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Campaign"}}}},
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
    "/api/v1/openapi.json": {
      "get": {"summary": "This document", "security": [],
              "responses": {"200": {"description": "OpenAPI 3 document"}}}
    }
  },
  "components": {
    "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
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
                                       "error": {"type": "string", "nullable": true}}},
      "Report": {"allOf": [{"$ref": "#/components/schemas/ReportSummary"},
                           {"type": "object", "required": ["analysis", "personal_data"],
                            "properties": {"analysis": {"type": "object", "nullable": true,
                                                        "description": "docs/analysis.md"},
                                           "personal_data": {"type": "object", "nullable": true}}}]},
      "Campaign": {"type": "object", "required": ["id", "reports", "first_seen", "last_seen"],
                   "properties": {"id": {"type": "integer"}, "reports": {"type": "integer"},
                                  "first_seen": {"type": "string"}, "last_seen": {"type": "string"}}},
      "Sighting": {"type": "object", "required": ["type", "value", "reports", "first_seen", "last_seen", "report_ids"],
                   "properties": {"type": {"type": "string"}, "value": {"type": "string"},
                                  "reports": {"type": "integer"},
                                  "first_seen": {"type": "string", "nullable": true},
                                  "last_seen": {"type": "string", "nullable": true},
                                  "report_ids": {"type": "array", "items": {"type": "string"}}}},
      "ReportPage": {"type": "object", "required": ["items", "next_cursor"],
                     "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/ReportSummary"}},
                                    "next_cursor": {"type": "string", "nullable": true}}}
    }
  }
})json";
}

}  // namespace lapis::api
