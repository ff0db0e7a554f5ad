#include <algorithm>
#include <cmath>
#include <numeric>

#include "inkstone/tensor/error.hpp"
#include "vision/crop_classifier.hpp"

namespace inkstone {

double Reading::min_confidence() const {
  double m = 1;
  for (const DigitReading& d : digits)
    if (!d.empty()) m = std::min(m, static_cast<double>(d.confidence));
  return m;
}

namespace vision_detail {

std::vector<float> classify_checked(const std::vector<Image>& inputs, const Classifier& classify,
                                    const ReaderOptions& o) {
  if (inputs.empty()) return {};
  if (o.classes < 2) throw Error("reader: the classifier needs at least 2 classes");
  std::vector<float> p = classify(inputs);
  if (p.size() != inputs.size() * static_cast<size_t>(o.classes))
    throw Error("reader: the classifier returned " + std::to_string(p.size()) +
                " probabilities for " + std::to_string(inputs.size()) + " inputs of " +
                std::to_string(o.classes) + " classes");
  for (float v : p)
    if (!std::isfinite(v)) throw Error("reader: the classifier returned a non-finite probability");
  return p;
}

float digit_confidence(const float* p, const ReaderOptions& o) {
  float best = 0;
  for (int c = 0; c < o.classes; ++c)
    if (c != o.reject_class) best = std::max(best, p[c]);
  return best;
}

DigitReading reading_of(const float* p, const ReaderOptions& o, PixelBox box, Image input) {
  std::vector<int> order;
  for (int c = 0; c < o.classes; ++c)
    if (c != o.reject_class) order.push_back(c);
  // Highest probability first; ties keep the lower class first (as predicted_class does).
  std::stable_sort(order.begin(), order.end(), [p](int a, int b) { return p[a] > p[b]; });
  DigitReading d;
  d.cls = order[0];
  d.label = d.cls < static_cast<int>(o.class_names.size())
                ? o.class_names[static_cast<size_t>(d.cls)]
                : std::to_string(d.cls);
  d.confidence = p[d.cls];
  for (int k = 0; k < std::min(o.top, static_cast<int>(order.size())); ++k)
    d.top.push_back({order[static_cast<size_t>(k)], p[order[static_cast<size_t>(k)]]});
  d.box = box;
  d.input = std::move(input);
  return d;
}

}  // namespace vision_detail
}  // namespace inkstone
