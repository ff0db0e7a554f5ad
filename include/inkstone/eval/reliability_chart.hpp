#pragma once
// The reliability diagram of a classifier (calibration): for each confidence bin, the accuracy
// of its samples against their mean confidence, with the diagonal of perfect calibration (as
// scikit-learn's CalibrationDisplay draws it), and below it the number of samples per bin on a
// logarithmic scale. The title carries the expected calibration error.
#include <string>

#include "inkstone/data/image.hpp"
#include "inkstone/eval/metrics.hpp"

namespace inkstone {

Image draw_reliability_chart(const ClassificationMetrics& metrics,
                             const std::string& title = "Reliability");

}  // namespace inkstone
