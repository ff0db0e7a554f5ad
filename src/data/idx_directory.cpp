// idx:DIR — a dataset in MNIST's own file format, as `inkstone synth pieces` writes it.
#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "data/file_util.hpp"
#include "inkstone/data/idx.hpp"
#include "inkstone/data/user_datasets.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone {

namespace {

// DIR/<stem> or DIR/<stem>.gz, whichever exists.
std::string idx_file(const std::string& dir, const std::string& stem) {
  for (const std::string& name : {stem, stem + ".gz"}) {
    const std::string path = detail::join_path(dir, name);
    if (detail::is_file(path)) return path;
  }
  throw Error("idx:" + dir + ": missing " + stem + " (or " + stem + ".gz)");
}

}  // namespace

DatasetSplits load_idx_directory(const std::string& dir) {
  if (!detail::is_dir(dir)) throw Error("idx:" + dir + ": not a directory");
  std::vector<std::string> names;
  const std::string classes_path = detail::join_path(dir, "classes.txt");
  if (detail::is_file(classes_path)) {
    std::ifstream in(classes_path);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty())
        throw Error(classes_path + ": line " + std::to_string(names.size() + 1) +
                    " is empty (one class name per line)");
      names.push_back(line);
    }
    if (names.size() < 2 || names.size() > 256)
      throw Error(classes_path + ": " + std::to_string(names.size()) +
                  " class names (2 to 256 expected)");
  } else {
    int top = 0;  // classes 0..max label of either split, named by number
    for (const char* labels : {"train-labels-idx1-ubyte", "t10k-labels-idx1-ubyte"})
      for (uint8_t l : read_idx_labels(idx_file(dir, labels))) top = std::max(top, int{l});
    for (int c = 0; c <= top; ++c) names.push_back(std::to_string(c));
  }
  // Every file is looked for before any is read, in this order (the first missing one is named).
  const std::string train_images = idx_file(dir, "train-images-idx3-ubyte");
  const std::string train_labels = idx_file(dir, "train-labels-idx1-ubyte");
  const std::string test_images = idx_file(dir, "t10k-images-idx3-ubyte");
  const std::string test_labels = idx_file(dir, "t10k-labels-idx1-ubyte");
  DatasetSplits s;
  s.train = load_idx_dataset(train_images, train_labels, "idx:" + dir + "/train", names);
  s.test = load_idx_dataset(test_images, test_labels, "idx:" + dir + "/test", names);
  s.note = "IDX files in " + dir;
  return s;
}

}  // namespace inkstone
