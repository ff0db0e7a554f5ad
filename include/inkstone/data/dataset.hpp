#pragma once
// Dataset: labelled images kept as uint8 in memory (60,000 MNIST images take 47 MB as bytes,
// 188 MB as floats); batches are scaled to float when they are drawn (data/loader.hpp).
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace inkstone {

struct Dataset {
  std::string name;    // "mnist/train"
  std::string source;  // where it was read from, for people
  int channels = 1, height = 28, width = 28;
  std::vector<uint8_t> images;  // size() * channels * height * width, row-major
  std::vector<int32_t> labels;  // size() values in [0, num_classes)
  int num_classes = 10;
  std::vector<std::string> class_names;  // num_classes names ("0".."9", "T-shirt/top", ...)

  int64_t size() const { return static_cast<int64_t>(labels.size()); }
  int64_t image_bytes() const { return int64_t{channels} * height * width; }
  const uint8_t* image(int64_t i) const { return images.data() + i * image_bytes(); }
};

// A dataset with d's image shape, classes and source, named `name`, holding no images yet (for
// building subsets).
Dataset empty_like(const Dataset& d, const std::string& name);

// A dataset's standard splits and a note on what was loaded (e.g. the 10k fallback subset).
struct DatasetSplits {
  Dataset train;
  Dataset test;
  std::string note;
};

// Splits off the last `fraction` of a dataset's images (as Keras's validation_split does: no
// shuffling, so the split is the same for every seed) and returns {first part, last part},
// named "<name>[:n]" and "<name>[n:]". Throws Error unless 0 < fraction < 1 and both parts
// hold at least one image.
std::pair<Dataset, Dataset> split_tail(const Dataset& data, double fraction);
// The same per class: of each class's images, the last round(fraction * count) go to the
// second part, so both parts keep the class proportions. Order within each part is kept.
std::pair<Dataset, Dataset> split_tail_stratified(const Dataset& data, double fraction);

}  // namespace inkstone
