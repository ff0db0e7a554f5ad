#include "inkstone/data/loader.hpp"

#include <algorithm>
#include <numeric>
#include <string>

#include "inkstone/tensor/error.hpp"
#include "inkstone/tensor/rng.hpp"

namespace inkstone {

BatchLoader::BatchLoader(const Dataset& data, int batch_size, bool shuffle, uint64_t seed,
                         Normalization norm, bool drop_last)
    : data_(data),
      batch_size_(batch_size),
      shuffle_(shuffle),
      seed_(seed),
      norm_(norm),
      drop_last_(drop_last) {
  if (batch_size < 1) throw Error("batch size must be >= 1, got " + std::to_string(batch_size));
  if (!(norm.std > 0)) throw Error("normalization std must be > 0");
  order_.resize(static_cast<size_t>(data.size()));
  std::iota(order_.begin(), order_.end(), int64_t{0});
}

void BatchLoader::start_epoch(int epoch) {
  std::iota(order_.begin(), order_.end(), int64_t{0});
  if (shuffle_) {
    // Fisher-Yates with the epoch's own generator: order of epoch e depends only on (seed, e).
    Rng rng(seed_ * 0x9e3779b97f4a7c15ULL + static_cast<uint64_t>(epoch) + 1);
    for (size_t i = order_.size(); i > 1; --i) {
      size_t j = static_cast<size_t>(rng.below(i));
      std::swap(order_[i - 1], order_[j]);
    }
  }
  cursor_ = 0;
}

int64_t BatchLoader::num_batches() const {
  const int64_t n = data_.size();
  return drop_last_ ? n / batch_size_ : (n + batch_size_ - 1) / batch_size_;
}

bool BatchLoader::next(Tensor& x, std::vector<int32_t>& labels) {
  const int64_t n = data_.size();
  int64_t b = std::min<int64_t>(batch_size_, n - cursor_);
  if (b <= 0 || (drop_last_ && b < batch_size_)) return false;
  x.resize(Shape{b, data_.channels, data_.height, data_.width});
  labels.resize(static_cast<size_t>(b));
  const int64_t px = data_.image_bytes();
  // x = (u / 255 - mean) / std  =  u * scale + shift
  const float scale = 1.0f / (255.0f * norm_.std);
  const float shift = -norm_.mean / norm_.std;
  for (int64_t i = 0; i < b; ++i) {
    const int64_t idx = order_[static_cast<size_t>(cursor_ + i)];
    const uint8_t* src = data_.image(idx);
    float* dst = x.data() + i * px;
    for (int64_t p = 0; p < px; ++p) dst[p] = static_cast<float>(src[p]) * scale + shift;
    labels[static_cast<size_t>(i)] = data_.labels[static_cast<size_t>(idx)];
  }
  cursor_ += b;
  return true;
}

}  // namespace inkstone
