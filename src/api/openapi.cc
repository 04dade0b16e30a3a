#include "api/server.h"

#include <nlohmann/json.hpp>

namespace lapis::api {
namespace {

using nlohmann::json;

json Ref(const std::string& schema) { return {{"$ref", "#/components/schemas/" + schema}}; }

json Problems(std::initializer_list<const char*> codes) {
  json r = json::object();
  for (const char* c : codes) r[c] = {{"$ref", "#/components/responses/Problem"}};
  return r;
}

json Op(const std::string& summary, json responses, json params = json::array(), json body = nullptr) {
  json op = {{"summary", summary}, {"responses", std::move(responses)}};
  if (!params.empty()) op["parameters"] = std::move(params);
  if (!body.is_null()) op["requestBody"] = {{"required", true}, {"content", {{"application/json", {{"schema", body}}}}}};
  return op;
}

json Ok(const std::string& what, json schema, int code = 200) {
  json r = Problems({"400", "401", "403", "404"});
  r[std::to_string(code)] = {{"description", what}, {"content", {{"application/json", {{"schema", schema}}}}}};
  return r;
}

json Query(const char* name, const char* description, const char* type = "string") {
  return {{"name", name}, {"in", "query"}, {"schema", {{"type", type}}}, {"description", description}};
}

const json kIdParam = {{"name", "id"}, {"in", "path"}, {"required", true}, {"schema", {{"type", "integer"}}}};

json Page(const std::string& item) {
  return {{"type", "object"},
          {"properties", {{"items", {{"type", "array"}, {"items", Ref(item)}}}, {"next_cursor", {{"type", "string"}}}}}};
}

// The cooperation routes (api/coop_routes.cc; docs/cooperation.md).
void AddCooperation(json& doc) {
  json& paths = doc["paths"];
  json& schemas = doc["components"]["schemas"];
  const json marking = {
      {"tlp", {{"type", "string"}, {"enum", {"CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"}}}},
      {"audience", Ref("Audience")}};
  schemas["Audience"] = {
      {"type", "object"},
      {"description", "who may see the object besides its organisation (docs/cooperation.md, Sharing)"},
      {"properties",
       {{"kind", {{"type", "string"}, {"enum", {"organisation", "organisations", "groups", "agencies", "network"}}}},
        {"organisations", {{"type", "array"}, {"items", {{"type", "string"}}}}},
        {"groups", {{"type", "array"}, {"items", {{"type", "integer"}}}}},
        {"exclude", {{"type", "array"}, {"items", {{"type", "string"}}}, {"description", "LAP B.3"}}}}}};
  schemas["CoopObject"] = {
      {"type", "object"},
      {"description", "common members of every cooperation object; the members of its type follow"},
      {"required", {"id", "type", "organisation", "status", "title", "tlp", "audience", "version"}},
      {"properties",
       {{"id", {{"type", "integer"}}}, {"type", {{"type", "string"}}}, {"organisation", {{"type", "string"}}},
        {"status", {{"type", "string"}}}, {"title", {{"type", "string"}}}, {"tlp", marking["tlp"]},
        {"audience", Ref("Audience")}, {"created_at", {{"type", "string"}}}, {"updated_at", {{"type", "string"}}},
        {"version", {{"type", "integer"}}}}},
      {"additionalProperties", true}};
  schemas["Organisation"] = {
      {"type", "object"},
      {"properties",
       {{"name", {{"type", "string"}}}, {"kind", {{"type", "string"}, {"enum", {"agency", "partner"}}}},
        {"country", {{"type", "string"}}}, {"membership", {{"type", "string"}}},
        {"display_name", {{"type", "string"}}}, {"competences", {{"type", "array"}, {"items", {{"type", "string"}}}}},
        {"sector", {{"type", "string"}}}, {"languages", {{"type", "array"}, {"items", {{"type", "string"}}}}},
        {"b4", {{"type", "object"}, {"description", "LAP B.4 answers of a company"}}},
        {"contacts", {{"type", "array"}, {"items", Ref("CoopObject")}}},
        {"resources", {{"type", "array"}, {"items", Ref("CoopObject")}}}}}};
  schemas["Case"] = {
      {"allOf",
       {Ref("CoopObject"),
        {{"type", "object"},
         {"properties",
          {{"summary", {{"type", "string"}}},
           {"harm_score", {{"type", "number"}}},
           {"harm", {{"type", "object"}, {"description", "score and factors: name, points, max, basis"}}},
           {"stats", {{"type", "object"}}},
           {"inputs", {{"type", "object"}}},
           {"counts", {{"type", "object"}}},
           {"outcome", {{"type", "object"}, {"nullable", true}}}}}}}}};
  schemas["CaseSources"] = {
      {"type", "object"},
      {"properties",
       {{"reports", {{"type", "array"}, {"items", {{"type", "string"}}}}},
        {"campaigns", {{"type", "array"}, {"items", {{"type", "integer"}}}}},
        {"indicators", {{"type", "array"}, {"items", {{"type", "object"}, {"properties", {{"type", {{"type", "string"}}}, {"value", {{"type", "string"}}}}}}}}}}}};

  const json name_param = {{"name", "name"}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}};
  paths["/api/v1/organisations"]["get"] =
      Op("The directory: organisations of the network", Ok("Organisations", Page("Organisation")),
         {Query("q", "words in the name or entry"), Query("kind", "agency or partner"), Query("country", "ISO code"),
          Query("membership", "applicant, member, refused, withdrawn")});
  paths["/api/v1/organisations/{name}"]["get"] =
      Op("An organisation's entry with its contacts and resource lists", Ok("Entry", Ref("Organisation")), {name_param});
  paths["/api/v1/organisations/{name}"]["put"] =
      Op("Change the caller's own entry (admin, coordinator)", Ok("Entry", Ref("Organisation")), {name_param},
         Ref("Organisation"));
  paths["/api/v1/directory/export"]["get"] =
      Op("The directory as CSV or vCard 4.0",
         {{"200", {{"description", "text/csv or text/vcard"}}}, {"400", {{"$ref", "#/components/responses/Problem"}}}},
         {Query("format", "csv (default) or vcard"), Query("kind", "agency or partner"), Query("country", "ISO code")});
  struct Simple {
    const char* plural;
    const char* what;
  };
  for (const Simple& s : {Simple{"contacts", "Contacts (LAP A.1, A.2, B.1)"}, Simple{"resources", "Sector resource lists (LAP B.2)"},
                          Simple{"groups", "Groups of organisations, for audiences"},
                          Simple{"agreements", "Agreements: MoUs and other instruments"},
                          Simple{"meetings", "Meetings: agenda segments may leave out named organisations (LAP B.3)"}}) {
    const std::string base = std::string("/api/v1/") + s.plural;
    json list_params = {Query("q", "words"), Query("organisation", "originating organisation"),
                        Query("status", "status"), Query("limit", "1 to 500", "integer"), Query("cursor", "next page")};
    if (std::string(s.plural) == "agreements")
      list_params.push_back(Query("between", "two organisations, A,B: the agreements that join them"));
    if (std::string(s.plural) == "contacts") list_params.push_back(Query("role", "contact role"));
    if (std::string(s.plural) == "resources") list_params.push_back(Query("sector", "sector"));
    paths[base]["get"] = Op(std::string(s.what) + " the caller may see", Ok("A page", Page("CoopObject")), list_params);
    paths[base]["post"] = Op(std::string("Record one: ") + s.what, Ok("Made", Ref("CoopObject"), 201), json::array(),
                             Ref("CoopObject"));
    paths[base + "/{id}"]["get"] = Op("One of them", Ok("It", Ref("CoopObject")), {kIdParam});
    paths[base + "/{id}"]["patch"] =
        Op("Change it (its organisation only); version: the one read", Ok("Changed", Ref("CoopObject")), {kIdParam},
           Ref("CoopObject"));
  }
  const json binary = {{"type", "string"}, {"format", "binary"}};
  paths["/api/v1/agreements/{id}/document"]["put"] = {
      {"summary", "Attach the signed document (kept, content-addressed, in the evidence store)"},
      {"parameters", {kIdParam}},
      {"requestBody", {{"required", true}, {"content", {{"*/*", {{"schema", binary}}}}}}},
      {"responses", Ok("Attached", Ref("CoopObject"))}};
  paths["/api/v1/agreements/{id}/document"]["get"] =
      Op("The signed document", {{"200", {{"description", "the document's bytes"}}}, {"404", {{"$ref", "#/components/responses/Problem"}}}},
         {kIdParam});
  json case_body = {{"allOf", {Ref("CaseSources"), {{"type", "object"}, {"required", {"title"}},
                                                     {"properties", {{"title", {{"type", "string"}}}, {"summary", {{"type", "string"}}},
                                                                     {"tlp", marking["tlp"]}, {"audience", Ref("Audience")},
                                                                     {"assignees", {{"type", "array"}, {"items", {{"type", "string"}}}}},
                                                                     {"inputs", {{"type", "object"}}}}}}}}};
  paths["/api/v1/cases"]["post"] =
      Op("Make a case from reports, campaigns and indicators (all their reports at once)", Ok("Made", Ref("Case"), 201),
         json::array(), case_body);
  paths["/api/v1/cases"]["get"] =
      Op("Cases the caller may see", Ok("A page", Page("Case")),
         {Query("q", "words in the title and summary"), Query("status", "open, investigating, referred, closed"),
          Query("organisation", "owning agency"), Query("sort", "harm (default) or updated"),
          Query("report", "only cases holding this report of the caller's organisation"),
          Query("limit", "1 to 500", "integer"), Query("cursor", "next page")});
  paths["/api/v1/cases/{id}"]["get"] =
      Op("A case: harm breakdown, counts, first reports, campaigns, indicators, tasks, notes", Ok("The case", Ref("Case")),
         {kIdParam});
  paths["/api/v1/cases/{id}"]["patch"] =
      Op("Change a case: title, summary, assignees, inputs, status (closed needs an outcome), tlp, audience",
         Ok("Changed", Ref("Case")), {kIdParam}, {{"type", "object"}});
  paths["/api/v1/cases/{id}/reports"]["get"] =
      Op("The case's reports, a page at a time", Ok("Reports", {{"type", "object"}}),
         {kIdParam, Query("after", "the last report of the previous page"), Query("limit", "1 to 500", "integer")});
  paths["/api/v1/cases/{id}/reports"]["post"] =
      Op("Add reports, campaigns and indicators to a case", Ok("The case, with added_reports", Ref("Case")), {kIdParam},
         Ref("CaseSources"));
  paths["/api/v1/cases/{id}/tasks"]["post"] =
      Op("Add a task (title, assignee, due)", Ok("Made", Ref("CoopObject"), 201), {kIdParam}, {{"type", "object"}});
  paths["/api/v1/cases/{id}/notes"]["post"] =
      Op("Add a note (text)", Ok("Made", Ref("CoopObject"), 201), {kIdParam}, {{"type", "object"}});
  paths["/api/v1/tasks/{id}"]["patch"] =
      Op("Change a task: status (open, done), title, assignee, due", Ok("Changed", Ref("CoopObject")), {kIdParam},
         {{"type", "object"}});
  paths["/api/v1/cases/{id}/history"]["get"] =
      Op("Who did what to the case, and when", Ok("Events", {{"type", "object"}}), {kIdParam});
  paths["/api/v1/cases/{id}/package"]["get"] =
      Op("The evidence package (zip): raw messages, analyses, signed manifest, chain of custody",
         {{"200", {{"description", "application/zip"}}}, {"403", {{"$ref", "#/components/responses/Problem"}}},
          {"404", {{"$ref", "#/components/responses/Problem"}}}, {"413", {{"$ref", "#/components/responses/Problem"}}}},
         {kIdParam, Query("personal", "1: include complainants' personal data (the case's own organisation only)")});
}

// Referrals, requests, membership and notifications (api/workflow_routes.cc).
void AddWorkflows(json& doc) {
  json& paths = doc["paths"];
  json& schemas = doc["components"]["schemas"];
  const json obj = {{"type", "object"}};
  schemas["Transition"] = {
      {"type", "object"},
      {"required", {"to"}},
      {"properties",
       {{"to", {{"type", "string"}, {"description", "the next state (docs/cooperation.md, lifecycles)"}}},
        {"reason", {{"type", "string"}, {"description", "declined, withdrawn"}}},
        {"answer", {{"type", "string"}, {"description", "answered"}}},
        {"outcome",
         {{"type", "object"},
          {"properties",
           {{"kind", {{"type", "string"}, {"enum", {"warning", "fine", "undertaking", "prosecution", "no-action"}}}},
            {"detail", {{"type", "string"}}}}}}}}}};
  const json box = Query("box", "out (sent by the caller's organisation), in (sent to it) or all");
  const json page_params = {box, Query("status", "state"), Query("q", "words"), Query("limit", "1 to 500", "integer"),
                            Query("cursor", "next page")};
  paths["/api/v1/referrals/proposal"]["get"] =
      Op("The countries a report or campaign points to and their competent member agencies, with the agreements "
         "that apply",
         Ok("Countries and candidates", obj), {Query("report", "report id"), Query("campaign", "campaign id")});
  paths["/api/v1/referrals"]["post"] =
      Op("Refer reports or campaigns to an agency in another country (EU common procedure)",
         Ok("Sent", Ref("CoopObject"), 201), json::array(),
         {{"type", "object"},
          {"required", {"to"}},
          {"properties",
           {{"to", {{"type", "string"}}}, {"agreement", {{"type", "integer"}}}, {"summary", {{"type", "string"}}},
            {"country", {{"type", "string"}}}, {"reports", {{"type", "array"}, {"items", {{"type", "string"}}}}},
            {"campaigns", {{"type", "array"}, {"items", {{"type", "integer"}}}}}}}});
  paths["/api/v1/referrals"]["get"] = Op("Referrals sent and received", Ok("A page", Page("CoopObject")), page_params);
  paths["/api/v1/referrals/{id}"]["get"] =
      Op("A referral (the receiving agency's first read marks it received)", Ok("It", Ref("CoopObject")), {kIdParam});
  paths["/api/v1/referrals/{id}/transitions"]["post"] =
      Op("Move a referral: received, accepted, declined (reason), closed (outcome), withdrawn (reason)",
         Ok("Moved", Ref("CoopObject")), {kIdParam}, Ref("Transition"));
  paths["/api/v1/referrals/{id}/reports"]["get"] =
      Op("The referred reports with their analyses; personal data only with entitlement", Ok("Reports", obj),
         {kIdParam, Query("cursor", "next page"), Query("limit", "1 to 500", "integer")});
  paths["/api/v1/referrals/{id}/package"]["get"] =
      Op("The referral's evidence package (raw messages and personal data only with entitlement)",
         {{"200", {{"description", "application/zip"}}}, {"404", {{"$ref", "#/components/responses/Problem"}}}},
         {kIdParam});
  paths["/api/v1/requests/template"]["get"] =
      Op("A request for information to a company, pre-filled from its LAP B.4 answers", Ok("The template", obj),
         {Query("to", "the company"), Query("kind", "ip-subscriber, domain-registrant, account-holder, payment-account, other")});
  paths["/api/v1/requests"]["post"] =
      Op("Send (or draft, send: false) a mutual-assistance request to an agency under an agreement, or a request "
         "for information to a company",
         Ok("Made", Ref("CoopObject"), 201), json::array(),
         {{"type", "object"},
          {"required", {"kind", "to"}},
          {"properties",
           {{"kind", {{"type", "string"}, {"enum", {"assistance", "company"}}}}, {"to", {{"type", "string"}}},
            {"agreement", {{"type", "integer"}}}, {"case", {{"type", "integer"}}},
            {"actions", {{"type", "array"}, {"items", {{"type", "string"}}}}}, {"subject", obj},
            {"title", {{"type", "string"}}}, {"description", {{"type", "string"}}},
            {"legal_basis", {{"type", "string"}}}, {"due", {{"type", "string"}}},
            {"priority", {{"type", "string"}, {"enum", {"low", "medium", "high"}}}}, {"send", {{"type", "boolean"}}}}}});
  json req_params = page_params;
  req_params.push_back(Query("overdue", "1: only requests past their due time and still waiting"));
  paths["/api/v1/requests"]["get"] = Op("Requests sent and received", Ok("A page", Page("CoopObject")), req_params);
  paths["/api/v1/requests/{id}"]["get"] = Op("A request", Ok("It", Ref("CoopObject")), {kIdParam});
  paths["/api/v1/requests/{id}/transitions"]["post"] =
      Op("Move a request: sent, acknowledged, in-progress, answered (answer), declined (reason), closed (outcome), "
         "withdrawn (reason)",
         Ok("Moved", Ref("CoopObject")), {kIdParam}, Ref("Transition"));
  paths["/api/v1/requests/{id}/attachments"]["post"] = {
      {"summary", "Attach a file (kept in the evidence store) to a request or its answer"},
      {"parameters", {kIdParam, Query("name", "file name")}},
      {"requestBody", {{"required", true}, {"content", {{"*/*", {{"schema", {{"type", "string"}, {"format", "binary"}}}}}}}}},
      {"responses", Ok("Attached", Ref("CoopObject"), 201)}};
  paths["/api/v1/requests/{id}/attachments/{n}"]["get"] =
      Op("An attachment",
         {{"200", {{"description", "the file"}}}, {"404", {{"$ref", "#/components/responses/Problem"}}}},
         {kIdParam, {{"name", "n"}, {"in", "path"}, {"required", true}, {"schema", {{"type", "integer"}}}}});
  paths["/api/v1/applications"]["post"] =
      Op("Apply to join the network (LAP D); member agencies may object until the period ends",
         Ok("Open", Ref("CoopObject"), 201), json::array(), obj);
  paths["/api/v1/applications"]["get"] =
      Op("Applications the caller may see", Ok("A page", Page("CoopObject")), {Query("status", "open, admitted, refused")});
  paths["/api/v1/applications/{id}"]["get"] = Op("An application", Ok("It", Ref("CoopObject")), {kIdParam});
  paths["/api/v1/applications/{id}/objections"]["post"] =
      Op("Object to an application (member agencies, with a reason)", Ok("Recorded", Ref("CoopObject"), 201),
         {kIdParam}, {{"type", "object"}, {"required", {"reason"}}, {"properties", {{"reason", {{"type", "string"}}}}}});
  paths["/api/v1/organisations/{name}/withdraw"]["post"] =
      Op("Withdraw the caller's organisation from the network (admin)", Ok("Withdrawn", obj),
         {{{"name", "name"}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}}});
  paths["/api/v1/notifications"]["get"] =
      Op("What the organisation was told (event, about_type, about_id, state, from), newest first, with the count "
         "unread",
         Ok("A page", Page("CoopObject")),
         {Query("status", "new or read"), Query("limit", "1 to 500", "integer"), Query("cursor", "next page")});
  paths["/api/v1/notifications/read"]["post"] =
      Op("Mark notifications read: ids, or all", Ok("How many, and how many are left unread", obj), json::array(),
         {{"type", "object"},
          {"properties", {{"ids", {{"type", "array"}, {"items", {{"type", "integer"}}}}}, {"all", {{"type", "boolean"}}}}}});
}

// Shares of reports, campaigns and indicators (api/share_routes.cc).
void AddShares(json& doc) {
  json& paths = doc["paths"];
  const json obj = {{"type", "object"}};
  paths["/api/v1/shares"]["post"] =
      Op("Share reports, campaigns (all their reports) and indicators with an audience under a TLP marking",
         Ok("Shared", Ref("CoopObject"), 201), json::array(),
         {{"allOf", {Ref("CaseSources"), {{"type", "object"}, {"required", {"title"}},
                                          {"properties", {{"title", {{"type", "string"}}}, {"summary", {{"type", "string"}}},
                                                          {"tlp", {{"type", "string"}}}, {"audience", Ref("Audience")},
                                                          {"agreement", {{"type", "integer"}}}}}}}}});
  paths["/api/v1/shares"]["get"] =
      Op("Shares the caller may see", Ok("A page", Page("CoopObject")),
         {Query("q", "words in the title and summary"), Query("organisation", "sharing organisation"),
          Query("status", "active (default) or withdrawn (the caller's own)"),
          Query("box", "in (shared by others), out (the caller's own) or all"), Query("limit", "1 to 500", "integer"),
          Query("cursor", "next page")});
  paths["/api/v1/shares/{id}"]["get"] =
      Op("A share: counts, indicators with their sightings", Ok("It", Ref("CoopObject")), {kIdParam});
  paths["/api/v1/shares/{id}"]["patch"] =
      Op("Change a share's marking, audience or title, or withdraw it (status: withdrawn)", Ok("Changed", Ref("CoopObject")),
         {kIdParam}, obj);
  paths["/api/v1/shares/{id}/reports"]["get"] =
      Op("The shared reports; personal data only with entitlement", Ok("Reports", obj),
         {kIdParam, Query("with", "analysis: each report's analysis"), Query("cursor", "next page"),
          Query("limit", "1 to 500", "integer")});
  paths["/api/v1/shares/{id}/stats"]["get"] =
      Op("Counts over the shared reports: reports, complaints, categories, countries", Ok("Counts", obj), {kIdParam});
  paths["/api/v1/shares/{id}/export"]["get"] =
      Op("The shared reports and indicators as CSV",
         {{"200", {{"description", "text/csv"}}}, {"404", {{"$ref", "#/components/responses/Problem"}}}}, {kIdParam});
  paths["/api/v1/shares/{id}/reports/{report}/raw"]["get"] =
      Op("A shared report's raw message (it names the recipients: only under an agreement allowing personal data)",
         {{"200", {{"description", "message/rfc822"}}}, {"403", {{"$ref", "#/components/responses/Problem"}}},
          {"404", {{"$ref", "#/components/responses/Problem"}}}},
         {kIdParam, {{"name", "report"}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}}});
}

const char* const kBaseDocument = R"json({
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


// Organisations' messages across the network and the federation status (api/federation_routes.cc;
// docs/federation.md).
void AddFederation(json& doc) {
  json& paths = doc["paths"];
  json& schemas = doc["components"]["schemas"];
  schemas["OrgMessage"] = {
      {"type", "object"},
      {"required", {"id", "conversation", "direction", "org", "text", "sent_at", "delivery"}},
      {"properties",
       {{"id", {{"type", "string"}}},
        {"conversation", {{"type", "string"}}},
        {"direction", {{"type", "string"}, {"enum", {"in", "out"}}}},
        {"org", {{"type", "string"}}},
        {"to", {{"type", "string"}}},
        {"from", {{"type", "string"}}},
        {"subject", {{"type", "string"}}},
        {"text", {{"type", "string"}}},
        {"actor", {{"type", "string"}}},
        {"sent_at", {{"type", "integer"}, {"description", "ms since the epoch"}}},
        {"node", {{"type", {"string", "null"}}, {"description", "the other organisation's node; null: this node"}}},
        {"delivery", {{"type", "string"}, {"enum", {"queued", "delivered", "rejected", "local", "received"}}}},
        {"delivery_error", {{"type", "string"}}}}}};
  paths["/api/v1/federation/messages"]["post"] = Op(
      "Send a secure message to an organisation of the network (on this node or another)",
      Ok("queued for the recipient's node, or delivered on this node",
         {{"type", "object"},
          {"properties",
           {{"id", {{"type", "string"}}},
            {"conversation", {{"type", "string"}}},
            {"to_node", {{"type", {"string", "null"}}}},
            {"seq", {{"type", "integer"}}},
            {"delivery", {{"type", "string"}}}}}},
         202),
      json::array(),
      {{"type", "object"},
       {"required", {"to", "text"}},
       {"properties",
        {{"to", {{"type", "string"}}},
         {"conversation", {{"type", "string"}, {"description", "[a-z0-9-]{1,64}; absent: a new conversation"}}},
         {"subject", {{"type", "string"}}},
         {"text", {{"type", "string"}}}}}});
  paths["/api/v1/federation/messages"]["get"] =
      Op("The caller's organisation's messages, newest first, with their delivery", Ok("messages", Page("OrgMessage")),
         {Query("conversation", "only this conversation"), Query("limit", "at most this many", "integer"),
          Query("cursor", "next_cursor of the previous page")});
  schemas["MirroredShare"] = {
      {"type", "object"},
      {"description", "a share made on another node, as its node last sent it (docs/federation.md, Shared objects)"},
      {"properties",
       {{"origin_node", {{"type", "string"}}},
        {"origin_id", {{"type", "integer"}}},
        {"organisation", {{"type", "string"}}},
        {"title", {{"type", "string"}}},
        {"status", {{"type", "string"}, {"enum", {"active", "withdrawn"}}}},
        {"tlp", {{"type", "string"}}},
        {"audience", Ref("Audience")},
        {"data", {{"type", "object"}}},
        {"version", {{"type", "integer"}}},
        {"reports_held", {{"type", "integer"}}},
        {"reports", {{"type", "array"}, {"items", {{"type", "object"}}}}}}}};
  paths["/api/v1/federation/shares"]["get"] =
      Op("Shares (or cases, or applications to the network) made on other nodes for the caller's organisation",
         Ok("copies", Page("MirroredShare")),
         {Query("type", "share (the default), case or application"), Query("limit", "at most this many", "integer")});
  paths["/api/v1/federation/applications/{name}/{id}/objections"]["post"] = Op(
      "Object to an application another node holds (member agencies)",
      Ok("queued for that node", {{"type", "object"},
                                  {"properties", {{"id", {{"type", "string"}}}, {"to_node", {{"type", "string"}}}}}},
         202),
      {{{"name", "name"}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}},
       {{"name", "id"}, {"in", "path"}, {"required", true}, {"schema", {{"type", "integer"}}}}},
      {{"type", "object"}, {"required", {"reason"}}, {"properties", {{"reason", {{"type", "string"}}}}}});
  paths["/api/v1/federation/shares/{name}/{id}"]["get"] = Op(
      "One of them with its reports' analyses", Ok("the copy", Ref("MirroredShare")),
      {{{"name", "name"}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}},
       {{"name", "id"}, {"in", "path"}, {"required", true}, {"schema", {{"type", "integer"}}}}});
  paths["/api/v1/federation/status"]["get"] =
      Op("The node's federation: its keys, the roster, each peer's queue, deliveries and last error, "
         "and the latest refused messages with the reason (admins)",
         Ok("status", {{"type", "object"}}));
}

}  // namespace

std::string Server::OpenApiDocument() {
  static const std::string doc = [] {
    json d = json::parse(kBaseDocument);
    AddCooperation(d);
    AddWorkflows(d);
    AddShares(d);
    AddFederation(d);
    return d.dump(1);
  }();
  return doc;
}

}  // namespace lapis::api
