#pragma once
// Compact storage of the JSON documents a store writes with every analysis.
//
// An analysis is about 7 KB of JSON, more than the message it describes on average, and most of
// it is the same keys in the same order every time. Packed, it is a zstd frame compressed against
// a built-in dictionary of those keys (3-5 times smaller), so each saved analysis writes a page or
// two instead of several. A packed value starts with a version byte that no JSON text starts with,
// so values written before packing existed still read as they are.

#include <string>
#include <string_view>

#include "common/status.h"

namespace lapis::store {

// `json` compressed; the result is binary (store it as a BLOB / bytea).
std::string PackJson(std::string_view json);

// The JSON text of a value written by PackJson, or `stored` itself when it was never packed.
// A packed value that does not decompress is an error (the stored bytes are damaged).
Result<std::string> UnpackJson(std::string_view stored);

}  // namespace lapis::store
