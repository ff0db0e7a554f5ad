#pragma once
// Training data for a line recognizer: synthetic digit strings (data/digit_strings.hpp) of
// several lengths and layouts, each normalized to a line input strip (data/line_input.hpp) and
// kept as bytes with its text.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "inkstone/data/dataset.hpp"
#include "inkstone/data/digit_strings.hpp"
#include "inkstone/data/line_input.hpp"
#include "inkstone/tensor/rng.hpp"
#include "inkstone/tensor/tensor.hpp"

namespace inkstone {

struct LineDataset {
  int height = 0, width = 0;
  std::vector<uint8_t> strips;     // size() * height * width, light ink on black
  std::vector<std::string> texts;  // the digits of each strip ("40213")
  int64_t size() const { return static_cast<int64_t>(texts.size()); }
  const uint8_t* strip(int64_t i) const { return strips.data() + i * int64_t{height} * width; }
};

struct LineDatasetOptions {
  int64_t count = 1000;
  int min_length = 3, max_length = 6;  // digits per string, uniform
  // Layouts drawn in turn with equal probability ("gaps", "touching").
  std::vector<std::string> layouts{"gaps", "touching"};
  DigitStringOptions strings;  // length and layout are drawn as above
  LineInputOptions input;
};

// `count` strings drawn from `digits` (28x28 digits labelled 0-9). progress(done, count), when
// set, is called every 1,000 strings. Throws Error on bad options.
LineDataset make_line_dataset(const Dataset& digits, const LineDatasetOptions& options, Rng& rng,
                              const std::function<void(int64_t, int64_t)>& progress = {});

// A batch of strips [n, 1, height, width] scaled to [0, 1], and their labels [n, L] as class
// numbers (digit d -> d) padded with -1 (the targets of make_ctc_loss), for the samples
// order[begin, end). x and labels are resized when their shapes differ.
void line_batch(const LineDataset& data, const std::vector<int64_t>& order, int64_t begin,
                int64_t end, Tensor& x, Tensor& labels);

}  // namespace inkstone
