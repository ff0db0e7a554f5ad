#include "cli/helpers.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "inkstone/data/download.hpp"
#include "inkstone/data/registry.hpp"
#include "inkstone/kernels/cpu.hpp"
#include "inkstone/kernels/thread_pool.hpp"
#include "inkstone/nn/spec.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone::cli {

Sequential model_from_argument(const std::string& arg, const Shape& input_shape, int num_classes,
                               uint64_t seed) {
  nlohmann::json spec;
  const bool looks_like_file = arg.find('/') != std::string::npos ||
                               (arg.size() > 5 && arg.substr(arg.size() - 5) == ".json");
  if (looks_like_file || std::filesystem::exists(arg)) {
    std::ifstream in(arg);
    if (!in) throw Error(arg + ": cannot open model spec");
    try {
      spec = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
      throw Error(arg + ": invalid JSON: " + e.what());
    }
    if (!spec.contains("input_shape")) {
      spec["input_shape"] = input_shape.dims();
    }
  } else {
    spec = preset_spec(arg, input_shape, num_classes);
  }
  return model_from_spec(spec, seed);
}

std::string dataset_help() {
  std::string s = "Dataset: ";
  const std::vector<std::string> names = known_datasets();
  for (size_t i = 0; i < names.size(); ++i) s += (i ? ", " : "") + names[i];
  return s +
         ", or your own: folder:DIR (one subfolder of images per class), csv:TRAIN[,TEST] or "
         "idx:DIR (MNIST-format files)";
}

DatasetSplits load_splits(const std::string& name, const std::string& data_dir,
                          bool allow_download) {
  DataOptions opt;
  opt.data_dir = data_dir;
  opt.allow_download = allow_download;
  opt.progress = stderr_progress();
  // Without internet, the full MNIST may be replaced by the labelled mnist-10k subset; the
  // split's note (printed by the commands) says so.
  opt.allow_subset_fallback = allow_download;
  return load_dataset(name, opt);
}

std::string with_commas(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

bool stdout_is_tty() {
  const char* ci = std::getenv("CI");
  if (ci && *ci && std::string(ci) != "false" && std::string(ci) != "0") return false;
  return isatty(STDOUT_FILENO) != 0;
}

std::string isa_and_threads() {
  std::ostringstream s;
  s << kernels::num_threads() << (kernels::num_threads() == 1 ? " thread" : " threads") << ", "
    << kernels::isa_name(kernels::active_isa());
  return s.str();
}

}  // namespace inkstone::cli
