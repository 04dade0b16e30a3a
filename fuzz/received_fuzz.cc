// libFuzzer target: the Received header parser.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mail/received.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto hop = lapis::mail::ParseReceived(std::string_view(reinterpret_cast<const char*>(data), size));
  if (hop.ip.size() > 64) __builtin_trap();  // an IP in canonical form is never that long
  return 0;
}
