#include "cli/cli.h"

int main(int argc, char** argv) { return lapis::cli::Main(argc, argv); }
