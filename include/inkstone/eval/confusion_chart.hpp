#pragma once
// The confusion matrix as a heatmap: one cell per (true class, predicted class) with its count,
// class names on both axes. A cell's colour is its share of the true class's samples: blue on
// the diagonal (correct), orange off it (errors, scaled to the largest error share so that
// rare confusions stay visible); empty error cells are left blank.
#include <string>
#include <vector>

#include "inkstone/data/image.hpp"
#include "inkstone/eval/metrics.hpp"

namespace inkstone {

// class_names may be empty (classes are then numbered) or hold one name per class.
Image draw_confusion_chart(const ClassificationMetrics& metrics,
                           const std::vector<std::string>& class_names,
                           const std::string& title = "Confusion matrix");

}  // namespace inkstone
