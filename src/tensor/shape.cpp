#include "inkstone/tensor/shape.hpp"

#include "inkstone/tensor/error.hpp"

namespace inkstone {

// Shapes are made in every forward and backward pass: no heap allocation here.
Shape::Shape(const int64_t* dims, size_t rank) {
  if (rank > static_cast<size_t>(kMaxRank)) {
    throw Error("Shape: rank " + std::to_string(rank) + " exceeds the maximum of 4");
  }
  for (size_t i = 0; i < rank; ++i) {
    if (dims[i] < 0) throw Error("Shape: negative dimension " + std::to_string(dims[i]));
    dims_[i] = dims[i];
  }
  rank_ = static_cast<int>(rank);
}

Shape::Shape(std::initializer_list<int64_t> dims) : Shape(dims.begin(), dims.size()) {}

Shape::Shape(const std::vector<int64_t>& dims) : Shape(dims.data(), dims.size()) {}

int64_t Shape::numel() const {
  int64_t n = 1;
  for (int i = 0; i < rank_; ++i) n *= dims_[static_cast<size_t>(i)];
  return n;
}

Shape Shape::with_batch(int64_t n) const {
  if (rank_ >= kMaxRank) throw Error("Shape: cannot add a batch dimension to " + str());
  std::array<int64_t, kMaxRank> d{};
  d[0] = n;
  for (int i = 0; i < rank_; ++i) d[static_cast<size_t>(i) + 1] = dims_[static_cast<size_t>(i)];
  return Shape(d.data(), static_cast<size_t>(rank_) + 1);
}

Shape Shape::without_batch() const {
  if (rank_ == 0) throw Error("Shape: rank-0 shape has no batch dimension");
  return Shape(dims_.data() + 1, static_cast<size_t>(rank_) - 1);
}

std::string Shape::str() const {
  std::string s = "(";
  for (int i = 0; i < rank_; ++i) {
    if (i) s += ", ";
    s += std::to_string(dims_[static_cast<size_t>(i)]);
  }
  if (rank_ == 1) s += ",";
  return s + ")";
}

bool operator==(const Shape& a, const Shape& b) {
  if (a.rank_ != b.rank_) return false;
  for (int i = 0; i < a.rank_; ++i) {
    if (a.dims_[static_cast<size_t>(i)] != b.dims_[static_cast<size_t>(i)]) return false;
  }
  return true;
}

}  // namespace inkstone
