#include "inkstone/tensor/tensor.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include "inkstone/tensor/error.hpp"

namespace inkstone {

void Tensor::AlignedFree::operator()(float* p) const {
  std::free(p);
}

namespace {
float* allocate_floats(int64_t n) {
  if (n == 0) return nullptr;
  // Round the byte count up to the alignment, as aligned_alloc requires; the padding also lets
  // SIMD kernels read a whole vector past the last element of small tensors safely.
  size_t bytes = static_cast<size_t>(n) * sizeof(float);
  bytes = (bytes + Tensor::kAlignment - 1) / Tensor::kAlignment * Tensor::kAlignment;
  void* p = std::aligned_alloc(Tensor::kAlignment, bytes);
  if (p == nullptr)
    throw Error("Tensor: out of memory allocating " + std::to_string(bytes) + " bytes");
  return static_cast<float*>(p);
}
}  // namespace

Tensor::Tensor(const Shape& shape) : Tensor(shape, 0.0f) {}

Tensor::Tensor(const Shape& shape, float value)
    : shape_(shape), capacity_(shape.numel()), data_(allocate_floats(shape.numel())) {
  fill(value);
}

Tensor::Tensor(const Tensor& other)
    : shape_(other.shape_), capacity_(other.numel()), data_(allocate_floats(other.numel())) {
  if (capacity_ > 0) std::memcpy(data_.get(), other.data_.get(), sizeof(float) * capacity_);
}

Tensor& Tensor::operator=(const Tensor& other) {
  if (this == &other) return *this;
  resize(other.shape_);
  if (numel() > 0) std::memcpy(data_.get(), other.data_.get(), sizeof(float) * numel());
  return *this;
}

Tensor::Tensor(Tensor&& other) noexcept
    : shape_(other.shape_), capacity_(other.capacity_), data_(std::move(other.data_)) {
  other.shape_ = Shape();
  other.capacity_ = 0;
}

Tensor& Tensor::operator=(Tensor&& other) noexcept {
  shape_ = other.shape_;
  capacity_ = other.capacity_;
  data_ = std::move(other.data_);
  other.shape_ = Shape();
  other.capacity_ = 0;
  return *this;
}

void Tensor::resize(const Shape& shape) {
  int64_t n = shape.numel();
  if (n > capacity_) {
    data_.reset(allocate_floats(n));
    capacity_ = n;
  }
  shape_ = shape;
}

void Tensor::reshape(const Shape& shape) {
  if (shape.numel() != numel()) {
    throw Error("Tensor::reshape: cannot view " + shape_.str() + " as " + shape.str());
  }
  shape_ = shape;
}

void Tensor::fill(float value) {
  if (numel() > 0) std::fill(data_.get(), data_.get() + numel(), value);
}

}  // namespace inkstone
