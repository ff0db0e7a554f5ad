#include <cmath>
#include <sstream>
#include <string>

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
  Dataset out;
  out.name = name;
  out.source = d.source;
  out.channels = d.channels;
  out.height = d.height;
  out.width = d.width;
  out.num_classes = d.num_classes;
  out.class_names = d.class_names;
  out.images.assign(d.images.begin() + begin * d.image_bytes(),
                    d.images.begin() + end * d.image_bytes());
  out.labels.assign(d.labels.begin() + begin, d.labels.begin() + end);
  return out;
}
}  // namespace

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

}  // namespace inkstone
