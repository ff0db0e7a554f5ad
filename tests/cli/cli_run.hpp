#pragma once
// Runs the `inkstone` binary for tests and captures its exit code, stdout and stderr.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace inkstone::testing {

struct CliResult {
  int code = -1;
  std::string out;
  std::string err;
};

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// `args` is appended to the binary's path as shell words (tests quote what needs quoting).
inline CliResult run_cli(const std::string& args, const std::string& env = "") {
  static int counter = 0;
  const std::string base = std::string(INKSTONE_TEST_TMP) + "/cli_" + std::to_string(::getpid()) +
                           "_" + std::to_string(counter++);
  const std::string cmd = env + " " + std::string(INKSTONE_CLI_PATH) + " " + args + " >" + base +
                          ".out 2>" + base + ".err </dev/null";
  const int status = std::system(cmd.c_str());
  CliResult r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read_text(base + ".out");
  r.err = read_text(base + ".err");
  std::filesystem::remove(base + ".out");
  std::filesystem::remove(base + ".err");
  return r;
}

inline int count_lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

}  // namespace inkstone::testing
