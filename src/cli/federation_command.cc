// `lapis federation ...` (docs/federation.md, docs/cli.md): the node's identity in the network,
// the roster the secretariat signs (init, add, revoke, show) and installs on every node, and the
// federation status of a node.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "federation/federation.h"

namespace lapis::cli {
namespace {

using json = nlohmann::json;
using namespace federation;

struct Opts {
  std::string data_dir, database, network, name, endpoint, sign_key, tls_key, reason, entry, file, secretariat_key;
  std::vector<std::string> orgs;
};

int Err(const std::string& m, int code = kExitPartial) {
  std::fprintf(stderr, "lapis: %s\n", m.c_str());
  return code;
}

std::string FedDir(const Opts& o) { return o.data_dir + "/federation"; }

bool ReadAll(const std::string& path, std::string* out) {
  if (path == "-") {
    std::ostringstream s;
    s << std::cin.rdbuf();
    *out = s.str();
    return true;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream s;
  s << in.rdbuf();
  *out = s.str();
  return true;
}

// The node's entry for the roster: what its operator sends the secretariat.
Result<RosterNode> OwnEntry(const Opts& o) {
  auto key = coop::LoadOrCreateNodeKey(o.data_dir);
  if (!key) return Fail(key.error());
  auto tls = LoadOrCreateTlsIdentity(FedDir(o));
  if (!tls) return Fail(tls.error());
  return RosterNode{o.name, o.endpoint, key->PublicHex(), tls->spki_sha256, o.orgs};
}

json EntryJson(const RosterNode& n) {
  return {{"name", n.name}, {"endpoint", n.endpoint}, {"sign_key", n.sign_key}, {"tls_key", n.tls_key},
          {"orgs", n.orgs}};
}

int RunIdentity(const Opts& o) {
  auto e = OwnEntry(o);
  if (!e) return Err(e.error().ToString());
  std::printf("%s\n", EntryJson(*e).dump(2).c_str());
  return kExitOk;
}

// The secretariat's roster as it holds it, checked with its own key.
Result<std::pair<Roster, coop::NodeKey>> SecretariatRoster(const Opts& o) {
  auto key = coop::LoadOrCreateNodeKey(o.data_dir);
  if (!key) return Fail(key.error());
  auto skey = LoadSecretariatKey(FedDir(o));
  if (!skey) return Fail(skey.error());
  if (*skey != key->PublicHex())
    return Fail(Status::PermissionDenied("this node is not the network's secretariat (its key is not " + *skey + ")"));
  auto doc = LoadRosterDocument(FedDir(o));
  if (!doc) return Fail(doc.error());
  auto r = VerifyRoster(*doc, *skey);
  if (!r) return Fail(r.error());
  return std::make_pair(std::move(*r), *key);
}

int Publish(const Opts& o, Roster r, const coop::NodeKey& key, const char* what) {
  r.issued_at = static_cast<int64_t>(time(nullptr));
  if (auto check = ParseRoster(RosterJson(r)); !check) return Err(check.error().message(), kExitUsage);
  if (Status s = SaveRosterDocument(FedDir(o), SignRoster(r, key)); !s.ok()) return Err(s.ToString());
  std::fprintf(stderr, "lapis: roster %s: serial %lld, %zu nodes; a running secretariat node sends it to every node\n",
               what, static_cast<long long>(r.serial), r.nodes.size());
  return kExitOk;
}

int RunInit(const Opts& o) {
  if (LoadRosterDocument(FedDir(o))) return Err(FedDir(o) + " already has a roster", kExitUsage);
  auto e = OwnEntry(o);
  if (!e) return Err(e.error().ToString());
  auto key = coop::LoadOrCreateNodeKey(o.data_dir);
  if (Status s = SaveSecretariatKey(FedDir(o), key->PublicHex()); !s.ok()) return Err(s.ToString());
  Roster r;
  r.network = o.network;
  r.serial = 1;
  r.nodes.push_back(*e);
  return Publish(o, std::move(r), *key, "made");
}

int RunAdd(const Opts& o) {
  auto sr = SecretariatRoster(o);
  if (!sr) return Err(sr.error().ToString());
  auto& [r, key] = *sr;
  RosterNode n;
  if (!o.entry.empty()) {
    std::string text;
    if (!ReadAll(o.entry, &text)) return Err("cannot read " + o.entry, kExitUsage);
    json j = json::parse(text, nullptr, false);
    if (!j.is_object()) return Err(o.entry + " is not a JSON object (lapis federation identity prints one)", kExitUsage);
    n.name = j.value("name", "");
    n.endpoint = j.value("endpoint", "");
    n.sign_key = j.value("sign_key", "");
    n.tls_key = j.value("tls_key", "");
    if (j.contains("orgs") && j["orgs"].is_array())
      for (const auto& x : j["orgs"])
        if (x.is_string()) n.orgs.push_back(x.get<std::string>());
  }
  if (!o.name.empty()) n.name = o.name;
  if (!o.endpoint.empty()) n.endpoint = o.endpoint;
  if (!o.sign_key.empty()) n.sign_key = o.sign_key;
  if (!o.tls_key.empty()) n.tls_key = o.tls_key;
  if (!o.orgs.empty()) n.orgs = o.orgs;
  bool replaced = false;
  for (auto& x : r.nodes)
    if (x.name == n.name) {
      x = n;
      replaced = true;
    }
  if (!replaced) r.nodes.push_back(n);
  for (auto it = r.revoked.begin(); it != r.revoked.end();)
    it = it->name == n.name && it->sign_key == n.sign_key ? r.revoked.erase(it) : it + 1;
  ++r.serial;
  return Publish(o, std::move(r), key, replaced ? "updated" : "extended");
}

int RunRevoke(const Opts& o) {
  auto sr = SecretariatRoster(o);
  if (!sr) return Err(sr.error().ToString());
  auto& [r, key] = *sr;
  const RosterNode* n = r.ByName(o.name);
  if (!n) return Err("no node " + o.name + " on the roster", kExitUsage);
  if (n->sign_key == key.PublicHex()) return Err("the secretariat does not revoke itself", kExitUsage);
  r.revoked.push_back({n->name, n->sign_key, n->tls_key, o.reason, static_cast<int64_t>(time(nullptr))});
  r.nodes.erase(r.nodes.begin() + (n - r.nodes.data()));
  ++r.serial;
  return Publish(o, std::move(r), key, "revoked a node");
}

int RunShow(const Opts& o) {
  auto skey = LoadSecretariatKey(FedDir(o));
  if (!skey) return Err(skey.error().ToString());
  auto doc = LoadRosterDocument(FedDir(o));
  if (!doc) return Err(doc.error().ToString());
  auto r = VerifyRoster(*doc, *skey);
  if (!r) return Err(r.error().ToString());
  json j = json::parse(RosterJson(*r));
  j["secretariat_key"] = *skey;
  std::printf("%s\n", j.dump(2).c_str());
  return kExitOk;
}

int RunInstall(const Opts& o) {
  std::string doc;
  if (!ReadAll(o.file, &doc)) return Err("cannot read " + o.file, kExitUsage);
  auto r = VerifyRoster(doc, o.secretariat_key);
  if (!r) return Err(r.error().ToString(), kExitUsage);
  if (auto cur = LoadRosterDocument(FedDir(o))) {
    auto old = VerifyRoster(*cur, o.secretariat_key);
    if (old && old->serial >= r->serial)
      return Err("the node already has roster serial " + std::to_string(old->serial), kExitUsage);
  }
  if (Status s = SaveSecretariatKey(FedDir(o), o.secretariat_key); !s.ok()) return Err(s.ToString());
  if (Status s = SaveRosterDocument(FedDir(o), doc); !s.ok()) return Err(s.ToString());
  std::fprintf(stderr, "lapis: installed roster serial %lld of network %s (%zu nodes)\n",
               static_cast<long long>(r->serial), r->network.c_str(), r->nodes.size());
  return kExitOk;
}

int RunStatus(const Opts& o, const store::StoreOpener& open_store) {
  auto st = OpenStoreOrReport(o.database, o.data_dir, open_store);
  if (!st) return kExitPartial;
  std::shared_ptr<Roster> roster;
  std::string self;
  auto key = coop::LoadOrCreateNodeKey(o.data_dir);
  if (auto skey = LoadSecretariatKey(FedDir(o)))
    if (auto doc = LoadRosterDocument(FedDir(o)))
      if (auto r = VerifyRoster(*doc, *skey)) {
        roster = std::make_shared<Roster>(std::move(*r));
        if (key)
          if (const RosterNode* n = roster->BySignKey(key->PublicHex())) self = n->name;
      }
  auto s = StatusJson(st->Sql(), roster.get(), self);
  if (!s) return Err(s.error().ToString());
  std::printf("%s\n", s->c_str());
  return kExitOk;
}

}  // namespace

std::function<int(const store::StoreOpener&)> AddFederationCommands(CLI::App& app, const std::string& database_help) {
  auto o = std::make_shared<Opts>();
  auto* fed = app.add_subcommand("federation", "The node's place in the network: identity, roster, status");
  fed->require_subcommand(1);
  auto data = [&o](CLI::App* c) { c->add_option("--data", o->data_dir, "Data directory of the node")->required(); };

  auto* identity = fed->add_subcommand(
      "identity", "Print the node's entry for the roster (its keys; made on first use) to send to the secretariat");
  data(identity);
  identity->add_option("--name", o->name, "The node's name in the network ([a-z0-9-])");
  identity->add_option("--endpoint", o->endpoint, "https://HOST:PORT where other nodes reach it (--federation-listen)");
  identity->add_option("--org", o->orgs, "An organisation the node hosts (repeatable)");

  auto* roster = fed->add_subcommand("roster", "The network's roster, signed by the secretariat");
  roster->require_subcommand(1);
  auto* init = roster->add_subcommand("init", "Make this node the secretariat of a new network, on its first roster");
  data(init);
  init->add_option("--network", o->network, "Name of the network")->required();
  init->add_option("--name", o->name, "This node's name")->required();
  init->add_option("--endpoint", o->endpoint, "https://HOST:PORT of this node's federation listener")->required();
  init->add_option("--org", o->orgs, "An organisation this node hosts (repeatable)");
  auto* add = roster->add_subcommand("add", "Admit a node (or change its entry); on the secretariat's node");
  data(add);
  add->add_option("--entry", o->entry, "The node's entry (lapis federation identity), a file or -");
  add->add_option("--name", o->name, "Node name");
  add->add_option("--endpoint", o->endpoint, "https://HOST:PORT");
  add->add_option("--sign-key", o->sign_key, "Its Ed25519 public key, hex");
  add->add_option("--tls-key", o->tls_key, "SHA-256 of its TLS key (SubjectPublicKeyInfo), hex");
  add->add_option("--org", o->orgs, "An organisation it hosts (repeatable)");
  auto* revoke = roster->add_subcommand("revoke", "Revoke a node: others refuse it from the next roster on");
  data(revoke);
  revoke->add_option("--name", o->name, "Node name")->required();
  revoke->add_option("--reason", o->reason, "Why (shown to the nodes that refuse it)")->required();
  auto* show = roster->add_subcommand("show", "Print the node's roster, checked against the secretariat's key");
  data(show);
  auto* install = roster->add_subcommand(
      "install", "Install a roster the secretariat signed (DATA_DIR/federation/roster.json on its node)");
  data(install);
  install->add_option("file", o->file, "The signed roster, or -")->required();
  install->add_option("--secretariat-key", o->secretariat_key, "The secretariat's public key (hex), as it published it")
      ->required();

  auto* status = fed->add_subcommand(
      "status", "Print the node's peers (queued, delivered, refused, last error and why) and refused messages");
  data(status);
  status->add_option("--database", o->database, database_help);

  return [o, identity, init, add, revoke, show, install, status](const store::StoreOpener& open_store) -> int {
    if (identity->parsed()) return RunIdentity(*o);
    if (init->parsed()) return RunInit(*o);
    if (add->parsed()) return RunAdd(*o);
    if (revoke->parsed()) return RunRevoke(*o);
    if (show->parsed()) return RunShow(*o);
    if (install->parsed()) return RunInstall(*o);
    if (status->parsed()) return RunStatus(*o, open_store);
    return -1;
  };
}

}  // namespace lapis::cli
