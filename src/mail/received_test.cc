#include "mail/received.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>

namespace lapis::mail {
namespace {

// Expected fields of one parsed hop; unset strings are expected empty.
struct Row {
  const char* name;
  const char* input;
  std::optional<int64_t> time = std::nullopt;
  const char* helo = "";
  const char* rdns = "";
  const char* ip = "";
  const char* by = "";
  const char* protocol = "";
  const char* id = "";
  const char* for_addr = "";
  bool authenticated = false;
  bool tls = false;
  bool local = false;
  bool parsed = true;
};

void ExpectRow(const Row& row, const ReceivedHop& hop) {
  EXPECT_EQ(hop.helo, row.helo);
  EXPECT_EQ(hop.rdns, row.rdns);
  EXPECT_EQ(hop.ip, row.ip);
  EXPECT_EQ(hop.by, row.by);
  EXPECT_EQ(hop.protocol, row.protocol);
  EXPECT_EQ(hop.id, row.id);
  EXPECT_EQ(hop.for_addr, row.for_addr);
  EXPECT_EQ(hop.time, row.time);
  EXPECT_EQ(hop.authenticated, row.authenticated);
  EXPECT_EQ(hop.tls, row.tls);
  EXPECT_EQ(hop.local, row.local);
  EXPECT_EQ(hop.parsed, row.parsed);
  EXPECT_FALSE(hop.truncated);
}

// Unfolded Received values copied byte for byte from public corpora (the comment names the
// corpus and message). Expected times were computed independently of this parser.
// clang-format off
const Row kRealRows[] = {
    // SpamAssassin easy-ham-2/01184
    {.name = "SendmailRdnsAndIp",
     .input = "from egwn.net (ns2.egwn.net [193.172.5.4]) by dogma.slashnull.org (8.11.6/8.11.6) "
              "with ESMTP id g6VFul231935 for <jm-rpm@jmason.org>; Wed, 31 Jul 2002 16:56:48 +0100",
     .time = 1028131008, .helo = "egwn.net", .rdns = "ns2.egwn.net", .ip = "193.172.5.4",
     .by = "dogma.slashnull.org", .protocol = "ESMTP", .id = "g6VFul231935",
     .for_addr = "jm-rpm@jmason.org"},
    // SpamAssassin easy-ham-2/01302
    {.name = "SendmailMayBeForged",
     .input = "from cpu59.osdn.com (slashdot.org [64.28.67.73] (may be forged)) by "
              "dogma.slashnull.org (8.11.6/8.11.6) with ESMTP id g6O21K413499 for "
              "<jm-use-perl@jmason.org>; Wed, 24 Jul 2002 03:01:20 +0100",
     .time = 1027476080, .helo = "cpu59.osdn.com", .rdns = "slashdot.org", .ip = "64.28.67.73",
     .by = "dogma.slashnull.org", .protocol = "ESMTP", .id = "g6O21K413499",
     .for_addr = "jm-use-perl@jmason.org"},
    // SpamAssassin spam-2/00289
    {.name = "SendmailIdentPrefix",
     .input = "from MAIL5.INB-PRODUCTIONS.COM (IDENT:root@mail5.inb-productions.com "
              "[65.162.84.129]) by mandark.labs.netnoteinc.com (8.11.2/8.11.2) with ESMTP id "
              "g4D4S1D12839 for <jm@netnoteinc.com>; Mon, 13 May 2002 05:28:05 +0100",
     .time = 1021264085, .helo = "MAIL5.INB-PRODUCTIONS.COM", .rdns = "mail5.inb-productions.com",
     .ip = "65.162.84.129", .by = "mandark.labs.netnoteinc.com", .protocol = "ESMTP",
     .id = "g4D4S1D12839", .for_addr = "jm@netnoteinc.com"},
    // SpamAssassin easy-ham-2/01171
    {.name = "SendmailNoRdns",
     .input = "from cs78128057.pp.htv.fi ([62.78.128.57]) by posti.pp.htv.fi (8.11.1/8.11.1) with "
              "ESMTP id g6TLHLH00203 for <rpm-list@freshrpms.net>; Tue, 30 Jul 2002 00:17:21 +0300 "
              "(EETDST)",
     .time = 1027977441, .helo = "cs78128057.pp.htv.fi", .ip = "62.78.128.57",
     .by = "posti.pp.htv.fi", .protocol = "ESMTP", .id = "g6TLHLH00203",
     .for_addr = "rpm-list@freshrpms.net"},
    // sisimai lhost-sendgrid-01
    {.name = "SendmailHeloLiteralAuthenticated",
     .input = "from [192.0.2.34] (c135.kyoto.example.ne.jp [192.0.2.135]) (authenticated bits=0) "
              "by 5jo.example.jp with ESMTP id q9V7lr44015287 for <shironeko@example.jp>; Wed, 31 "
              "Oct 2012 16:47:54 +0900",
     .time = 1351669674, .helo = "[192.0.2.34]", .rdns = "c135.kyoto.example.ne.jp",
     .ip = "192.0.2.135", .by = "5jo.example.jp", .protocol = "ESMTP", .id = "q9V7lr44015287",
     .for_addr = "shironeko@example.jp", .authenticated = true},
    // sisimai lhost-sendmail-22
    {.name = "SendmailStartTls",
     .input = "from mx.example.co.jp (mx.example.co.jp [192.0.2.127]) by mx.example.co.jp "
              "(8.13.9/8.13.1) with ESMTP id fffff00000000 (version=TLSv1/SSLv3 "
              "cipher=DHE-RSA-AES256-SHA bits=256 verify=NO) for <shironeko@mx.example.co.jp>; "
              "Thu, 9 Apr 2014 23:34:45 +0900",
     .time = 1397054085, .helo = "mx.example.co.jp", .rdns = "mx.example.co.jp",
     .ip = "192.0.2.127", .by = "mx.example.co.jp", .protocol = "ESMTP", .id = "fffff00000000",
     .for_addr = "shironeko@mx.example.co.jp", .tls = true},
    // SpamAssassin easy-ham-2/00838
    {.name = "SendmailAuthenticatedAndUsingTls",
     .input = "from chimp.vancouver.com (muses.westel.com [204.244.110.7]) (authenticated (0 "
              "bits)) by axiom.braindust.com (8.12.5/8.11.6) with ESMTP id g6NN9Nds019121 (using "
              "TLSv1/SSLv3 with cipher EDH-RSA-DES-CBC3-SHA (168 bits) verified NO) for "
              "<fork@xent.com>; Tue, 23 Jul 2002 16:09:23 -0700",
     .time = 1027465763, .helo = "chimp.vancouver.com", .rdns = "muses.westel.com",
     .ip = "204.244.110.7", .by = "axiom.braindust.com", .protocol = "ESMTP",
     .id = "g6NN9Nds019121", .for_addr = "fork@xent.com", .authenticated = true, .tls = true},
    // nazario 20051114.mbox
    {.name = "SendmailLocalSubmission",
     .input = "(from adriana@localhost) by lx.maniu.alphatech2000.com (8.13.1/8.13.1/Submit) id "
              "j93N0l7I004302 for jose@monkey.org; Tue, 4 Oct 2005 02:00:47 +0300",
     .time = 1128380447, .by = "lx.maniu.alphatech2000.com", .id = "j93N0l7I004302",
     .for_addr = "jose@monkey.org", .local = true},
    // SpamAssassin easy-ham-1/01343
    {.name = "SendmailIpv6Loopback",
     .input = "from darkness.sial.org (localhost. [IPv6:::1]) by mail.sial.org (8.12.5/8.12.5) "
              "with ESMTP id g7SF6EQK002946 for <spamassassin-talk@lists.sourceforge.net>; Wed, 28 "
              "Aug 2002 08:06:14 -0700 (PDT)",
     .time = 1030547174, .helo = "darkness.sial.org", .rdns = "localhost", .ip = "::1",
     .by = "mail.sial.org", .protocol = "ESMTP", .id = "g7SF6EQK002946",
     .for_addr = "spamassassin-talk@lists.sourceforge.net"},
    // rspamd received2.eml
    {.name = "PostfixUnknownIpv6Tls",
     .input = "from server.chat-met-vreemden.nl (unknown "
              "[IPv6:2a01:7c8:aab6:26d:5054:ff:fed1:1da2]) (using TLSv1.2 with cipher "
              "ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)) (Client did not present a certificate) "
              "by mx1.freebsd.org (Postfix) with ESMTPS id CF0171862 for <test@example.com>; Mon,  "
              "6 Jul 2015 09:01:20 +0000 (UTC) (envelope-from upwest201diana@outlook.com)",
     .time = 1436173280, .helo = "server.chat-met-vreemden.nl",
     .ip = "2a01:7c8:aab6:26d:5054:ff:fed1:1da2", .by = "mx1.freebsd.org", .protocol = "ESMTPS",
     .id = "CF0171862", .for_addr = "test@example.com", .tls = true},
    // phishing-pot sample-3680
    {.name = "PostfixAuthenticatedSender",
     .input = "from vultr-guest (unknown [216.238.99.99]) (Authenticated sender: "
              "vidrosqualityglass5) by saasauth0012.correio.biz (Postfix) with ESMTPSA id "
              "C7EFE102996 for <phishing@pot>; Sat, 17 Aug 2024 06:31:46 -0300 (-03)",
     .time = 1723887106, .helo = "vultr-guest", .ip = "216.238.99.99",
     .by = "saasauth0012.correio.biz", .protocol = "ESMTPSA", .id = "C7EFE102996",
     .for_addr = "phishing@pot", .authenticated = true, .tls = true},
    // phishing-pot sample-357
    {.name = "PostfixTls13",
     .input = "from agrs3.descodmnd.com (agrs3.descodmnd.com [206.189.187.105]) (using TLSv1.3 "
              "with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 "
              "server-signature RSA-PSS (4096 bits) server-digest SHA256) (No client certificate "
              "requested) by mailin029.protonmail.ch (Postfix) with ESMTPS id 4PD5LP6gL4z9vNYC for "
              "<wbks4@protonmail.ch>; Fri, 10 Feb 2023 20:43:57 +0000 (UTC)",
     .time = 1676061837, .helo = "agrs3.descodmnd.com", .rdns = "agrs3.descodmnd.com",
     .ip = "206.189.187.105", .by = "mailin029.protonmail.ch", .protocol = "ESMTPS",
     .id = "4PD5LP6gL4z9vNYC", .for_addr = "wbks4@protonmail.ch", .tls = true},
    // SpamAssassin easy-ham-2/01112
    {.name = "PostfixFromUserid",
     .input = "by phobos.labs.netnoteinc.com (Postfix, from userid 500) id 9972E43C32; Wed, 21 Aug "
              "2002 13:10:34 -0400 (EDT)",
     .time = 1029949834, .by = "phobos.labs.netnoteinc.com", .id = "9972E43C32", .local = true},
    // rspamd rcvd7.eml
    {.name = "PostfixEmptyAddressIsNotAnIp",
     .input = "from forward100p.mail.test.net (forward106p.mail.test.net []) by "
              "mx7.mail.testler.ru (Postfix) with ESMTP id 9B38C6E043A for <test@test.com>; Mon, "
              "27 Apr 2020 19:45:05 +0300 (MSK)",
     .time = 1588005905, .helo = "forward100p.mail.test.net", .by = "mx7.mail.testler.ru",
     .protocol = "ESMTP", .id = "9B38C6E043A", .for_addr = "test@test.com"},
    // SpamAssassin easy-ham-1/02463
    {.name = "QmailHelo",
     .input = "from unknown (HELO n12.grp.scd.yahoo.com) (66.218.66.67) by mta3.grp.scd.yahoo.com "
              "with SMTP; 2 Dec 2002 08:54:50 -0000",
     .time = 1038819290, .helo = "n12.grp.scd.yahoo.com", .ip = "66.218.66.67",
     .by = "mta3.grp.scd.yahoo.com", .protocol = "SMTP"},
    // SpamAssassin easy-ham-2/00843
    {.name = "QmailInvokedByUid",
     .input = "(qmail 19201 invoked by uid 501); 24 Jul 2002 00:26:48 -0000",
     .time = 1027470408, .local = true, .parsed = false},
    // SpamAssassin easy-ham-2/00525
    {.name = "QmailInvokedFromNetwork",
     .input = "(qmail 18243 invoked from network); 19 Jul 2002 18:33:02 -0000",
     .time = 1027103582, .parsed = false},
    // SpamAssassin easy-ham-1/00947
    {.name = "QmailLdapIdentAtIp",
     .input = "from localhost (HELO deepeddy.vircio.com) "
              "(?2fF9ssrzq9reRjnAkbOlzR5iItlzuL0M?@[127.0.0.1]) (envelope-sender "
              "<cwg-exmh@DeepEddy.Com>) by localhost (qmail-ldap-1.03) with SMTP for "
              "<exmh-workers@redhat.com>; 26 Aug 2002 18:17:39 -0000",
     .time = 1030385859, .helo = "deepeddy.vircio.com", .rdns = "localhost", .ip = "127.0.0.1",
     .by = "localhost", .protocol = "SMTP", .for_addr = "exmh-workers@redhat.com"},
    // phishing-pot sample-3347
    {.name = "QmailSmtpAuthRemoteinfo",
     .input = "from dedicated-237.windscribe.com (HELO DESKTOP-2S3683U.mshome.net) "
              "(shastaice@4fast.net@192.34.83.237) by ns1.rootautomation.com with ESMTPA; 20 Jun "
              "2024 03:42:16 -0000",
     .time = 1718854936, .helo = "DESKTOP-2S3683U.mshome.net",
     .rdns = "dedicated-237.windscribe.com", .ip = "192.34.83.237", .by = "ns1.rootautomation.com",
     .protocol = "ESMTPA", .authenticated = true},
    // SpamAssassin easy-ham-1/00243
    {.name = "EximBracketIpWithHelo",
     .input = "from [217.42.100.248] (helo=oemcomputer) by carbon with smtp (Exim 3.22 #8) id "
              "17n5Bz-0005zZ-00 for forteana@yahoogroups.com; Thu, 05 Sep 2002 23:33:39 +0100",
     .time = 1031265219, .helo = "oemcomputer", .ip = "217.42.100.248", .by = "carbon",
     .protocol = "smtp", .id = "17n5Bz-0005zZ-00", .for_addr = "forteana@yahoogroups.com"},
    // SpamAssassin spam-2/00140
    {.name = "EximRdnsIpHelo",
     .input = "from 01-023.044.popsite.net ([64.24.247.23] helo=host) by lnx1.binotto.com.br with "
              "esmtp (Exim 3.12 #1 (Debian)) id 15TVLd-0002dt-00; Sun, 05 Aug 2001 18:22:10 -0300",
     .time = 997046530, .helo = "host", .rdns = "01-023.044.popsite.net", .ip = "64.24.247.23",
     .by = "lnx1.binotto.com.br", .protocol = "esmtp", .id = "15TVLd-0002dt-00"},
    // SpamAssassin easy-ham-2/01341
    {.name = "EximPortAfterBracket",
     .input = "from hippo.star.co.uk ([195.216.14.9]:2657) by panoramix.vasoftware.com with smtp "
              "(Exim 4.05-VA-mm1 #1 (Debian)) id 17hYvr-0006KW-00 for "
              "<SpamAssassin-talk@lists.sourceforge.net>; Wed, 21 Aug 2002 10:06:11 -0700",
     .time = 1029949571, .helo = "hippo.star.co.uk", .rdns = "hippo.star.co.uk",
     .ip = "195.216.14.9", .by = "panoramix.vasoftware.com", .protocol = "smtp",
     .id = "17hYvr-0006KW-00", .for_addr = "SpamAssassin-talk@lists.sourceforge.net"},
    // phishing-pot sample-983
    {.name = "EximEsmtpsaWithPortAndHelo",
     .input = "from [185.20.186.218] (port=53488 helo=WIN-RCZAJ1VQPF) by host.hddtotal6.com with "
              "esmtpsa  (TLS1.2) tls TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (Exim 4.96) "
              "(envelope-from <f.fuentes@rennyconceptos.com>) id 1qNz2Y-0006k8-2I for "
              "phishing@pot; Mon, 24 Jul 2023 11:08:10 -0600",
     .time = 1690218490, .helo = "WIN-RCZAJ1VQPF", .ip = "185.20.186.218",
     .by = "host.hddtotal6.com", .protocol = "esmtpsa", .id = "1qNz2Y-0006k8-2I",
     .for_addr = "phishing@pot", .authenticated = true, .tls = true},
    // sisimai lhost-exim-30
    {.name = "EximHeloIsALiteral",
     .input = "from a198-51-100-41.neko.example.de ([198.51.100.41] helo=[203.0.113.136]) by "
              "nekochan.example.net with esmtpsa (TLS1.2:DHE_RSA_AES_128_CBC_SHA1:128) (Exim 4.80) "
              "(envelope-from <sironeko@example.de>) id 1d18ZN-0000br-Mp; Thu, 20 Apr 2017 "
              "11:40:09 +0200",
     .time = 1492681209, .helo = "[203.0.113.136]", .rdns = "a198-51-100-41.neko.example.de",
     .ip = "198.51.100.41", .by = "nekochan.example.net", .protocol = "esmtpsa",
     .id = "1d18ZN-0000br-Mp", .authenticated = true, .tls = true},
    // SpamAssassin easy-ham-2/00330
    {.name = "EximLocalUser",
     .input = "from mconry by calm.mc with local (Exim 3.35 #1 (Debian)) id 17dVrr-0000y0-00 for "
              "<ilug@linux.ie>; Sat, 10 Aug 2002 14:01:19 +0100",
     .time = 1028984479, .by = "calm.mc", .protocol = "local", .id = "17dVrr-0000y0-00",
     .for_addr = "ilug@linux.ie", .local = true},
    // sisimai lhost-exim-05
    {.name = "Exim3HeloCommentThenBracket",
     .input = "from localhost (smtp-90.example.co.jp) [127.0.0.1] by mx4.example.org with esmtp "
              "(Exim 2.05 #1 (Debian)) id ffffff-000000-00; Thu, 29 Apr 1999 23:34:45 +0900",
     .time = 925396485, .helo = "smtp-90.example.co.jp", .rdns = "localhost", .ip = "127.0.0.1",
     .by = "mx4.example.org", .protocol = "esmtp", .id = "ffffff-000000-00"},
    // SpamAssassin easy-ham-2/00523
    {.name = "Exim3NoName",
     .input = "from (lee.csn.ul.ie) [193.95.184.122] by relay01.esat.net with esmtp id "
              "17hntu-0008Ns-00; Thu, 22 Aug 2002 10:05:11 +0100",
     .time = 1030007111, .helo = "lee.csn.ul.ie", .ip = "193.95.184.122", .by = "relay01.esat.net",
     .protocol = "esmtp", .id = "17hntu-0008Ns-00"},
    // SpamAssassin spam-2/01215
    {.name = "SmtpsvcBracketIp",
     .input = "from 1-800-doctors.com ([64.133.158.158]) by server.nationschurch.org with "
              "Microsoft SMTPSVC(5.0.2195.2966); Wed, 31 Jul 2002 04:55:20 -0500",
     .time = 1028109320, .helo = "1-800-doctors.com", .ip = "64.133.158.158",
     .by = "server.nationschurch.org", .protocol = "Microsoft"},
    // SpamAssassin easy-ham-1/00882
    {.name = "SmtpsvcPickupService",
     .input = "from mail pickup service by hotmail.com with Microsoft SMTPSVC; Fri, 4 Oct 2002 "
              "09:55:23 -0700",
     .time = 1033750523, .by = "hotmail.com", .protocol = "Microsoft", .local = true},
    // phishing-pot sample-1785
    {.name = "ExchangeOnlineIpv6",
     .input = "from MW4PR03CA0156.namprd03.prod.outlook.com (2603:10b6:303:8d::11) by "
              "BL3P223MB0115.NAMP223.PROD.OUTLOOK.COM (2603:10b6:208:34d::17) with Microsoft SMTP "
              "Server (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id "
              "15.20.6954.24; Fri, 3 Nov 2023 16:35:02 +0000",
     .time = 1699029302, .helo = "MW4PR03CA0156.namprd03.prod.outlook.com",
     .ip = "2603:10b6:303:8d::11", .by = "BL3P223MB0115.NAMP223.PROD.OUTLOOK.COM",
     .protocol = "Microsoft", .id = "15.20.6954.24", .tls = true},
    // phishing-pot sample-72
    {.name = "ExchangeOnlineFrontend",
     .input = "from mail229-220.static.kajabimail.net (143.55.229.220) by "
              "CO1NAM11FT029.mail.protection.outlook.com (10.13.174.214) with Microsoft SMTP "
              "Server (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id "
              "15.20.5654.14 via Frontend Transport; Mon, 26 Sep 2022 21:57:54 +0000",
     .time = 1664229474, .helo = "mail229-220.static.kajabimail.net", .ip = "143.55.229.220",
     .by = "CO1NAM11FT029.mail.protection.outlook.com", .protocol = "Microsoft",
     .id = "15.20.5654.14", .tls = true},
    // phishing-pot sample-162
    {.name = "ExchangeOnlineHttpsLoopback",
     .input = "from MW6PR19MB6903.namprd19.prod.outlook.com (::1) by "
              "MN0PR19MB6312.namprd19.prod.outlook.com with HTTPS; Wed, 14 Dec 2022 05:54:16 +0000",
     .time = 1670997256, .helo = "MW6PR19MB6903.namprd19.prod.outlook.com", .ip = "::1",
     .by = "MN0PR19MB6312.namprd19.prod.outlook.com", .protocol = "HTTPS", .tls = true},
    // SpamAssassin spam-2/00449
    {.name = "ImailHeloThenBracket",
     .input = "from 24.55.128.132 [193.251.78.214] by imail.infomatika.com (SMTPD32-7.10) id "
              "A030300138; Fri, 24 May 2002 15:18:56 -0500",
     .time = 1022271536, .helo = "24.55.128.132", .ip = "193.251.78.214",
     .by = "imail.infomatika.com", .id = "A030300138"},
    // SpamAssassin easy-ham-2/00525
    {.name = "FetchmailImap",
     .input = "from dogma.slashnull.org [212.17.35.15] by localhost with IMAP (fetchmail-5.9.0) "
              "for jm@localhost (single-drop); Mon, 22 Jul 2002 17:37:10 +0100 (IST)",
     .time = 1027355830, .helo = "dogma.slashnull.org", .ip = "212.17.35.15", .by = "localhost",
     .protocol = "IMAP", .for_addr = "jm@localhost"},
    // sisimai lhost-x5-01
    {.name = "FetchmailPop3",
     .input = "from 192.0.2.172 [192.0.2.172] by host-022.example.com with POP3 (fetchmail-6.3.17) "
              "for <nekobatch@localhost> (single-drop); Thu, 15 Oct 2015 15:22:22 +0900 (JST)",
     .time = 1444890142, .helo = "192.0.2.172", .ip = "192.0.2.172", .by = "host-022.example.com",
     .protocol = "POP3", .for_addr = "nekobatch@localhost"},
    // SpamAssassin spam-2/00359
    {.name = "WebmailViaHttp",
     .input = "from [64.86.155.135] by web21506.mail.yahoo.com via HTTP; Sat, 18 May 2002 06:06:02 "
              "PDT",
     .time = 1021727162, .helo = "[64.86.155.135]", .ip = "64.86.155.135",
     .by = "web21506.mail.yahoo.com", .protocol = "HTTP"},
    // SpamAssassin easy-ham-1/01372
    {.name = "SquirrelMailAuthenticatedUser",
     .input = "from 194.125.173.10 (SquirrelMail authenticated user yyyymail) by jmason.org with "
              "HTTP; Thu, 29 Aug 2002 00:34:17 +0100 (IST)",
     .time = 1030577657, .helo = "194.125.173.10", .by = "jmason.org", .protocol = "HTTP",
     .authenticated = true},
    // sisimai lhost-yahoo-04
    {.name = "YahooEhloLoopbackName",
     .input = "from 127.0.0.1  (EHLO nm36-vm0.bullet.mail.ne1.yahoo.com) (98.138.229.112) by "
              "mta1271.mail.bf1.yahoo.com with SMTPS; Sat, 06 Dec 2014 13:46:11 +0000",
     .time = 1417873571, .helo = "nm36-vm0.bullet.mail.ne1.yahoo.com", .ip = "98.138.229.112",
     .by = "mta1271.mail.bf1.yahoo.com", .protocol = "SMTPS", .tls = true},
    // sisimai lhost-yahoo-09
    {.name = "YahooEhloLiteral",
     .input = "from p225-ix5.kyoto.example.ne.jp (EHLO [192.0.2.2]) ([203.0.113.225]) by "
              "smtp414.mail.sg3.yahoo.com (Oath Hermes SMTP Server) with ESMTPA ID "
              "9a3a7736e9786733ee74cdfac825a603 for <neko@libsisimai.org>; Mon, 21 May 2018 "
              "12:22:13 +0000 (UTC)",
     .time = 1526905333, .helo = "[192.0.2.2]", .rdns = "p225-ix5.kyoto.example.ne.jp",
     .ip = "203.0.113.225", .by = "smtp414.mail.sg3.yahoo.com", .protocol = "ESMTPA",
     .id = "9a3a7736e9786733ee74cdfac825a603", .for_addr = "neko@libsisimai.org",
     .authenticated = true},
    // SpamAssassin spam-1/00143
    {.name = "CommuniGateHelo",
     .input = "from [172.191.136.24] (HELO mx1.mail.yahoo.com) by pccityny.net (CommuniGate Pro "
              "SMTP 3.4.3) with ESMTP id 2075992; Wed, 28 Aug 2002 10:24:55 -0400",
     .time = 1030544695, .helo = "mx1.mail.yahoo.com", .ip = "172.191.136.24", .by = "pccityny.net",
     .protocol = "ESMTP", .id = "2075992"},
    // spamscope mail_malformed_1
    {.name = "CommuniGateAccountHelo",
     .input = "from [129.212.207.5] (account captivatedm41@tin.it HELO "
              "idmktqmly.wpncbwhfbr.tin.it) by  (Postfix) with esmtpa (Exim 4.86) id 4CA80EAC911C "
              "for e.salvation.comprehei@virusnet.it; Tue, 24 May 2016 13:09:41 +0100",
     .time = 1464091781, .helo = "idmktqmly.wpncbwhfbr.tin.it", .ip = "129.212.207.5",
     .protocol = "esmtpa", .id = "4CA80EAC911C", .for_addr = "e.salvation.comprehei@virusnet.it",
     .authenticated = true},
    // phishing-pot sample-363
    {.name = "GmailEsmtpsaVersionTls",
     .input = "from DESKTOP-N645BI3 ([217.138.219.180]) by smtp.gmail.com with ESMTPSA id "
              "k16-20020a7bc410000000b003e21f959453sm6423846wmi.32.2023.02.23.07.30.09 for "
              "<phishing@pot> (version=TLS1 cipher=DES-CBC3-SHA bits=112/168); Thu, 23 Feb 2023 "
              "07:30:10 -0800 (PST)",
     .time = 1677166210, .helo = "DESKTOP-N645BI3", .ip = "217.138.219.180", .by = "smtp.gmail.com",
     .protocol = "ESMTPSA",
     .id = "k16-20020a7bc410000000b003e21f959453sm6423846wmi.32.2023.02.23.07.30.09",
     .for_addr = "phishing@pot", .authenticated = true, .tls = true},
    // SpamAssassin easy-ham-1/01235
    {.name = "CourierMappedIpv4AuthComment",
     .input = "from labmail.redmond.corp.microsoft.com (seattle.connectednw.com "
              "[::ffff:216.163.77.13]) (AUTH: CRAM-MD5 hosting@j2solutions.net) by "
              "mail.j2solutions.net with esmtp; Thu, 03 Oct 2002 14:24:58 -0700",
     .time = 1033680298, .helo = "labmail.redmond.corp.microsoft.com",
     .rdns = "seattle.connectednw.com", .ip = "216.163.77.13", .by = "mail.j2solutions.net",
     .protocol = "esmtp", .authenticated = true},
    // phishing-pot sample-1627
    {.name = "EceleritySquareBracketPort",
     .input = "from [162.220.223.124] ([162.220.223.124:55443] helo=localhost) by mail.mymts.net "
              "(envelope-from <noreply@messages.homeaway.com>) (ecelerity 4.4.1.20033 "
              "r(msys-ecelerity:tags/4.4.1.0^0)) with ESMTPSA (cipher=DHE-RSA-AES128-GCM-SHA256) "
              "id FF/E0-07263-3CF75356; Sun, 22 Oct 2023 16:02:13 -0400",
     .time = 1698004933, .helo = "localhost", .ip = "162.220.223.124", .by = "mail.mymts.net",
     .protocol = "ESMTPSA", .id = "FF/E0-07263-3CF75356", .authenticated = true, .tls = true},
    // sisimai lhost-dragonfly-30
    {.name = "DragonFlyLocalUid",
     .input = "from kijitora (uid 0) (envelope-from kijitora@df.example.jp) id e06d1 by "
              "df.example.jp (DragonFly Mail Agent v0.13); Tue, 11 Jun 2024 18:11:33 +0900",
     .time = 1718097093, .by = "df.example.jp", .id = "e06d1", .local = true},
    // phishing-pot sample-830
    {.name = "LmtpInternalHop",
     .input = "from a2-sodoma4-1 ([10.81.8.148]) by director-prod-uolhost-0 with LMTP id "
              "yMN9N5W3WmTISAAACk5xnQ (envelope-from <novaespaulo@sinopecpetro.com>) for "
              "<anne.compras+Quarentena@brasmedica.dominiotemporario.com>; Tue, 09 May 2023 "
              "21:13:57 +0000",
     .time = 1683666837, .helo = "a2-sodoma4-1", .ip = "10.81.8.148",
     .by = "director-prod-uolhost-0", .protocol = "LMTP", .id = "yMN9N5W3WmTISAAACk5xnQ",
     .for_addr = "anne.compras+Quarentena@brasmedica.dominiotemporario.com"},
    // SpamAssassin spam-1/00327
    {.name = "SmailDoubleFrom",
     .input = "from mx2.airmail.net from [209.196.77.99] by mail.airmail.net (/\\##/\\ "
              "Smail3.1.30.16 #30.56) with esmtp for <ler@airmail.net> sender: <vip@99-81.com> id "
              "<mO/17oq5U-000EoYO@mail.airmail.net>; Tue, 10 Sep 2002 13:50:12 -0500 (CDT)",
     .time = 1031683812, .helo = "mx2.airmail.net", .ip = "209.196.77.99", .by = "mail.airmail.net",
     .protocol = "esmtp", .id = "<mO/17oq5U-000EoYO@mail.airmail.net>",
     .for_addr = "ler@airmail.net"},
    // nazario phishing0.mbox
    {.name = "UppercaseKeywordsUnknownRdns",
     .input = "FROM 141.211.93.142 (Unknown [222.117.8.22]) BY brokenways.mr.itd.umich.edu ID "
              "41AFEC9F.40916.5394 ; 2 Dec 2004 23:33:36 -0500",
     .time = 1102048416, .helo = "141.211.93.142", .ip = "222.117.8.22",
     .by = "brokenways.mr.itd.umich.edu", .id = "41AFEC9F.40916.5394"},
    // SpamAssassin easy-ham-1/00222
    {.name = "AsctimeDateWithZone",
     .input = "FROM barge.dsg.cs.tcd.ie BY webshield ; Wed Aug 28 10:45:49 2002 +0100",
     .time = 1030527949, .helo = "barge.dsg.cs.tcd.ie", .by = "webshield"},
    // SpamAssassin easy-ham-2/00514
    {.name = "SemicolonsBetweenClauses",
     .input = "from ade (unknown [217.67.143.26]); by mail.online.ie with SMTP id 835DA701D; for "
              "<webdev@linux.ie>; Mon, 19 Aug 2002 12:11:45 +0100 (IST)",
     .time = 1029755505, .helo = "ade", .ip = "217.67.143.26", .by = "mail.online.ie",
     .protocol = "SMTP", .id = "835DA701D", .for_addr = "webdev@linux.ie"},
    // SpamAssassin spam-1/00004
    {.name = "MonthFirstAmPmDate",
     .input = "from [106.226.127.61] by n7.groups.yahoo.com with local; Aug, 22 2002 5:50:53 AM "
              "+0300",
     .time = 1029984653, .helo = "[106.226.127.61]", .ip = "106.226.127.61",
     .by = "n7.groups.yahoo.com", .protocol = "local", .local = true},
    // SpamAssassin spam-2/00034
    {.name = "ThreeDigitZone",
     .input = "From mail.e-cbc.com ([210.73.97.112])  by indago.ca [38.33.20.22] ;Wed, 27 Jun 2001 "
              "3:36:25 -400 (EDT)",
     .time = 993627385, .helo = "mail.e-cbc.com", .ip = "210.73.97.112", .by = "indago.ca"},
    // SpamAssassin spam-2/00072
    {.name = "UnverifiedIsNoRdns",
     .input = "from 122 (unverified [63.180.6.118]) by ns.ns.gongbuhaja.com (EMWAC SMTPRS 0.83) "
              "with SMTP id <B0000467837@ns.ns.gongbuhaja.com>; Thu, 05 Jul 2001 20:22:36 +0900",
     .time = 994332156, .helo = "122", .ip = "63.180.6.118", .by = "ns.ns.gongbuhaja.com",
     .protocol = "SMTP", .id = "<B0000467837@ns.ns.gongbuhaja.com>"},
    // nazario 20051114.mbox
    {.name = "GarbageAddressIsNotAnIp",
     .input = "from deutsche-bank.de (-1282048648 [-1282012832]) by "
              "cpe-24-161-172-100.san.res.rr.com (Qmailv1) with ESMTP id C0ACF5D099 for "
              "<username@domain.com>; Wed, 05 Oct 2005 02:37:15 -0500",
     .time = 1128497835, .helo = "deutsche-bank.de", .by = "cpe-24-161-172-100.san.res.rr.com",
     .protocol = "ESMTP", .id = "C0ACF5D099", .for_addr = "username@domain.com"},
    // SpamAssassin spam-2/00818
    {.name = "YearZeroOneZeroTwoIsInvalid",
     .input = "from [108.46.2.32] by m10.grp.snv.yahui.com with QMQP; Sun, 21 Jul 0102 16:40:51 "
              "+0600",
     .helo = "[108.46.2.32]", .ip = "108.46.2.32", .by = "m10.grp.snv.yahui.com",
     .protocol = "QMQP"},
    // SpamAssassin spam-1/00243, byte for byte: still folded, Big5 bytes instead of a date.
    {.name = "GluedNameAndIpFoldedWithBinaryDate",
     .input = "from login_0216.mailservice.net (mx.service.net[206.232.231.77]\n    (may be "
              "forged)) by [192.201.131.147] (8.8.5/8.7.3) with SMTP id XAA05533\n    for "
              "<ilug@linux.ie>;  "
              "\xacP\xb4\xc1\xa4G, 27 \xa4K\xa4\xeb 2002 01:50:37 -0700 (EDT)",
     .helo = "login_0216.mailservice.net", .rdns = "mx.service.net", .ip = "206.232.231.77",
     .by = "[192.201.131.147]", .protocol = "SMTP", .id = "XAA05533", .for_addr = "ilug@linux.ie"},
};
// clang-format on

TEST(Received, ParsesRealHeaders) {
  for (const Row& row : kRealRows) {
    SCOPED_TRACE(row.name);
    ExpectRow(row, ParseReceived(row.input));
  }
}

TEST(Received, TreatsLineBreaksAsSpaces) {
  for (const Row& row : kRealRows) {
    SCOPED_TRACE(row.name);
    // Fold the way a mail file would, and also leave stray bare CR and LF.
    std::string folded;
    int spaces = 0;
    for (const char* p = row.input; *p; ++p) {
      if (*p == ' ' && ++spaces % 3 == 0) {
        folded += spaces % 2 ? "\r\n\t" : "\n ";
      } else {
        folded += *p;
      }
    }
    ExpectRow(row, ParseReceived(folded));
  }
}

TEST(Received, NeverTakesIpFromHelo) {
  struct Case {
    const char* input;
    const char* ip;
    const char* helo;
  } cases[] = {
      // Sendmail/Postfix: the literal after "from" is the HELO; the comment holds the client.
      {"from [192.0.2.34] (c135.kyoto.example.ne.jp [192.0.2.135]) (authenticated bits=0) by "
       "5jo.example.jp with ESMTP id q9V7lr44015287; Wed, 31 Oct 2012 16:47:54 +0900",
       "192.0.2.135", "[192.0.2.34]"},
      {"from [192.168.1.5] (unknown [154.6.94.13]) (Authenticated sender: "
       "00001795@ipresspublicas.gob.pe) by mail.ipresspublicas.gob.pe (Postfix) with ESMTPSA id "
       "1625881C587D; Sun, 25 Jun 2023 18:58:31 -0500 (-05)",
       "154.6.94.13", "[192.168.1.5]"},
      // Exim: "helo=[x]" is the HELO, the leading bracket is the client.
      {"from [193.116.106.58] (helo=[192.168.8.106]) by CMR-KAKADU02.i-060e62c713b82d66b with "
       "esmtp (envelope-from <customer_service@tpg.com.au>) id 1rTKzJ-0006IT-2c; Fri, 26 Jan 2024 "
       "12:07:14 +0000",
       "193.116.106.58", "[192.168.8.106]"},
      // qmail/Yahoo: HELO and EHLO literals and address-like names are never the client.
      {"from 127.0.0.1  (EHLO nm36-vm0.bullet.mail.ne1.yahoo.com) (98.138.229.112) by "
       "mta1271.mail.bf1.yahoo.com with SMTPS; Sat, 06 Dec 2014 13:46:11 +0000",
       "98.138.229.112", "nm36-vm0.bullet.mail.ne1.yahoo.com"},
      {"from p225-ix5.kyoto.example.ne.jp (EHLO [192.0.2.2]) ([203.0.113.225]) by "
       "smtp414.mail.sg3.yahoo.com (Oath Hermes SMTP Server) with ESMTPA ID 9a3a77; Mon, 21 May "
       "2018 12:22:13 +0000 (UTC)",
       "203.0.113.225", "[192.0.2.2]"},
      {"from 209.197.199.5 (HELO www) by smtp.c001.snv.cp.net (209.228.32.109) with SMTP; 17 Jul "
       "2002 01:56:56 -0700",
       "", "www"},
      {"from 6.pool90-167-83.dynamic.orange.es (HELO 43.152.115.77) (kappa@uminchu.org) by "
       "s377.xrea.com with ESMTPA; 25 Jun 2024 00:27:36 +0900",
       "", "43.152.115.77"},
      {"from unknown (HELO [203.0.113.7]) by mx.example.org with SMTP; 1 Jan 2024 00:00:00 -0000",
       "", "[203.0.113.7]"},
      // IMail/SMTPD32: "from <helo> [ip]"; the HELO happens to look like an address.
      {"from 24.55.128.132 [193.251.78.214] by imail.infomatika.com (SMTPD32-7.10) id A030300138; "
       "Fri, 24 May 2002 15:18:56 -0500",
       "193.251.78.214", "24.55.128.132"},
      // Unbracketed names that look like addresses are names, not records.
      {"from 200.181.124.54 - 200.181.124.54 by tsapp.tsapp  with Microsoft "
       "SMTPSVC(5.5.1774.114.11); Tue, 30 Jul 2002 07:18:04 -0500",
       "", "200.181.124.54"},
      {"from 194.125.173.10 (SquirrelMail authenticated user yyyymail) by jmason.org with HTTP; "
       "Thu, 29 Aug 2002 00:34:17 +0100 (IST)",
       "", "194.125.173.10"},
      {"from 172.20.102.124:45726 by spica26.mgt.mul.t-online.de:8080; Thu, 7 Sep 2023 14:07:33 "
       "+0200 (CEST)",
       "", "172.20.102.124:45726"},
      // Old Hotmail webmail wrote the client unbracketed; only bracketed or parenthesised
      // records count.
      {"from 194.130.102.81 by lw11fd.law11.hotmail.msn.com with HTTP; Mon, 07 Oct 2002 11:51:33 "
       "GMT",
       "", "194.130.102.81"},
      // The receiver tried to record the client and failed: the leading literal is the HELO.
      {"from [198.51.100.9] (unknown []) by mx.example.org (Postfix) with SMTP id 1; Mon, 1 Jan "
       "2024 00:00:00 +0000",
       "", "[198.51.100.9]"},
      // Address-like text in the by clause or in envelope comments is not the client either.
      {"from mail.example.org (envelope-from <a@[192.0.2.1]>) by mx.example.net (192.0.2.2) with "
       "SMTP; 1 Jan 2024 00:00:00 +0000",
       "", "mail.example.org"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.input);
    const ReceivedHop hop = ParseReceived(c.input);
    EXPECT_EQ(hop.ip, c.ip);
    EXPECT_EQ(hop.helo, c.helo);
    EXPECT_TRUE(hop.parsed);
  }
}

TEST(Received, ParsesDateForms) {
  // 2002-08-22 12:34:56 UTC.
  constexpr int64_t kBase = 1030019696;
  struct Case {
    const char* date;
    std::optional<int64_t> time;
  } cases[] = {
      {"Thu, 22 Aug 2002 12:34:56 +0000", kBase},
      {"Thu, 22 Aug 2002 13:34:56 +0100", kBase},
      {"22 Aug 2002 08:34:56 -0400", kBase},
      {"Thu, 22 Aug 02 12:34:56 GMT", kBase},
      {"Thu, 22 Aug 2002 12:34:56 UT", kBase},
      {"Thu, 22 Aug 2002 12:34:56 Z", kBase},
      {"Thu, 22 Aug 2002 08:34:56 EDT", kBase},
      {"Thu, 22 Aug 2002 07:34:56 EST", kBase},
      {"Thu, 22 Aug 2002 05:34:56 PDT", kBase},
      {"Thu, 22 Aug 2002 05:34:56 -0700 (PDT)", kBase},
      {"Thu, 22 Aug 2002 12:34 +0000", kBase - 56},
      {"Thursday, 22 August 2002 12:34:56 +0000", kBase},
      {"Thu,  22 Aug 2002 12:34:56 +0000 (UTC) (envelope-from x@y)", kBase},
      {"Thu, 22 Aug 2002 12:34:56", kBase},
      {"Thu, 22 Aug 2002 12:34:56 XYZT", kBase},
      {"Thu, 22 Aug 2002 12:34:56 +05:30", kBase - 19800},
      {"Thu, 22 Aug 102 12:34:56 +0000", kBase},
      {"Thu Aug 22 12:34:56 2002", kBase},
      {"Aug, 22 2002 12:34:56 PM +0000", kBase},
      {"Aug, 22 2002 12:34:56 AM +0000", kBase - 12 * 3600},
      {"Thu, 01 Jan 1970 00:00:00 +0000", 0},
      {"Thu, 29 Feb 2024 00:00:00 +0000", 1709164800},
      {"Sun, 31 Dec 2049 23:59:60 +0000", 2524608000},
      {"1 Jan 50 00:00:00 +0000", -631152000},
      {"", std::nullopt},
      {"garbage", std::nullopt},
      {"Thu, 29 Feb 2001 00:00:00 +0000", std::nullopt},
      {"Thu, 32 Aug 2002 12:34:56 +0000", std::nullopt},
      {"Thu, 22 Foo 2002 12:34:56 +0000", std::nullopt},
      {"Thu, 22 Aug 2002 24:00:00 +0000", std::nullopt},
      {"Thu, 22 Aug 2002 12:60:00 +0000", std::nullopt},
      {"Thu, 22 Aug 2002 12:34:56 +9900", std::nullopt},
      {"Thu, 22 Aug 2002 13:34:56 PM +0000", std::nullopt},
      {"Thu, 22 Aug 1899 12:34:56 +0000", std::nullopt},
      {"Thu, 22 Aug 2002", std::nullopt},
      {"2002-08-22T12:34:56Z", std::nullopt},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.date);
    EXPECT_EQ(ParseReceived(std::string("by mx.example.org; ") + c.date).time, c.time);
  }
  EXPECT_FALSE(ParseReceived("by mx.example.org with SMTP id 1").time);
}

TEST(Received, ProtocolFlags) {
  struct Case {
    const char* with;
    bool authenticated;
    bool tls;
    bool local;
  } cases[] = {
      {"SMTP", false, false, false},     {"ESMTP", false, false, false},
      {"ESMTPA", true, false, false},    {"ESMTPS", false, true, false},
      {"ESMTPSA", true, true, false},    {"esmtpsa", true, true, false},
      {"LMTP", false, false, false},     {"LMTPA", true, false, false},
      {"LMTPS", false, true, false},     {"UTF8SMTPS", false, true, false},
      {"UTF8SMTPA", true, false, false}, {"UTF8SMTPSA", true, true, false},
      {"SMTPS", false, true, false},     {"HTTPS", false, true, false},
      {"local", false, false, true},     {"local-esmtp", false, false, true},
      {"ESMTPSAX", false, false, false}, {"localhost", false, false, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.with);
    const ReceivedHop hop =
        ParseReceived(std::string("from a.example (a.example [192.0.2.1]) by ") +
                      "b.example with " + c.with + "; 1 Jan 2024 00:00:00 +0000");
    EXPECT_EQ(hop.protocol, c.with);
    EXPECT_EQ(hop.authenticated, c.authenticated);
    EXPECT_EQ(hop.tls, c.tls);
    EXPECT_EQ(hop.local, c.local);
  }
  // The keyword stops at '(' and ';' as well as at whitespace.
  EXPECT_EQ(ParseReceived("by h with ESMTPS(TLS1.2); 1 Jan 2024 00:00:00 +0000").protocol,
            "ESMTPS");
  EXPECT_EQ(ParseReceived("by h with LMTPA;1 Jan 2024 00:00:00 +0000").protocol, "LMTPA");
  // Negated and embedded mentions of authentication do not count.
  EXPECT_FALSE(
      ParseReceived("from a (b [192.0.2.1]) (not authenticated) by c with SMTP").authenticated);
  EXPECT_FALSE(ParseReceived("from a (unauthenticated) by c with SMTP").authenticated);
  EXPECT_FALSE(ParseReceived("from a (auth02.example [192.0.2.1]) by c with SMTP").authenticated);
}

TEST(Received, UserIdIsLocal) {
  const ReceivedHop hop =
      ParseReceived("from userid 500 by mx.example.org; 1 Jan 2024 00:00:00 +0000");
  EXPECT_TRUE(hop.parsed);
  EXPECT_TRUE(hop.local);
  EXPECT_EQ(hop.helo, "");
  EXPECT_EQ(hop.ip, "");
  EXPECT_EQ(hop.by, "mx.example.org");
}

TEST(Received, TruncatesLongInput) {
  std::string value = "from a.example (a.example [192.0.2.1]) by b.example with ESMTP id ";
  const ReceivedHop exact =
      ParseReceived(value + std::string(kMaxReceivedLength - value.size(), 'x'));
  EXPECT_FALSE(exact.truncated);
  value += std::string(kMaxReceivedLength, 'x');
  value += "; Thu, 22 Aug 2002 12:34:56 +0000";
  const ReceivedHop hop = ParseReceived(value);
  EXPECT_TRUE(hop.truncated);
  EXPECT_TRUE(hop.parsed);
  EXPECT_EQ(hop.ip, "192.0.2.1");
  EXPECT_EQ(hop.id.size(), kMaxReceivedLength - 66);
  EXPECT_FALSE(hop.time);
}

TEST(Received, SurvivesGarbage) {
  constexpr char kWithNul[] = "from a\0b (c\0 [1.2.3.4]) by d";
  const std::string inputs[] = {
      "",
      " ",
      ";",
      ";;;;",
      "from",
      "from (",
      "from )",
      "from [",
      "from ]",
      "from [1.2.3.4",
      "from (a [1.2.3.4]",
      "from a (b [1.2.3.4]))) by c;",
      "from a ((((b [1.2.3.4]) by c; Thu, 22 Aug 2002 12:34:56 +0000",
      "by by by with with id id for for via via from from",
      "from [IPv6:] ([]) ([:]) (@) (@[) (helo=) (HELO) (EHLO )",
      "from ( ) (( )) [[]] by; ;",
      std::string(100 * 1024, '('),
      std::string(100 * 1024, ')'),
      std::string(100 * 1024, '['),
      std::string(100 * 1024, ';'),
      std::string(kWithNul, sizeof(kWithNul) - 1),
      "from " + std::string(50000, 'a') + " by b",
  };
  for (const std::string& in : inputs) {
    const ReceivedHop hop = ParseReceived(in);
    EXPECT_EQ(hop.truncated, in.size() > kMaxReceivedLength);
    EXPECT_TRUE(hop.ip.empty() || hop.ip == "1.2.3.4");
  }
  EXPECT_FALSE(ParseReceived("").parsed);
  EXPECT_FALSE(ParseReceived(std::string(100 * 1024, '(')).parsed);
  EXPECT_EQ(ParseReceived("from a (b [1.2.3.4] by c; x").ip, "1.2.3.4");

  // Deterministic random bytes, and random mixes of the characters the parser cares about.
  std::mt19937 rng(12345);
  const std::string_view alphabet = "()[];:@<>= .\r\n\tfrombywithidHELOhelo=0123456789";
  for (int round = 0; round < 2000; ++round) {
    std::string s(rng() % 600, '\0');
    for (char& c : s) {
      c = round % 2 ? static_cast<char>(rng() & 0xff) : alphabet[rng() % alphabet.size()];
    }
    const ReceivedHop hop = ParseReceived(s);
    EXPECT_FALSE(hop.truncated);
    if (!hop.ip.empty()) {
      EXPECT_EQ(hop.ip.find_first_of("()[] "), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace lapis::mail
