#pragma once
// Tensor: an owning, contiguous, 64-byte aligned float32 array with a Shape.
// Copying copies the data; moving is cheap. `resize` keeps the allocation when it is large
// enough, so per-batch buffers are allocated once and reused (the training step allocates
// nothing after its first batch).
#include <cstddef>
#include <cstdint>
#include <memory>

#include "inkstone/tensor/shape.hpp"

namespace inkstone {

class Tensor {
 public:
  static constexpr size_t kAlignment = 64;

  Tensor() = default;
  // A zero-filled tensor.
  explicit Tensor(const Shape& shape);
  Tensor(const Shape& shape, float value);
  Tensor(const Tensor& other);
  Tensor& operator=(const Tensor& other);
  Tensor(Tensor&& other) noexcept;
  Tensor& operator=(Tensor&& other) noexcept;
  ~Tensor() = default;

  const Shape& shape() const { return shape_; }
  int64_t numel() const { return shape_.numel(); }
  int64_t dim(int i) const { return shape_[i]; }
  int rank() const { return shape_.rank(); }
  bool empty() const { return numel() == 0 || data_ == nullptr; }

  float* data() { return data_.get(); }
  const float* data() const { return data_.get(); }
  float& operator[](int64_t i) { return data_.get()[i]; }
  float operator[](int64_t i) const { return data_.get()[i]; }

  // Sets the shape; reallocates only when the capacity is too small. Contents are unspecified
  // after a reallocation and kept otherwise.
  void resize(const Shape& shape);
  // Changes the shape without touching the data; the element count must not change.
  void reshape(const Shape& shape);
  void fill(float value);
  void zero() { fill(0.0f); }

 private:
  struct AlignedFree {
    void operator()(float* p) const;
  };
  Shape shape_;
  int64_t capacity_ = 0;
  std::unique_ptr<float[], AlignedFree> data_;
};

}  // namespace inkstone
