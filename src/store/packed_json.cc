#include "store/packed_json.h"

#include <zstd.h>

#include <memory>

namespace lapis::store {
namespace {

// The first byte of a packed value. JSON text starts with '{', '[', '"', a digit, a letter or
// white space, never with a control byte, so a value that starts otherwise was written unpacked.
constexpr unsigned char kPackedV1 = 0x01;

// Larger than any analysis Lapis writes by far; a frame that claims more is damaged.
constexpr unsigned long long kMaxUnpacked = 256ull << 20;

constexpr int kLevel = 1;

// What version 1 compresses against: the keys of an analysis and its personal data in the order
// they are written, with the values that recur most. zstd finds them here instead of in the value
// itself. Values packed with it are only ever read with it: a better dictionary is version 2.
constexpr std::string_view kDictionaryV1 =
    R"({"schema_version":1,"kind":"email","id":"","size":,"source":{"path":null,"index":null},)"
    R"("wrapper":null,"headers":{"subject":"","from":{"name":"","address":""},"to":[],"cc":[],)"
    R"("reply_to":[],"return_path":"","date":"T00:00:00Z","message_id":"","mailer":null,)"
    R"("list_unsubscribe":[]},"received":[{"helo":null,"rdns":null,"ip":null,"by":"localhost","by_ip":null,)"
    R"("protocol":"ESMTP","id":null,"for":null,"time":"T00:00:00Z","flags":[],"trusted":true,)"
    R"("raw":"from localhost (localhost [127.0.0.1]) by  (Postfix) with ESMTP id  for <(recipient)>; "},)"
    R"({"helo":"","rdns":"","ip":"","by":"","by_ip":null,"protocol":"SMTP","id":"","for":null,)"
    R"("time":"","flags":[],"trusted":false,"raw":"from  ([]) by  with SMTP id ; +0000"}],)"
    R"("origin":{"ip":"","hop":,"kind":"relay-client","confidence":"medium","reason":"message entered )"
    R"(the network at  (): the hops below it are local or private to that host","rdns":"","helo":"",)"
    R"("client_ip":null,"asn":,"as_org":"","country":""},"indicators":{"ips":[{"ip":"","sources":)"
    R"(["received"],"range":"loopback","asn":null,"as_org":null,"country":null},{"ip":"","sources":)"
    R"(["received"],"range":"public","asn":,"as_org":"","country":""}],"domains":[{"host":"www.",)"
    R"("registrable":"","sources":["url"]}],"urls":[{"url":"http://www.","host":"www.",)"
    R"("registrable":"","source":"html","display_text":null,"deobfuscated":false,"flags":[]}],)"
    R"("emails":[{"address":"","sources":["from"]}],"phones":[{"number":"+","e164":true,"country":"",)"
    R"("raw":"","source":"body"}],"payments":[],"attachments":[{"filename":null,"declared_type":"application/",)"
    R"("detected_type":"application/","size":,"sha256":"","flags":[],"archive_entries":[]}]},)"
    R"("authentication":{"spf":null,"dkim":null,"dmarc":null,)"
    R"("received_spf":null,"results":[],"dkim_signatures":[],"arc":false,"alignment":{"from_domain":"",)"
    R"("return_path_domain":"","return_path_aligned":false,"dkim_aligned":false}},"classification":)"
    R"({"category":"commercial-spam","score":0.,"reasons":[""],"scores":{"advance-fee-fraud":0,)"
    R"("commercial-spam":0,"extortion":0,"malware":0,"not-spam":0,"other-scam":0,"phishing":0}},)"
    R"("language":"en","fingerprint":{"algorithm":"minhash-64x4w-lsh16x4","body_hash":"",)"
    R"("subject_hash":"","shingles":,"minhash":[],"bands":["",""]},"defects":[]})"
    R"({"to":[{"name":null,"address":"@"}],"received_for":["@"],"recipient_emails":["@"]})";

struct Dictionaries {
  ZSTD_CDict* compress = ZSTD_createCDict(kDictionaryV1.data(), kDictionaryV1.size(), kLevel);
  ZSTD_DDict* decompress = ZSTD_createDDict(kDictionaryV1.data(), kDictionaryV1.size());
};

const Dictionaries& V1() {
  static const Dictionaries d;  // shared by every thread: zstd only reads them
  return d;
}

struct FreeCCtx { void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); } };
struct FreeDCtx { void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); } };

}  // namespace

std::string PackJson(std::string_view json) {
  thread_local std::unique_ptr<ZSTD_CCtx, FreeCCtx> cctx(ZSTD_createCCtx());
  std::string out(1 + ZSTD_compressBound(json.size()), '\0');
  out[0] = static_cast<char>(kPackedV1);
  size_t n = ZSTD_compress_usingCDict(cctx.get(), out.data() + 1, out.size() - 1, json.data(), json.size(),
                                      V1().compress);
  if (ZSTD_isError(n)) return std::string(json);  // cannot happen with a bound-sized buffer; stays readable
  out.resize(1 + n);
  return out;
}

Result<std::string> UnpackJson(std::string_view stored) {
  if (stored.empty() || static_cast<unsigned char>(stored[0]) != kPackedV1) return std::string(stored);
  stored.remove_prefix(1);
  unsigned long long size = ZSTD_getFrameContentSize(stored.data(), stored.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > kMaxUnpacked)
    return Fail(Status::Corruption("a packed JSON value has no valid zstd frame header"));
  thread_local std::unique_ptr<ZSTD_DCtx, FreeDCtx> dctx(ZSTD_createDCtx());
  std::string out(size, '\0');
  size_t n = ZSTD_decompress_usingDDict(dctx.get(), out.data(), out.size(), stored.data(), stored.size(),
                                        V1().decompress);
  if (ZSTD_isError(n) || n != size)
    return Fail(Status::Corruption(std::string("a packed JSON value does not decompress: ") +
                                   (ZSTD_isError(n) ? ZSTD_getErrorName(n) : "wrong size")));
  return out;
}

}  // namespace lapis::store
