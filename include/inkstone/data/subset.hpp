#pragma once
// Subsets of a dataset for experiments: the first n images, or a fraction of some classes (to
// make a dataset imbalanced on purpose). Both keep the dataset's order and are deterministic.
#include <cstdint>
#include <string>
#include <vector>

#include "inkstone/data/dataset.hpp"

namespace inkstone {

// The first n images (all of them when n >= size()). Throws Error if n < 1.
Dataset take_first(const Dataset& data, int64_t n);

// Keeps, of every class c, its first round(fractions[c] * count_c) images (at least one when
// the fraction is > 0). fractions has num_classes values in [0, 1].
Dataset keep_class_fractions(const Dataset& data, const std::vector<double>& fractions);

// "0-4=0.05" or "1=0.5,3-5=0.1": class ranges and the fraction of their images to keep; classes
// not named keep all. Throws Error naming the bad part.
std::vector<double> parse_class_fractions(const std::string& text, int num_classes);

}  // namespace inkstone
