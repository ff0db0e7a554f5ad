// The JSON form of metrics and robustness sweeps (eval/report.hpp).
#include <algorithm>

#include "inkstone/eval/report.hpp"

namespace inkstone {

namespace {
nlohmann::json averaged(const AveragedMetrics& a) {
  return {{"precision", a.precision}, {"recall", a.recall}, {"f1", a.f1}};
}
}  // namespace

nlohmann::json metrics_to_json(const ClassificationMetrics& m,
                               const std::vector<std::string>& names, size_t max_pairs) {
  nlohmann::json j;
  j["count"] = m.count;
  j["loss"] = m.loss;
  j["accuracy"] = m.accuracy;
  nlohmann::json top = nlohmann::json::object();
  for (size_t i = 0; i < m.top_k.size(); ++i) top[std::to_string(m.top_k[i])] = m.top_k_accuracy[i];
  j["top_k"] = top;
  nlohmann::json classes = nlohmann::json::array(), per_class = nlohmann::json::array();
  for (int c = 0; c < m.classes; ++c) {
    const ClassMetrics& cm = m.per_class[static_cast<size_t>(c)];
    classes.push_back(class_name(names, c));
    per_class.push_back({{"class", class_name(names, c)},
                         {"precision", cm.precision},
                         {"recall", cm.recall},
                         {"f1", cm.f1},
                         {"support", cm.support},
                         {"predicted", cm.predicted}});
  }
  j["classes"] = classes;
  j["per_class"] = per_class;
  j["macro_avg"] = averaged(m.macro);
  j["weighted_avg"] = averaged(m.weighted);
  nlohmann::json confusion = nlohmann::json::array();
  for (int t = 0; t < m.classes; ++t) {
    nlohmann::json row = nlohmann::json::array();
    for (int p = 0; p < m.classes; ++p) row.push_back(m.confusion_at(t, p));
    confusion.push_back(row);
  }
  j["confusion"] = confusion;
  nlohmann::json pairs = nlohmann::json::array();
  for (size_t i = 0; i < std::min(max_pairs, m.confused.size()); ++i) {
    const ConfusedPair& p = m.confused[i];
    pairs.push_back({{"true", class_name(names, p.truth)},
                     {"predicted", class_name(names, p.predicted)},
                     {"count", p.count}});
  }
  j["most_confused"] = pairs;
  nlohmann::json bins = nlohmann::json::array();
  for (const CalibrationBin& b : m.calibration)
    bins.push_back({{"lo", b.lo},
                    {"hi", b.hi},
                    {"count", b.count},
                    {"confidence", b.confidence},
                    {"accuracy", b.accuracy}});
  j["calibration"] = {{"bins", bins}, {"ece", m.ece}, {"mce", m.mce}};
  return j;
}

nlohmann::json robustness_to_json(const RobustnessSweep& sweep) {
  nlohmann::json kinds = nlohmann::json::array();
  for (const RobustnessPoint& p : sweep.points) {
    if (kinds.empty() || kinds.back()["kind"] != p.kind)
      kinds.push_back({{"kind", p.kind}, {"unit", p.unit}, {"levels", nlohmann::json::array()}});
    kinds.back()["levels"].push_back({{"strength", p.strength}, {"accuracy", p.accuracy}});
  }
  return {{"clean_accuracy", sweep.clean_accuracy}, {"corruptions", kinds}};
}

}  // namespace inkstone
