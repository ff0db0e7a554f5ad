#pragma once
// Evaluation reports: the metrics and a robustness sweep as JSON (the schema of report.json
// and of `inkstone eval --json`, documented in docs/evaluation.md), the robustness chart, and
// one self-contained HTML page with every figure embedded as a base64 PNG.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "inkstone/data/image.hpp"
#include "inkstone/eval/metrics.hpp"

namespace inkstone {

// {"count", "loss", "accuracy", "top_k": {"1": .., "3": ..}, "classes": [names],
//  "per_class": [{"class", "precision", "recall", "f1", "support", "predicted"}],
//  "macro_avg": {...}, "weighted_avg": {...}, "confusion": [[..]],
//  "most_confused": [{"true", "predicted", "count"}] (at most max_pairs),
//  "calibration": {"bins": [{"lo", "hi", "count", "confidence", "accuracy"}], "ece", "mce"}}
nlohmann::json metrics_to_json(const ClassificationMetrics& metrics,
                               const std::vector<std::string>& class_names, size_t max_pairs = 20);

// Accuracy of a model on a corrupted copy of the data (data/corrupt.hpp).
struct RobustnessPoint {
  std::string kind;
  std::string unit;
  double strength = 0;
  double accuracy = 0;
};
struct RobustnessSweep {
  double clean_accuracy = 0;
  std::vector<RobustnessPoint> points;  // grouped by kind, weakest first
};
// {"clean_accuracy", "corruptions": [{"kind", "unit", "levels": [{"strength", "accuracy"}]}]}
nlohmann::json robustness_to_json(const RobustnessSweep& sweep);
// Accuracy against severity level (1 = the kind's weakest strength), one line per kind, level 0
// being the clean data.
Image draw_robustness_chart(const RobustnessSweep& sweep, const std::string& title);

// RFC 4648 base64 with padding.
std::string base64_encode(const uint8_t* data, size_t n);

struct HtmlFigure {
  std::string title, caption;
  std::vector<uint8_t> png;  // encoded PNG bytes
};
struct HtmlReport {
  std::string title;
  std::vector<std::pair<std::string, std::string>> facts;  // shown as a two-column table
  const ClassificationMetrics* metrics = nullptr;          // per-class table when set
  std::vector<std::string> class_names;
  const RobustnessSweep* robustness = nullptr;  // robustness table when set
  std::vector<HtmlFigure> figures;
};
// A complete HTML5 document with no external resources (text is HTML-escaped).
std::string render_html_report(const HtmlReport& report);

}  // namespace inkstone
