#include "inkstone/data/loader.hpp"

#include <algorithm>
#include <array>
#include <numeric>
#include <string>
#include <utility>

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

BatchLoader::~BatchLoader() {
  if (worker_.joinable()) {
    {
      std::lock_guard<std::mutex> lk(mu_);
      quit_ = true;
    }
    cv_.notify_all();
    worker_.join();
  }
}

void BatchLoader::stop_prefetch() {
  std::unique_lock<std::mutex> lk(mu_);
  cv_.wait(lk, [&] { return pending_ < 0 || filled_; });
  pending_ = -1;
  filled_ = false;
  error_ = nullptr;
}

void BatchLoader::set_augment(const AugmentOptions& options) {
  stop_prefetch();
  augmenter_.reset(options.any() ? new Augmenter(options, data_.channels, data_.height, data_.width)
                                 : nullptr);
}

void BatchLoader::set_balanced_sampling(bool on) {
  stop_prefetch();
  balanced_ = on;
}

void BatchLoader::set_prefetch(bool on) {
  stop_prefetch();
  prefetch_ = on;
  if (on && !worker_.joinable()) worker_ = std::thread([this] { worker_loop(); });
}

void BatchLoader::start_epoch(int epoch) {
  stop_prefetch();
  if (static_cast<int64_t>(data_.images.size()) != data_.size() * data_.image_bytes()) {
    throw Error(data_.name + ": the dataset changed size under its BatchLoader");
  }
  epoch_ = epoch;
  const size_t n = static_cast<size_t>(data_.size());
  // The epoch's own generator: the order of epoch e depends only on (seed, e).
  Rng rng(mix64(seed_) ^ mix64(0x5eed0000ULL + static_cast<uint64_t>(epoch)));
  if (balanced_) {
    std::vector<std::vector<int64_t>> members(static_cast<size_t>(data_.num_classes));
    for (size_t i = 0; i < n; ++i) {
      const int32_t y = data_.labels[i];
      if (y < 0 || y >= data_.num_classes) {
        throw Error(data_.name + ": label " + std::to_string(y) + " of image " + std::to_string(i) +
                    " is outside [0, " + std::to_string(data_.num_classes) + ")");
      }
      members[static_cast<size_t>(y)].push_back(static_cast<int64_t>(i));
    }
    std::erase_if(members, [](const std::vector<int64_t>& m) { return m.empty(); });
    order_.resize(n);
    for (int64_t& idx : order_) {
      const auto& m = members[static_cast<size_t>(rng.below(members.size()))];
      idx = m[static_cast<size_t>(rng.below(m.size()))];
    }
  } else {
    order_.resize(n);
    std::iota(order_.begin(), order_.end(), int64_t{0});
    if (shuffle_) {
      for (size_t i = order_.size(); i > 1; --i) {  // Fisher-Yates
        const size_t j = static_cast<size_t>(rng.below(i));
        std::swap(order_[i - 1], order_[j]);
      }
    }
  }
  cursor_ = 0;
  if (prefetch_ && batch_count_at(0) > 0) {
    {
      std::lock_guard<std::mutex> lk(mu_);
      pending_ = 0;
    }
    cv_.notify_all();
  }
}

int64_t BatchLoader::num_batches() const {
  const int64_t n = static_cast<int64_t>(order_.size());
  return drop_last_ ? n / batch_size_ : (n + batch_size_ - 1) / batch_size_;
}

int64_t BatchLoader::batch_count_at(int64_t begin) const {
  const int64_t b = std::min<int64_t>(batch_size_, static_cast<int64_t>(order_.size()) - begin);
  return (b <= 0 || (drop_last_ && b < batch_size_)) ? 0 : b;
}

namespace {
Rng augment_rng(uint64_t seed, int epoch, int64_t index) {
  return Rng(mix64(mix64(mix64(seed ^ 0xa0a0a0a0ULL) + static_cast<uint64_t>(epoch)) +
                   static_cast<uint64_t>(index)));
}
}  // namespace

void BatchLoader::augmented_image(const Dataset& data, const AugmentOptions& options, uint64_t seed,
                                  int epoch, int64_t index, uint8_t* out) {
  if (index < 0 || index >= data.size()) throw Error("augmented_image: index out of range");
  const Augmenter aug(options, data.channels, data.height, data.width);
  Augmenter::Scratch scratch;
  Rng rng = augment_rng(seed, epoch, index);
  aug.apply(data.image(index), out, rng, scratch);
}

void BatchLoader::fill(int64_t begin, int64_t b, Batch& out) {
  out.x.resize(Shape{b, data_.channels, data_.height, data_.width});
  out.labels.resize(static_cast<size_t>(b));
  const int64_t px = data_.image_bytes();
  // x = (u / 255 - mean) / std, tabulated for the 256 byte values.
  std::array<float, 256> lut;
  for (int u = 0; u < 256; ++u) {
    lut[static_cast<size_t>(u)] = (static_cast<float>(u) / 255.0f - norm_.mean) / norm_.std;
  }
  if (augmenter_) augmented_.resize(static_cast<size_t>(px));
  for (int64_t i = 0; i < b; ++i) {
    const int64_t idx = order_[static_cast<size_t>(begin + i)];
    const uint8_t* src = data_.image(idx);
    if (augmenter_) {
      Rng rng = augment_rng(seed_, epoch_, idx);
      augmenter_->apply(src, augmented_.data(), rng, scratch_);
      src = augmented_.data();
    }
    float* dst = out.x.data() + i * px;
    for (int64_t p = 0; p < px; ++p) dst[p] = lut[src[p]];
    out.labels[static_cast<size_t>(i)] = data_.labels[static_cast<size_t>(idx)];
  }
}

void BatchLoader::worker_loop() {
  std::unique_lock<std::mutex> lk(mu_);
  for (;;) {
    cv_.wait(lk, [&] { return quit_ || (pending_ >= 0 && !filled_); });
    if (quit_) return;
    const int64_t begin = pending_;
    lk.unlock();
    std::exception_ptr error;
    try {
      fill(begin, batch_count_at(begin), ready_);
    } catch (...) {
      error = std::current_exception();
    }
    lk.lock();
    filled_ = true;
    error_ = error;
    cv_.notify_all();
  }
}

bool BatchLoader::next(Tensor& x, std::vector<int32_t>& labels) {
  const int64_t b = batch_count_at(cursor_);
  if (b == 0) return false;
  if (!prefetch_) {
    Batch out{std::move(x), std::move(labels)};
    fill(cursor_, b, out);
    x = std::move(out.x);
    labels = std::move(out.labels);
    cursor_ += b;
    return true;
  }
  std::unique_lock<std::mutex> lk(mu_);
  if (pending_ != cursor_) {  // nothing asked yet (e.g. after an error): ask now
    pending_ = cursor_;
    filled_ = false;
    cv_.notify_all();
  }
  cv_.wait(lk, [&] { return filled_; });
  if (error_) {
    std::exception_ptr e = error_;
    error_ = nullptr;
    pending_ = -1;
    filled_ = false;
    std::rethrow_exception(e);
  }
  std::swap(x, ready_.x);
  std::swap(labels, ready_.labels);
  cursor_ += b;
  filled_ = false;
  pending_ = batch_count_at(cursor_) > 0 ? cursor_ : -1;
  if (pending_ >= 0) cv_.notify_all();
  return true;
}

}  // namespace inkstone
