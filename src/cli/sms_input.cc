#include "cli/sms_input.h"

#include <cstdio>
#include <fstream>
#include <iostream>

namespace lapis::cli {

size_t ReadSmsReports(const std::vector<std::string>& paths,
                      const std::function<void(analysis::SmsReport&&, const std::string&, int64_t)>& fn) {
  size_t errors = 0;
  for (const auto& path : paths) {
    std::ifstream file;
    std::istream* in = &std::cin;
    if (path != "-") {
      file.open(path);
      if (!file) {
        std::fprintf(stderr, "lapis: %s: cannot open\n", path.c_str());
        ++errors;
        continue;
      }
      in = &file;
    }
    std::string line;
    int64_t lineno = 0;
    while (std::getline(*in, line)) {
      ++lineno;
      if (line.size() > kMaxSmsLine) line.resize(kMaxSmsLine);
      analysis::SmsReport sms;
      std::string err;
      if (!analysis::ParseSmsLine(line, &sms, &err)) {
        if (err != "empty line") {
          std::fprintf(stderr, "lapis: %s:%lld: %s\n", path.c_str(), static_cast<long long>(lineno), err.c_str());
          ++errors;
        }
        continue;
      }
      fn(std::move(sms), path, lineno);
    }
  }
  return errors;
}

}  // namespace lapis::cli
