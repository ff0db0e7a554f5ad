#pragma once
// Shape: up to four dimensions, row-major. Activations are NCHW for images, NF for vectors.
#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace inkstone {

class Shape {
 public:
  static constexpr int kMaxRank = 4;

  Shape() = default;
  Shape(std::initializer_list<int64_t> dims);
  explicit Shape(const std::vector<int64_t>& dims);
  Shape(const int64_t* dims, size_t rank);

  int rank() const { return rank_; }
  int64_t operator[](int i) const { return dims_[static_cast<size_t>(i)]; }
  int64_t& operator[](int i) { return dims_[static_cast<size_t>(i)]; }
  // Product of all dimensions (1 for rank 0).
  int64_t numel() const;
  std::vector<int64_t> dims() const { return {dims_.begin(), dims_.begin() + rank_}; }
  // The same shape with `n` prepended (a batch dimension).
  Shape with_batch(int64_t n) const;
  // The shape without its first dimension.
  Shape without_batch() const;
  // "(64, 1, 28, 28)"
  std::string str() const;

  friend bool operator==(const Shape& a, const Shape& b);
  friend bool operator!=(const Shape& a, const Shape& b) { return !(a == b); }

 private:
  std::array<int64_t, kMaxRank> dims_{};
  int rank_ = 0;
};

}  // namespace inkstone
