#pragma once
// Classification metrics from predicted class probabilities and true labels: loss, accuracy,
// top-k accuracy, the confusion matrix, per-class precision / recall / F1, macro and weighted
// averages, the most confused class pairs and calibration (reliability bins, ECE, MCE).
//
// Undefined ratios follow scikit-learn's default (zero_division = 0): precision of a class that
// is never predicted, and recall of a class with no samples, are 0. Macro and weighted averages
// run over the classes that have samples or predictions (a class with neither is "absent" and
// left out, as scikit-learn leaves out labels that occur in neither y_true nor y_pred).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace inkstone {

struct ClassMetrics {
  double precision = 0;   // tp / (tp + fp)
  double recall = 0;      // tp / (tp + fn)
  double f1 = 0;          // 2 p r / (p + r)
  int64_t support = 0;    // samples of the class (tp + fn)
  int64_t predicted = 0;  // samples predicted as the class (tp + fp)
  bool absent() const { return support == 0 && predicted == 0; }
};

struct AveragedMetrics {
  double precision = 0, recall = 0, f1 = 0;
};

struct ConfusedPair {
  int truth = 0, predicted = 0;
  int64_t count = 0;
};

// Samples whose confidence (the highest probability) lies in [lo, hi) — the last bin includes 1.
struct CalibrationBin {
  double lo = 0, hi = 0;
  int64_t count = 0;
  double confidence = 0;  // mean confidence of the bin's samples (0 when empty)
  double accuracy = 0;    // fraction of the bin's samples predicted right (0 when empty)
};

struct ClassificationMetrics {
  int classes = 0;
  int64_t count = 0;
  double loss = 0;      // mean of -ln max(p[truth], 1e-7), Keras's clipping
  int64_t correct = 0;  // samples whose prediction is their label
  double accuracy = 0;
  std::vector<int> top_k;               // the k values ...
  std::vector<double> top_k_accuracy;   // ... and their accuracies
  std::vector<int64_t> confusion;       // classes x classes, row = truth, column = prediction
  std::vector<ClassMetrics> per_class;  // one per class
  AveragedMetrics macro;                // unweighted mean over the present classes
  AveragedMetrics weighted;             // mean weighted by support
  std::vector<ConfusedPair> confused;   // off-diagonal cells > 0, largest first
  std::vector<CalibrationBin> calibration;
  // Expected calibration error: sum over bins of (count / n) |accuracy - confidence|
  // (Guo et al. 2017); MCE is the largest |accuracy - confidence| of a non-empty bin.
  double ece = 0, mce = 0;

  int64_t confusion_at(int truth, int predicted) const {
    return confusion[static_cast<size_t>(truth) * static_cast<size_t>(classes) +
                     static_cast<size_t>(predicted)];
  }
};

// The display name of class c: names[c], or the number when names has no entry for it.
std::string class_name(const std::vector<std::string>& names, int c);

// The prediction for a row of probabilities: the arg-max, the first on ties (as evaluate()).
int predicted_class(const float* probabilities, int classes);
// Rank of the true class in a row: how many classes come before it when sorted by probability,
// ties broken by class index (so rank 0 <=> predicted_class == truth).
int rank_of(const float* probabilities, int classes, int truth);

// Metrics of n rows of `classes` probabilities each (row-major) against labels in [0, classes).
// top_k lists the k of top-k accuracy (values above `classes` are dropped); `bins` equal-width
// confidence bins for calibration. Throws Error on n < 1, classes < 2, bins < 1, or a label out
// of range.
ClassificationMetrics classification_metrics(const float* probabilities, const int32_t* labels,
                                             int64_t n, int classes,
                                             std::vector<int> top_k = {1, 3, 5}, int bins = 15);

// Indices of the misclassified samples, most confident error first (ties: lower index first),
// at most max_count of them.
std::vector<int64_t> worst_errors(const float* probabilities, const int32_t* labels, int64_t n,
                                  int classes, size_t max_count);

// McNemar's test of two classifiers on the same samples: b samples only A gets right, c only B.
struct McNemarResult {
  int64_t only_a = 0, only_b = 0;  // b, c
  double statistic = 0;            // chi-square with continuity correction: (|b-c|-1)^2/(b+c)
  double p_value = 1;              // exact two-sided binomial p-value: P(X <= min(b,c)) * 2
  double p_value_chi2 = 1;         // from the corrected chi-square statistic, 1 degree of freedom
};
McNemarResult mcnemar(int64_t only_a, int64_t only_b);

// Levenshtein distance: the fewest insertions, deletions and substitutions of characters that
// turn a into b (the errors of a string reading: 1 - distance / length is its digit accuracy).
int edit_distance(const std::string& a, const std::string& b);

}  // namespace inkstone
