#include "inkstone/data/subset.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <utility>

#include "inkstone/tensor/error.hpp"
#include "inkstone/tensor/rng.hpp"

namespace inkstone {

namespace {
void append(Dataset& to, const Dataset& from, int64_t i) {
  to.images.insert(to.images.end(), from.image(i), from.image(i) + from.image_bytes());
  to.labels.push_back(from.labels[static_cast<size_t>(i)]);
}

int parse_class(const std::string& s, int num_classes, const std::string& part) {
  char* end = nullptr;
  const long v = std::strtol(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || v < 0 || v >= num_classes) {
    throw Error("classes: '" + part + "': classes are 0.." + std::to_string(num_classes - 1));
  }
  return static_cast<int>(v);
}
// "3" or "0-4" -> {lo, hi}; `part` and `what` name the input in errors.
std::pair<int, int> parse_class_range(const std::string& text, int num_classes,
                                      const std::string& part) {
  const size_t dash = text.find('-');
  const int lo = parse_class(text.substr(0, dash), num_classes, part);
  const int hi =
      dash == std::string::npos ? lo : parse_class(text.substr(dash + 1), num_classes, part);
  if (lo > hi) throw Error("classes: '" + part + "': the range is empty");
  return {lo, hi};
}
}  // namespace

Dataset take_first(const Dataset& data, int64_t n) {
  if (n < 1) throw Error("take_first: n must be >= 1, got " + std::to_string(n));
  if (n >= data.size()) return data;
  Dataset out = empty_like(data, data.name + "[:" + std::to_string(n) + "]");
  out.images.assign(data.images.begin(), data.images.begin() + n * data.image_bytes());
  out.labels.assign(data.labels.begin(), data.labels.begin() + n);
  return out;
}

Dataset keep_class_fractions(const Dataset& data, const std::vector<double>& fractions) {
  if (static_cast<int>(fractions.size()) != data.num_classes) {
    throw Error("keep_class_fractions: " + std::to_string(fractions.size()) + " fractions for " +
                std::to_string(data.num_classes) + " classes");
  }
  std::vector<int64_t> count(fractions.size(), 0), keep(fractions.size()), seen(fractions.size());
  for (int32_t y : data.labels) {
    if (y < 0 || y >= data.num_classes) throw Error(data.name + ": label out of range");
    ++count[static_cast<size_t>(y)];
  }
  for (size_t c = 0; c < fractions.size(); ++c) {
    const double f = fractions[c];
    if (!(f >= 0 && f <= 1)) throw Error("class fractions must be in [0, 1]");
    keep[c] = std::llround(f * static_cast<double>(count[c]));
    if (f > 0 && count[c] > 0 && keep[c] == 0) keep[c] = 1;
  }
  Dataset out = empty_like(data, data.name + "[class fractions]");
  for (int64_t i = 0; i < data.size(); ++i) {
    const size_t y = static_cast<size_t>(data.labels[static_cast<size_t>(i)]);
    if (seen[y]++ < keep[y]) append(out, data, i);
  }
  if (out.size() == 0) throw Error(data.name + ": the class fractions keep no image");
  return out;
}

std::vector<double> parse_class_fractions(const std::string& text, int num_classes) {
  std::vector<double> f(static_cast<size_t>(num_classes), 1.0);
  std::stringstream ss(text);
  std::string part;
  while (std::getline(ss, part, ',')) {
    const size_t eq = part.find('=');
    if (eq == std::string::npos) {
      throw Error("class fractions: expected CLASSES=FRACTION, got '" + part + "'");
    }
    const std::string value = part.substr(eq + 1);
    const auto [lo, hi] = parse_class_range(part.substr(0, eq), num_classes, part);
    char* end = nullptr;
    const double v = std::strtod(value.c_str(), &end);
    if (value.empty() || *end != '\0' || !(v >= 0 && v <= 1)) {
      throw Error("class fractions: '" + part +
                  "': need a class range lo-hi and a fraction in "
                  "[0, 1]");
    }
    for (int c = lo; c <= hi; ++c) f[static_cast<size_t>(c)] = v;
  }
  return f;
}

std::vector<int> parse_class_list(const std::string& text, int num_classes) {
  std::vector<bool> chosen(static_cast<size_t>(num_classes), false);
  std::stringstream ss(text);
  std::string part;
  while (std::getline(ss, part, ',')) {
    const auto [lo, hi] = parse_class_range(part, num_classes, part);
    for (int c = lo; c <= hi; ++c) chosen[static_cast<size_t>(c)] = true;
  }
  std::vector<int> out;
  for (int c = 0; c < num_classes; ++c)
    if (chosen[static_cast<size_t>(c)]) out.push_back(c);
  if (out.empty()) throw Error("classes: '" + text + "' names no class");
  return out;
}

Dataset select_classes(const Dataset& data, const std::vector<int>& classes) {
  std::vector<int32_t> new_label(static_cast<size_t>(data.num_classes), -1);
  for (size_t k = 0; k < classes.size(); ++k) {
    const int c = classes[k];
    if (c < 0 || c >= data.num_classes || new_label[static_cast<size_t>(c)] >= 0)
      throw Error("select_classes: class " + std::to_string(c) + " is out of range or repeated");
    new_label[static_cast<size_t>(c)] = static_cast<int32_t>(k);
  }
  std::string list;
  for (int c : classes) {
    if (!list.empty()) list += ',';
    list += std::to_string(c);
  }
  Dataset out = empty_like(data, data.name + "[classes " + list + "]");
  out.num_classes = static_cast<int>(classes.size());
  out.class_names.clear();
  for (int c : classes)
    out.class_names.push_back(static_cast<size_t>(c) < data.class_names.size()
                                  ? data.class_names[static_cast<size_t>(c)]
                                  : std::to_string(c));
  for (int64_t i = 0; i < data.size(); ++i) {
    const int32_t y = data.labels[static_cast<size_t>(i)];
    if (y < 0 || y >= data.num_classes) throw Error(data.name + ": label out of range");
    if (new_label[static_cast<size_t>(y)] < 0) continue;
    append(out, data, i);
    out.labels.back() = new_label[static_cast<size_t>(y)];
  }
  if (out.size() == 0) throw Error(data.name + ": no image of classes " + list);
  return out;
}

Dataset samples_per_class(const Dataset& data, int64_t n, uint64_t seed) {
  if (n < 1) throw Error("samples per class must be >= 1, got " + std::to_string(n));
  std::vector<std::vector<int64_t>> by_class(static_cast<size_t>(data.num_classes));
  for (int64_t i = 0; i < data.size(); ++i) {
    const int32_t y = data.labels[static_cast<size_t>(i)];
    if (y < 0 || y >= data.num_classes) throw Error(data.name + ": label out of range");
    by_class[static_cast<size_t>(y)].push_back(i);
  }
  // Per class, a partial Fisher-Yates shuffle picks n indices; they are then put back in order.
  Rng rng(seed);
  std::vector<int64_t> keep;
  for (std::vector<int64_t>& idx : by_class) {
    const size_t k = std::min(idx.size(), static_cast<size_t>(n));
    for (size_t j = 0; j < k; ++j) std::swap(idx[j], idx[j + rng.below(idx.size() - j)]);
    keep.insert(keep.end(), idx.begin(), idx.begin() + static_cast<int64_t>(k));
  }
  std::sort(keep.begin(), keep.end());
  Dataset out = empty_like(data, data.name + "[" + std::to_string(n) + " per class]");
  for (int64_t i : keep) append(out, data, i);
  if (out.size() == 0) throw Error(data.name + ": no image to sample");
  return out;
}

}  // namespace inkstone
