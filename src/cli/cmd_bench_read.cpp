// inkstone bench read: how well `inkstone read` reads a directory of images with known answers
// (as `inkstone synth strings` writes them): whole-string accuracy, no partial credit, and
// per-digit accuracy.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/model_under_test.hpp"
#include "data/file_util.hpp"
#include "inkstone/eval/metrics.hpp"
#include "inkstone/serve/recognizer.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone::cli {

namespace {

struct BenchReadOptions {
  std::string model_path;
  std::string dir;
  bool boxes = false;
  bool json = false;
  int errors = 10;
  int limit = 0;
  ReaderOptions tuning;               // the reader's tunable options, from the command line
  std::vector<std::string> ensemble;  // more models, probabilities averaged
};

struct Truth {
  std::string file, text;
};

std::vector<Truth> read_truth(const std::string& dir) {
  const std::string path = detail::join_path(dir, "truth.tsv");
  std::ifstream in(path);
  if (!in) throw Error(path + ": cannot open (make one with `inkstone synth strings`)");
  std::vector<Truth> out;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (n == 1 && line.rfind("file\t", 0) == 0) continue;  // the header
    if (line.empty()) continue;
    std::istringstream fields(line);
    Truth t;
    if (!std::getline(fields, t.file, '\t') || !std::getline(fields, t.text, '\t') ||
        t.file.empty() || t.text.empty())
      throw Error(path + ":" + std::to_string(n) + ": expected FILE<TAB>TEXT[<TAB>...]");
    out.push_back(t);
  }
  if (out.empty()) throw Error(path + ": no images listed");
  return out;
}

void run_bench_read(const BenchReadOptions& o) {
  std::vector<Truth> truth = read_truth(o.dir);
  if (o.limit > 0 && static_cast<size_t>(o.limit) < truth.size())
    truth.resize(static_cast<size_t>(o.limit));
  const ReaderModel rm = load_reader_model(o.model_path, o.ensemble, o.tuning);
  const ReaderOptions& ro = rm.options;
  int64_t strings_right = 0, digits = 0, digits_right = 0, edits = 0, length_wrong = 0,
          failures = 0;
  std::vector<double> ms;
  nlohmann::json wrong = nlohmann::json::array();
  for (const Truth& t : truth) {
    const auto start = std::chrono::steady_clock::now();
    std::string read;
    std::string error;
    try {
      read = read_file(detail::join_path(o.dir, t.file), o.boxes, rm, ro).text;
    } catch (const Error& e) {
      error = e.what();
      ++failures;
    }
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count());
    const int64_t n = static_cast<int64_t>(t.text.size());
    digits += n;
    if (read == t.text) ++strings_right;
    if (read.size() != t.text.size()) ++length_wrong;
    if (o.boxes) {  // cell by cell
      for (size_t k = 0; k < t.text.size(); ++k)
        digits_right += k < read.size() && read[k] == t.text[k];
    } else {
      const int d = edit_distance(read, t.text);
      edits += d;
      digits_right += std::max<int64_t>(0, n - d);
    }
    if (read != t.text && static_cast<int>(wrong.size()) < o.errors)
      wrong.push_back({{"file", t.file}, {"truth", t.text}, {"read", read}, {"error", error}});
  }
  std::sort(ms.begin(), ms.end());
  const double images = static_cast<double>(truth.size());
  const double string_acc = static_cast<double>(strings_right) / images;
  const double digit_acc = static_cast<double>(digits_right) / static_cast<double>(digits);
  const double p50 = ms[ms.size() / 2], p99 = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
  if (o.json) {
    nlohmann::json j{{"model", o.model_path},
                     {"dir", o.dir},
                     {"mode", o.boxes ? "boxes" : "string"},
                     {"images", truth.size()},
                     {"string_accuracy", string_acc},
                     {"strings_right", strings_right},
                     {o.boxes ? "cell_accuracy" : "digit_accuracy", digit_acc},
                     {"digits", digits},
                     {"length_wrong", length_wrong},
                     {"failures", failures},
                     {"ms_per_image", {{"p50", p50}, {"p99", p99}}},
                     {"errors", wrong}};
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("Read %zu images of %s with %s (%s)\n", truth.size(), o.dir.c_str(),
              o.model_path.c_str(), o.boxes ? "boxes" : "digit strings");
  std::printf("  whole-string accuracy  %.2f%%  (%lld / %zu right, no partial credit)\n",
              100 * string_acc, static_cast<long long>(strings_right), truth.size());
  if (o.boxes)
    std::printf("  per-cell accuracy      %.2f%%  (%lld / %lld cells, empty cells included)\n",
                100 * digit_acc, static_cast<long long>(digits_right),
                static_cast<long long>(digits));
  else
    std::printf("  per-digit accuracy     %.2f%%  (1 - %lld edits / %lld digits)\n",
                100 * digit_acc, static_cast<long long>(edits), static_cast<long long>(digits));
  std::printf("  wrong length           %lld; unreadable images %lld\n",
              static_cast<long long>(length_wrong), static_cast<long long>(failures));
  std::printf("  time per image         p50 %.1f ms, p99 %.1f ms\n", p50, p99);
  for (const auto& w : wrong)
    std::printf("  wrong: %s  truth %s  read %s%s\n", w["file"].get<std::string>().c_str(),
                w["truth"].get<std::string>().c_str(), w["read"].get<std::string>().c_str(),
                w["error"].get<std::string>().empty()
                    ? ""
                    : ("  (" + w["error"].get<std::string>() + ")").c_str());
}

}  // namespace

void add_bench_read_command(CLI::App& bench) {
  auto o = std::make_shared<BenchReadOptions>();
  CLI::App* cmd = bench.add_subcommand(
      "read",
      "Measure `inkstone read` on a directory of images with known answers (DIR/truth.tsv: "
      "FILE<TAB>TEXT per line, as `inkstone synth strings` writes): whole-string accuracy (no "
      "partial credit), per-digit accuracy (1 - edit distance / digits; with --boxes, cell by "
      "cell, empty cells '_' included) and time per image.\nExample: inkstone synth strings "
      "--count 200 --layout touching --out touching/ && inkstone bench read model.inks touching/");
  cmd->add_option("model", o->model_path, "Model file (.inks)")->required();
  cmd->add_option("dir", o->dir, "Directory holding the images and truth.tsv")->required();
  cmd->add_flag("--boxes", o->boxes, "The images are forms of printed boxes (read --boxes)");
  cmd->add_flag("--json", o->json, "Print the results as one JSON object");
  cmd->add_option("--errors", o->errors, "Wrong readings listed")
      ->check(CLI::Range(0, 1000000))
      ->capture_default_str();
  cmd->add_option("--limit", o->limit, "Read only the first N images (0: all)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  add_reader_tuning_options(*cmd, o->tuning);
  add_ensemble_option(*cmd, o->ensemble);
  cmd->callback([o] { run_bench_read(*o); });
}

}  // namespace inkstone::cli
