#include "inkstone/tensor/shape.hpp"

#include "inkstone/tensor/error.hpp"

namespace inkstone {

Shape::Shape(std::initializer_list<int64_t> dims) : Shape(std::vector<int64_t>(dims)) {}

Shape::Shape(const std::vector<int64_t>& dims) {
  if (dims.size() > static_cast<size_t>(kMaxRank)) {
    throw Error("Shape: rank " + std::to_string(dims.size()) + " exceeds the maximum of 4");
  }
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] < 0) throw Error("Shape: negative dimension " + std::to_string(dims[i]));
    dims_[i] = dims[i];
  }
  rank_ = static_cast<int>(dims.size());
}

int64_t Shape::numel() const {
  int64_t n = 1;
  for (int i = 0; i < rank_; ++i) n *= dims_[static_cast<size_t>(i)];
  return n;
}

Shape Shape::with_batch(int64_t n) const {
  if (rank_ >= kMaxRank) throw Error("Shape: cannot add a batch dimension to " + str());
  std::vector<int64_t> d{n};
  for (int i = 0; i < rank_; ++i) d.push_back(dims_[static_cast<size_t>(i)]);
  return Shape(d);
}

Shape Shape::without_batch() const {
  if (rank_ == 0) throw Error("Shape: rank-0 shape has no batch dimension");
  std::vector<int64_t> d;
  for (int i = 1; i < rank_; ++i) d.push_back(dims_[static_cast<size_t>(i)]);
  return Shape(d);
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
