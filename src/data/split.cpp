#include <cmath>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "inkstone/data/dataset.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone {

namespace {
std::string num(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

Dataset slice(const Dataset& d, int64_t begin, int64_t end, const std::string& name) {
  Dataset out = empty_like(d, name);
  out.images.assign(d.images.begin() + begin * d.image_bytes(),
                    d.images.begin() + end * d.image_bytes());
  out.labels.assign(d.labels.begin() + begin, d.labels.begin() + end);
  return out;
}
}  // namespace

Dataset empty_like(const Dataset& d, const std::string& name) {
  Dataset out;
  out.name = name;
  out.source = d.source;
  out.channels = d.channels;
  out.height = d.height;
  out.width = d.width;
  out.num_classes = d.num_classes;
  out.class_names = d.class_names;
  return out;
}

std::pair<Dataset, Dataset> split_tail(const Dataset& data, double fraction) {
  if (!(fraction > 0 && fraction < 1)) {
    throw Error("validation split must be between 0 and 1 (exclusive), got " + num(fraction));
  }
  const int64_t n = data.size();
  const int64_t tail = static_cast<int64_t>(std::llround(static_cast<double>(n) * fraction));
  if (tail < 1 || tail >= n) {
    throw Error("validation split " + num(fraction) + " of " + data.name + " (" +
                std::to_string(n) + " images) leaves an empty part");
  }
  const int64_t head = n - tail;
  return {slice(data, 0, head, data.name + "[:" + std::to_string(head) + "]"),
          slice(data, head, n, data.name + "[" + std::to_string(head) + ":]")};
}

std::pair<Dataset, Dataset> split_tail_stratified(const Dataset& data, double fraction) {
  if (!(fraction > 0 && fraction < 1)) {
    throw Error("validation split must be between 0 and 1 (exclusive), got " + num(fraction));
  }
  // Per class c with n_c images: the last round(fraction * n_c) of them (in dataset order).
  std::vector<int64_t> count(static_cast<size_t>(data.num_classes), 0);
  for (int32_t y : data.labels) {
    if (y < 0 || y >= data.num_classes) {
      throw Error(data.name + ": label " + std::to_string(y) + " is outside [0, " +
                  std::to_string(data.num_classes) + ")");
    }
    ++count[static_cast<size_t>(y)];
  }
  std::vector<int64_t> keep(count.size());
  for (size_t c = 0; c < count.size(); ++c) {
    keep[c] = count[c] - std::llround(static_cast<double>(count[c]) * fraction);
  }
  Dataset head = empty_like(data, data.name + "[stratified " + num(1 - fraction) + "]");
  Dataset tail = empty_like(data, data.name + "[stratified " + num(fraction) + "]");
  std::vector<int64_t> seen(count.size(), 0);
  for (int64_t i = 0; i < data.size(); ++i) {
    const size_t y = static_cast<size_t>(data.labels[static_cast<size_t>(i)]);
    Dataset& to = seen[y]++ < keep[y] ? head : tail;
    to.images.insert(to.images.end(), data.image(i), data.image(i) + data.image_bytes());
    to.labels.push_back(data.labels[static_cast<size_t>(i)]);
  }
  if (head.size() == 0 || tail.size() == 0) {
    throw Error("validation split " + num(fraction) + " of " + data.name + " (" +
                std::to_string(data.size()) + " images) leaves an empty part");
  }
  return {std::move(head), std::move(tail)};
}

}  // namespace inkstone
