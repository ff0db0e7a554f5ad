#include "inkstone/eval/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "inkstone/tensor/error.hpp"

namespace inkstone {

std::string class_name(const std::vector<std::string>& names, int c) {
  return c >= 0 && c < static_cast<int>(names.size()) ? names[static_cast<size_t>(c)]
                                                      : std::to_string(c);
}

int predicted_class(const float* p, int classes) {
  return static_cast<int>(std::max_element(p, p + classes) - p);
}

int rank_of(const float* p, int classes, int truth) {
  int rank = 0;
  for (int c = 0; c < classes; ++c) rank += p[c] > p[truth] || (p[c] == p[truth] && c < truth);
  return rank;
}

namespace {

double ratio(int64_t num, int64_t den) {  // 0/0 = 0 (scikit-learn's zero_division = 0)
  return den > 0 ? static_cast<double>(num) / static_cast<double>(den) : 0.0;
}

void fill_per_class(ClassificationMetrics& m) {
  const int k = m.classes;
  m.per_class.assign(static_cast<size_t>(k), {});
  for (int t = 0; t < k; ++t) {
    for (int p = 0; p < k; ++p) {
      const int64_t n = m.confusion_at(t, p);
      m.per_class[static_cast<size_t>(t)].support += n;
      m.per_class[static_cast<size_t>(p)].predicted += n;
    }
  }
  int present = 0;
  int64_t support_sum = 0;
  for (int c = 0; c < k; ++c) {
    ClassMetrics& cm = m.per_class[static_cast<size_t>(c)];
    const int64_t tp = m.confusion_at(c, c);
    cm.precision = ratio(tp, cm.predicted);
    cm.recall = ratio(tp, cm.support);
    // F1 = 2 tp / (2 tp + fp + fn), the harmonic mean of precision and recall.
    cm.f1 = ratio(2 * tp, cm.support + cm.predicted);
    if (cm.absent()) continue;
    ++present;
    support_sum += cm.support;
    m.macro.precision += cm.precision;
    m.macro.recall += cm.recall;
    m.macro.f1 += cm.f1;
    const double w = static_cast<double>(cm.support);
    m.weighted.precision += w * cm.precision;
    m.weighted.recall += w * cm.recall;
    m.weighted.f1 += w * cm.f1;
  }
  for (double* v : {&m.macro.precision, &m.macro.recall, &m.macro.f1})
    *v = present > 0 ? *v / present : 0.0;
  for (double* v : {&m.weighted.precision, &m.weighted.recall, &m.weighted.f1})
    *v = support_sum > 0 ? *v / static_cast<double>(support_sum) : 0.0;
}

void fill_confused_pairs(ClassificationMetrics& m) {
  for (int t = 0; t < m.classes; ++t)
    for (int p = 0; p < m.classes; ++p)
      if (t != p && m.confusion_at(t, p) > 0) m.confused.push_back({t, p, m.confusion_at(t, p)});
  std::stable_sort(m.confused.begin(), m.confused.end(),
                   [](const ConfusedPair& a, const ConfusedPair& b) { return a.count > b.count; });
}

}  // namespace

ClassificationMetrics classification_metrics(const float* probabilities, const int32_t* labels,
                                             int64_t n, int classes, std::vector<int> top_k,
                                             int bins) {
  if (n < 1) throw Error("classification metrics need at least one sample");
  if (classes < 2) throw Error("classification metrics need at least two classes");
  if (bins < 1) throw Error("calibration needs at least one bin");
  ClassificationMetrics m;
  m.classes = classes;
  m.count = n;
  for (int k : top_k)
    if (k >= 1 && k <= classes) m.top_k.push_back(k);
  m.top_k_accuracy.assign(m.top_k.size(), 0.0);
  m.confusion.assign(static_cast<size_t>(classes) * static_cast<size_t>(classes), 0);
  m.calibration.resize(static_cast<size_t>(bins));
  for (int b = 0; b < bins; ++b) {
    m.calibration[static_cast<size_t>(b)].lo = static_cast<double>(b) / bins;
    m.calibration[static_cast<size_t>(b)].hi = static_cast<double>(b + 1) / bins;
  }
  double loss = 0;
  int64_t correct = 0;
  for (int64_t i = 0; i < n; ++i) {
    const int32_t truth = labels[i];
    if (truth < 0 || truth >= classes)
      throw Error("label " + std::to_string(truth) + " of sample " + std::to_string(i) +
                  " is outside [0, " + std::to_string(classes) + ")");
    const float* p = probabilities + i * classes;
    const int pred = predicted_class(p, classes);
    m.confusion[static_cast<size_t>(truth) * static_cast<size_t>(classes) +
                static_cast<size_t>(pred)] += 1;
    correct += pred == truth;
    loss -= std::log(std::clamp(static_cast<double>(p[truth]), 1e-7, 1.0));
    const int rank = rank_of(p, classes, truth);
    for (size_t j = 0; j < m.top_k.size(); ++j) m.top_k_accuracy[j] += rank < m.top_k[j];
    const double conf = std::clamp(static_cast<double>(p[pred]), 0.0, 1.0);
    const int b = std::min(bins - 1, static_cast<int>(conf * bins));
    CalibrationBin& bin = m.calibration[static_cast<size_t>(b)];
    bin.count += 1;
    bin.confidence += conf;
    bin.accuracy += pred == truth;
  }
  const double dn = static_cast<double>(n);
  m.loss = loss / dn;
  m.correct = correct;
  m.accuracy = static_cast<double>(correct) / dn;
  for (double& a : m.top_k_accuracy) a /= dn;
  for (CalibrationBin& bin : m.calibration) {
    if (bin.count == 0) continue;
    bin.confidence /= static_cast<double>(bin.count);
    bin.accuracy /= static_cast<double>(bin.count);
    const double gap = std::abs(bin.accuracy - bin.confidence);
    m.ece += static_cast<double>(bin.count) / dn * gap;
    m.mce = std::max(m.mce, gap);
  }
  fill_per_class(m);
  fill_confused_pairs(m);
  return m;
}

std::vector<int64_t> worst_errors(const float* probabilities, const int32_t* labels, int64_t n,
                                  int classes, size_t max_count) {
  std::vector<std::pair<float, int64_t>> errors;  // (confidence, index)
  for (int64_t i = 0; i < n; ++i) {
    const float* p = probabilities + i * classes;
    const int pred = predicted_class(p, classes);
    if (pred != labels[i]) errors.push_back({p[pred], i});
  }
  std::stable_sort(errors.begin(), errors.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<int64_t> out;
  for (size_t k = 0; k < std::min(max_count, errors.size()); ++k) out.push_back(errors[k].second);
  return out;
}

McNemarResult mcnemar(int64_t only_a, int64_t only_b) {
  if (only_a < 0 || only_b < 0) throw Error("McNemar's test needs non-negative counts");
  McNemarResult r;
  r.only_a = only_a;
  r.only_b = only_b;
  const int64_t n = only_a + only_b;
  if (n == 0) return r;  // the classifiers never disagree: no evidence of a difference
  const double d = std::abs(static_cast<double>(only_a - only_b)) - 1.0;
  r.statistic = d > 0 ? d * d / static_cast<double>(n) : 0.0;
  // Chi-square with 1 degree of freedom: P(X > s) = erfc(sqrt(s / 2)).
  r.p_value_chi2 = std::erfc(std::sqrt(r.statistic / 2));
  // Exact: under H0 the disagreements split as Binomial(n, 1/2);
  // p = min(1, 2 * sum_{i <= min(b, c)} C(n, i) / 2^n), summed in log space.
  const int64_t k = std::min(only_a, only_b);
  const double log_half_n = static_cast<double>(n) * std::log(0.5);
  const double log_n_fact = std::lgamma(static_cast<double>(n) + 1);
  double max_term = -INFINITY;
  std::vector<double> terms;
  terms.reserve(static_cast<size_t>(k) + 1);
  for (int64_t i = 0; i <= k; ++i) {
    const double t = log_n_fact - std::lgamma(static_cast<double>(i) + 1) -
                     std::lgamma(static_cast<double>(n - i) + 1) + log_half_n;
    terms.push_back(t);
    max_term = std::max(max_term, t);
  }
  double sum = 0;
  for (double t : terms) sum += std::exp(t - max_term);
  r.p_value = std::min(1.0, 2 * std::exp(max_term + std::log(sum)));
  return r;
}

int edit_distance(const std::string& a, const std::string& b) {
  // One row of the dynamic programme at a time: row[j] is the distance of a[0, i) to b[0, j).
  std::vector<int> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = static_cast<int>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    int diag = row[0];
    row[0] = static_cast<int>(i);
    for (size_t j = 1; j <= b.size(); ++j) {
      const int up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace inkstone
