// Entry point of the `lapis` program: parses the command line and the config file, runs a verb.
#pragma once

namespace lapis::cli {

int Main(int argc, char** argv);

}  // namespace lapis::cli
