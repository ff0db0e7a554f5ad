#include "inkstone/data/loader.hpp"

#include <algorithm>
#include <array>
#include <numeric>
#include <string>

#include "inkstone/tensor/error.hpp"
#include "inkstone/tensor/rng.hpp"

namespace inkstone {

namespace {

// splitmix64 finalizer: a bijective mix, so (seed, epoch) pairs map to well-spread stream seeds.
uint64_t mix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

BatchLoader::BatchLoader(const Dataset& data, int batch_size, bool shuffle, uint64_t seed,
                         Normalization norm, bool drop_last)
    : data_(data),
      batch_size_(batch_size),
      shuffle_(shuffle),
      seed_(seed),
      norm_(norm),
      drop_last_(drop_last) {
  if (batch_size < 1) throw Error("batch size must be >= 1, got " + std::to_string(batch_size));
  if (!(norm.std > 0))
    throw Error("normalization std must be > 0, got " + std::to_string(norm.std));
  if (data.channels < 1 || data.height < 1 || data.width < 1) {
    throw Error(data.name + ": bad image shape " + std::to_string(data.channels) + "x" +
                std::to_string(data.height) + "x" + std::to_string(data.width));
  }
  if (static_cast<int64_t>(data.images.size()) != data.size() * data.image_bytes()) {
    throw Error(data.name + ": " + std::to_string(data.images.size()) + " pixel bytes for " +
                std::to_string(data.size()) + " images of " + std::to_string(data.image_bytes()) +
                " bytes");
  }
  start_epoch(0);  // usable without an explicit start_epoch: the first call gives epoch 0's order
}

void BatchLoader::start_epoch(int epoch) {
  if (static_cast<int64_t>(data_.images.size()) != data_.size() * data_.image_bytes()) {
    throw Error(data_.name + ": the dataset changed size under its BatchLoader");
  }
  order_.resize(static_cast<size_t>(data_.size()));
  std::iota(order_.begin(), order_.end(), int64_t{0});
  if (shuffle_) {
    // Fisher-Yates with the epoch's own generator: the order of epoch e depends only on (seed, e).
    Rng rng(mix64(seed_) ^ mix64(0x5eed0000ULL + static_cast<uint64_t>(epoch)));
    for (size_t i = order_.size(); i > 1; --i) {
      const size_t j = static_cast<size_t>(rng.below(i));
      std::swap(order_[i - 1], order_[j]);
    }
  }
  cursor_ = 0;
}

int64_t BatchLoader::num_batches() const {
  const int64_t n = static_cast<int64_t>(order_.size());
  return drop_last_ ? n / batch_size_ : (n + batch_size_ - 1) / batch_size_;
}

bool BatchLoader::next(Tensor& x, std::vector<int32_t>& labels) {
  const int64_t n = static_cast<int64_t>(order_.size());
  const int64_t b = std::min<int64_t>(batch_size_, n - cursor_);
  if (b <= 0 || (drop_last_ && b < batch_size_)) return false;
  x.resize(Shape{b, data_.channels, data_.height, data_.width});
  labels.resize(static_cast<size_t>(b));
  const int64_t px = data_.image_bytes();
  // x = (u / 255 - mean) / std, tabulated for the 256 byte values.
  std::array<float, 256> lut;
  for (int u = 0; u < 256; ++u) {
    lut[static_cast<size_t>(u)] = (static_cast<float>(u) / 255.0f - norm_.mean) / norm_.std;
  }
  for (int64_t i = 0; i < b; ++i) {
    const int64_t idx = order_[static_cast<size_t>(cursor_ + i)];
    const uint8_t* src = data_.image(idx);
    float* dst = x.data() + i * px;
    for (int64_t p = 0; p < px; ++p) dst[p] = lut[src[p]];
    labels[static_cast<size_t>(i)] = data_.labels[static_cast<size_t>(idx)];
  }
  cursor_ += b;
  return true;
}

}  // namespace inkstone
