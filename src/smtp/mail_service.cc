#include "smtp/mail_service.h"

namespace lapis::smtp {
namespace {

struct Checked {
  Router router;
  std::vector<std::pair<Protocol, HostPort>> where;
};

Result<Checked> Check(const MailServiceOptions& o) {
  if (o.smtp.empty() && o.lmtp.empty())
    return Fail(Status::InvalidArgument("no SMTP or LMTP address to listen on"));
  auto router = Router::Parse(o.routes);
  if (!router) return Fail(router.error());
  if (router->empty())
    return Fail(
        Status::InvalidArgument("the mail listener needs at least one route (ADDRESS=ORG)"));
  Checked c{std::move(*router), {}};
  for (auto [protocol, text] :
       {std::pair{Protocol::kSmtp, o.smtp}, std::pair{Protocol::kLmtp, o.lmtp}}) {
    if (text.empty()) continue;
    auto hp = ParseHostPort(text);
    if (!hp) return Fail(hp.error());
    c.where.emplace_back(protocol, *hp);
  }
  return c;
}

}  // namespace

MailService::MailService(Router router, service::Intake* intake, ListenerOptions options)
    : router_(std::move(router)),
      sink_(intake),
      listener_(std::make_unique<Listener>(&router_, &sink_, std::move(options))) {}

MailService::~MailService() { Stop(); }

Status MailService::Validate(const MailServiceOptions& options) {
  auto c = Check(options);
  return c ? Status::Ok() : c.error();
}

Result<std::unique_ptr<MailService>> MailService::Start(MailServiceOptions o,
                                                        service::Intake* intake) {
  auto checked = Check(o);
  if (!checked) return Fail(checked.error());
  std::unique_ptr<MailService> m(
      new MailService(std::move(checked->router), intake, std::move(o.listener)));
  for (const auto& [protocol, hp] : checked->where) {
    auto port = m->listener_->Bind(protocol, hp.host, hp.port);
    if (!port) return Fail(port.error());
    std::string host = hp.host.find(':') != std::string::npos ? "[" + hp.host + "]" : hp.host;
    m->endpoints_.emplace_back(ProtocolName(protocol), host + ":" + std::to_string(*port));
  }
  if (Status s = m->listener_->Start(); !s.ok()) return Fail(s);
  return m;
}

}  // namespace lapis::smtp
