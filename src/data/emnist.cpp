#include "inkstone/data/emnist.hpp"

#include <algorithm>
#include <vector>

#include "inkstone/data/idx.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone {

void transpose_images(Dataset& d) {
  const int rows = d.height, cols = d.width;  // as stored
  const int64_t plane = int64_t{rows} * cols;
  std::vector<uint8_t> tmp(static_cast<size_t>(plane));
  for (int64_t i = 0; i < d.size() * d.channels; ++i) {
    uint8_t* img = d.images.data() + i * plane;
    // The upright image has `cols` rows of `rows` pixels: upright[r][c] = stored[c][r].
    for (int r = 0; r < cols; ++r) {
      for (int c = 0; c < rows; ++c) tmp[static_cast<size_t>(r * rows + c)] = img[c * cols + r];
    }
    std::copy(tmp.begin(), tmp.end(), img);
  }
  d.height = cols;
  d.width = rows;
}

Dataset load_mapped_idx_dataset(const std::string& images_path, const std::string& labels_path,
                                const std::string& name, const LabelMapping& mapping,
                                bool transposed) {
  // Read as a dataset of 256 classes (every label byte is in range there), then map the labels.
  Dataset ds = load_idx_dataset(images_path, labels_path, name,
                                std::vector<std::string>(256, std::string()));
  const int first = mapping.first_label, n = mapping.num_classes();
  for (size_t i = 0; i < ds.labels.size(); ++i) {
    const int label = ds.labels[i];
    if (label < first || label >= first + n) {
      throw Error(labels_path + ": label " + std::to_string(label) + " at index " +
                  std::to_string(i) + " is not in the label mapping " + mapping.source +
                  " (labels " + std::to_string(first) + ".." + std::to_string(first + n - 1) + ")");
    }
    ds.labels[i] = label - first;
  }
  ds.num_classes = n;
  ds.class_names = mapping.class_names;
  if (transposed) transpose_images(ds);
  return ds;
}

}  // namespace inkstone
