// Entry point of the `lapis` program: parses the command line and the config file, runs a verb.
#pragma once

#include "store/store.h"

namespace lapis::cli {

// `open_store` opens the node's database (the program registers its backends there).
int Main(int argc, char** argv, const store::StoreOpener& open_store);

}  // namespace lapis::cli
