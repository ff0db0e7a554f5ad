#pragma once
// Subsets of a dataset for experiments: the first n images, a fraction of some classes (to
// make a dataset imbalanced on purpose), or some classes only (transfer
// learning). All keep the dataset's order and are deterministic.
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

// "0-4", "5,7,9" or "0-2,7": the classes named, in increasing order. Throws Error naming the bad
// part.
std::vector<int> parse_class_list(const std::string& text, int num_classes);

// Only the images of `classes`, relabelled 0 .. k-1 in the order given; class names follow, so
// the digits 5-9 keep their names "5".."9" (the Keras transfer-learning example). Throws Error
// when a class is out of range or repeated, or no image is left.
Dataset select_classes(const Dataset& data, const std::vector<int>& classes);

// n images of every class drawn at random (seeded; a class with fewer keeps all), in the
// dataset's order: few-shot training sets. Throws Error if n < 1.
Dataset samples_per_class(const Dataset& data, int64_t n, uint64_t seed);

}  // namespace inkstone
