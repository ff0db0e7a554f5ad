#include "inkstone/data/line_dataset.hpp"

#include <algorithm>
#include <string>

#include "inkstone/tensor/error.hpp"

namespace inkstone {

LineDataset make_line_dataset(const Dataset& digits, const LineDatasetOptions& o, Rng& rng,
                              const std::function<void(int64_t, int64_t)>& progress) {
  if (o.count < 1) throw Error("line dataset: count must be >= 1");
  if (o.min_length < 1 || o.max_length < o.min_length)
    throw Error("line dataset: bad lengths " + std::to_string(o.min_length) + ".." +
                std::to_string(o.max_length));
  if (o.layouts.empty()) throw Error("line dataset: no layouts");
  for (const std::string& l : o.layouts)
    if (l != "gaps" && l != "touching")
      throw Error("line dataset: layout '" + l + "' is not gaps or touching");
  LineDataset out;
  out.height = o.input.height;
  out.width = o.input.width;
  out.strips.reserve(static_cast<size_t>(o.count) * static_cast<size_t>(out.height) *
                     static_cast<size_t>(out.width));
  DigitStringOptions so = o.strings;
  const int lengths = o.max_length - o.min_length + 1;
  for (int64_t i = 0; i < o.count; ++i) {
    so.length = o.min_length + static_cast<int>(rng.below(static_cast<uint64_t>(lengths)));
    so.layout = o.layouts[rng.below(o.layouts.size())];
    const DigitString s = synth_digit_string(digits, so, rng);
    const Image strip = line_input(s.image, o.input);
    out.strips.insert(out.strips.end(), strip.pixels.begin(), strip.pixels.end());
    out.texts.push_back(s.text);
    if (progress && ((i + 1) % 1000 == 0 || i + 1 == o.count)) progress(i + 1, o.count);
  }
  return out;
}

void line_batch(const LineDataset& data, const std::vector<int64_t>& order, int64_t begin,
                int64_t end, Tensor& x, Tensor& labels) {
  if (begin < 0 || end <= begin || end > static_cast<int64_t>(order.size()))
    throw Error("line_batch: bad range");
  const int64_t n = end - begin;
  size_t longest = 1;
  for (int64_t i = begin; i < end; ++i)
    longest =
        std::max(longest, data.texts.at(static_cast<size_t>(order[static_cast<size_t>(i)])).size());
  const Shape xs{n, 1, data.height, data.width};
  const Shape ls{n, static_cast<int64_t>(longest)};
  if (x.shape() != xs) x = Tensor(xs);
  if (labels.shape() != ls) labels = Tensor(ls);
  const int64_t pixels = int64_t{data.height} * data.width;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t k = order[static_cast<size_t>(begin + i)];
    const uint8_t* src = data.strip(k);
    float* dst = x.data() + i * pixels;
    for (int64_t p = 0; p < pixels; ++p) dst[p] = src[p] * (1.0f / 255.0f);
    const std::string& text = data.texts[static_cast<size_t>(k)];
    for (size_t j = 0; j < longest; ++j)
      labels.data()[i * static_cast<int64_t>(longest) + static_cast<int64_t>(j)] =
          j < text.size() ? static_cast<float>(text[j] - '0') : -1.0f;
  }
}

}  // namespace inkstone
