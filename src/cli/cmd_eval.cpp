// inkstone eval: how good a saved model is on a dataset split, and where it fails — metrics,
// confusion matrix, calibration, a robustness sweep, and a report directory with figures and
// one HTML page.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/helpers.hpp"
#include "cli/model_under_test.hpp"
#include "data/file_util.hpp"
#include "inkstone/data/corrupt.hpp"
#include "inkstone/data/image.hpp"
#include "inkstone/eval/canvas.hpp"
#include "inkstone/eval/confusion_chart.hpp"
#include "inkstone/eval/metrics.hpp"
#include "inkstone/eval/reliability_chart.hpp"
#include "inkstone/eval/report.hpp"
#include "inkstone/eval/sample_grid.hpp"
#include "inkstone/io/weight_loading.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone::cli {

namespace {

struct EvalOptions {
  std::string model_path;
  EvalDataOptions data;
  int bins = 15;
  std::vector<int> top_k = {1, 3, 5};
  bool robustness = false;
  std::vector<std::string> corruptions;
  uint64_t seed = 1;
  std::string report_dir;
  std::string weights_from;
  int errors_shown = 48;
  bool json = false;
};

std::string pct(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%%", 100 * v);
  return buf;
}

void print_summary(const ClassificationMetrics& m, const std::vector<std::string>& names) {
  std::printf("Accuracy: %.4f (%lld/%lld)   loss %.4f", m.accuracy,
              static_cast<long long>(m.correct), static_cast<long long>(m.count), m.loss);
  for (size_t i = 0; i < m.top_k.size(); ++i)
    if (m.top_k[i] > 1) std::printf("   top-%d %.4f", m.top_k[i], m.top_k_accuracy[i]);
  std::printf("\nCalibration: ECE %.4f, MCE %.4f (%zu bins)\n\n", m.ece, m.mce,
              m.calibration.size());

  int name_w = 12;
  for (const std::string& n : names) name_w = std::max(name_w, static_cast<int>(n.size()));
  std::printf("%-*s %9s %9s %9s %8s\n", name_w, "class", "precision", "recall", "f1", "support");
  for (int c = 0; c < m.classes; ++c) {
    const ClassMetrics& cm = m.per_class[static_cast<size_t>(c)];
    std::printf("%-*s %9.4f %9.4f %9.4f %8lld\n", name_w, names[static_cast<size_t>(c)].c_str(),
                cm.precision, cm.recall, cm.f1, static_cast<long long>(cm.support));
  }
  std::printf("%-*s %9.4f %9.4f %9.4f %8lld\n", name_w, "macro avg", m.macro.precision,
              m.macro.recall, m.macro.f1, static_cast<long long>(m.count));
  std::printf("%-*s %9.4f %9.4f %9.4f %8lld\n\n", name_w, "weighted avg", m.weighted.precision,
              m.weighted.recall, m.weighted.f1, static_cast<long long>(m.count));

  // The confusion matrix: columns labelled by class index (names can be long), rows by name.
  int64_t max_count = 0;
  for (int64_t v : m.confusion) max_count = std::max(max_count, v);
  const int cell = std::max(3, static_cast<int>(std::to_string(max_count).size())) + 1;
  // Rows show the class name too when names are not just the indices ("T-shirt/top").
  bool named = false;
  for (int c = 0; c < m.classes; ++c) named |= names[static_cast<size_t>(c)] != std::to_string(c);
  const int row_w = named ? name_w + 5 : 4;
  std::printf("Confusion matrix (rows: true class, columns: predicted class)\n");
  std::printf("%-*s", row_w, "");
  for (int p = 0; p < m.classes; ++p) std::printf("%*d", cell, p);
  std::printf("\n");
  for (int t = 0; t < m.classes; ++t) {
    if (named)
      std::printf("%3d %-*s ", t, name_w, names[static_cast<size_t>(t)].c_str());
    else
      std::printf("%3d ", t);
    for (int p = 0; p < m.classes; ++p)
      std::printf("%*lld", cell, static_cast<long long>(m.confusion_at(t, p)));
    std::printf("\n");
  }
  if (!m.confused.empty()) {
    std::printf("\nMost confused (true -> predicted):");
    for (size_t i = 0; i < std::min<size_t>(8, m.confused.size()); ++i) {
      const ConfusedPair& p = m.confused[i];
      std::printf("%s %s -> %s (%lld)", i ? "," : "", names[static_cast<size_t>(p.truth)].c_str(),
                  names[static_cast<size_t>(p.predicted)].c_str(), static_cast<long long>(p.count));
    }
    std::printf("\n");
  }
}

RobustnessSweep run_robustness(ModelUnderTest& m, const Dataset& data, const EvalOptions& o,
                               double clean_accuracy, bool progress) {
  RobustnessSweep sweep;
  sweep.clean_accuracy = clean_accuracy;
  std::vector<const CorruptionKind*> kinds;
  if (o.corruptions.empty()) {
    for (const CorruptionKind& k : corruption_kinds()) kinds.push_back(&k);
  } else {
    for (const std::string& name : o.corruptions) kinds.push_back(&corruption_kind(name));
  }
  for (const CorruptionKind* k : kinds) {
    for (double s : k->strengths) {
      const Dataset corrupted = corrupt_dataset(data, k->name, s, o.seed);
      const Tensor p = probabilities_of(m, corrupted, o.data.batch_size);
      int64_t correct = 0;
      for (int64_t i = 0; i < corrupted.size(); ++i)
        correct += predicted_class(p.data() + i * data.num_classes, data.num_classes) ==
                   corrupted.labels[static_cast<size_t>(i)];
      const double acc = static_cast<double>(correct) / static_cast<double>(corrupted.size());
      sweep.points.push_back({k->name, k->unit, s, acc});
      if (progress) std::fprintf(stderr, "  robustness: %-8s %-6g %.4f\n", k->name.c_str(), s, acc);
    }
  }
  return sweep;
}

void print_robustness(const RobustnessSweep& s) {
  std::printf("\nRobustness (accuracy under corruption; clean %.4f)\n", s.clean_accuracy);
  std::printf("%-9s %-28s", "kind", "unit");
  std::printf(" strength: accuracy ...\n");
  for (size_t i = 0; i < s.points.size(); ++i) {
    const RobustnessPoint& p = s.points[i];
    if (i == 0 || s.points[i - 1].kind != p.kind)
      std::printf("%s%-9s %-28s", i ? "\n" : "", p.kind.c_str(), p.unit.c_str());
    std::printf("  %g: %.4f", p.strength, p.accuracy);
  }
  std::printf("\n");
}

void write_text_atomic(const std::string& path, const std::string& text) {
  detail::write_file_atomic(path, text.data(), text.size());
}

void write_report(const EvalOptions& o, ModelUnderTest& m, const Dataset& data,
                  const std::vector<std::string>& names, const Tensor& probs,
                  const ClassificationMetrics& metrics, const RobustnessSweep& sweep,
                  const nlohmann::json& summary) {
  const std::string& dir = o.report_dir;
  const std::string what = data.name + " (" + with_commas(data.size()) + " images)";

  nlohmann::json report = summary;
  report["robustness"] = robustness_to_json(sweep);
  write_text_atomic(detail::join_path(dir, "report.json"), report.dump(2) + "\n");

  const Image confusion = draw_confusion_chart(metrics, names, "Confusion matrix, " + what);
  const Image reliability = draw_reliability_chart(metrics, "Reliability");
  const Image robustness = draw_robustness_chart(sweep, "Accuracy under corruption");

  const std::vector<int64_t> worst =
      worst_errors(probs.data(), data.labels.data(), data.size(), data.num_classes,
                   static_cast<size_t>(o.errors_shown));
  Image misclassified;
  if (worst.empty()) {
    Canvas c(400, 60);
    c.text(20, 23, "No misclassified samples.", {40, 40, 40}, 2);
    misclassified = c.image();
  } else {
    std::vector<CaptionedSample> samples;
    for (int64_t i : worst) {
      const float* p = probs.data() + i * data.num_classes;
      const int pred = predicted_class(p, data.num_classes);
      char conf[32];
      std::snprintf(conf, sizeof conf, " %.1f%%", 100.0 * p[pred]);
      samples.push_back({data.image(i),
                         "#" + std::to_string(i) + " true " +
                             names[static_cast<size_t>(data.labels[static_cast<size_t>(i)])],
                         "pred " + names[static_cast<size_t>(pred)] + conf,
                         {200, 40, 40}});
    }
    misclassified =
        draw_sample_grid(samples, data.height, data.width, 8,
                         "Most confident errors (" + with_commas(worst.size()) + " of " +
                             with_commas(metrics.count - metrics.correct) + ")");
  }

  HtmlReport html;
  html.title = "Evaluation of " + detail::base_name(m.path) + " on " + data.name;
  html.facts = {{"model", m.path},
                {"dataset", what},
                {"accuracy", pct(metrics.accuracy)},
                {"loss", std::to_string(metrics.loss)}};
  for (size_t i = 0; i < metrics.top_k.size(); ++i)
    if (metrics.top_k[i] > 1)
      html.facts.push_back({"top-" + std::to_string(metrics.top_k[i]) + " accuracy",
                            pct(metrics.top_k_accuracy[i])});
  html.facts.push_back({"macro F1", std::to_string(metrics.macro.f1)});
  html.facts.push_back({"expected calibration error", std::to_string(metrics.ece)});
  html.metrics = &metrics;
  html.class_names = names;
  html.robustness = &sweep;
  struct Figure {
    const char* file;
    const Image* image;
    const char* title;
    const char* caption;
  };
  const Figure figures[] = {
      {"confusion.png", &confusion, "Confusion matrix",
       "Rows: true class; columns: predicted class. Blue: share of the class predicted right; "
       "orange: errors, scaled to the largest error share."},
      {"misclassified.png", &misclassified, "Most confident errors",
       "The misclassified test images the model was most sure about: true label, prediction and "
       "its probability."},
      {"reliability.png", &reliability, "Reliability diagram",
       "Accuracy against confidence per bin; a calibrated model follows the diagonal."},
      {"robustness.png", &robustness, "Robustness",
       "Accuracy under each corruption at increasing strength (the table above lists the "
       "strengths)."},
  };
  for (const Figure& f : figures) {
    const std::vector<uint8_t> png = encode_png(*f.image);
    detail::write_file_atomic(detail::join_path(dir, f.file), png.data(), png.size());
    html.figures.push_back({f.title, f.caption, png});
  }
  write_text_atomic(detail::join_path(dir, "report.html"), render_html_report(html));
}

void run_eval(const EvalOptions& o) {
  if (!o.report_dir.empty()) detail::make_dirs(o.report_dir);  // fail before the work
  ModelUnderTest m = load_model_under_test(o.model_path);
  // --weights-from: the model's layers replaced by the same-named layers of another file — e.g.
  // a base model's head on a fine-tuned model's features, to measure forgetting.
  WeightLoadReport weights_report;
  if (!o.weights_from.empty())
    weights_report = load_weights_by_name(m.model, o.weights_from, /*skip_mismatch=*/true);
  const EvalData loaded = load_eval_data(o.data);
  const Dataset& data = loaded.data;
  const std::vector<std::string> names = class_names_of(m, data);
  const Tensor probs = probabilities_of(m, data, o.data.batch_size);
  const ClassificationMetrics metrics = classification_metrics(
      probs.data(), data.labels.data(), data.size(), data.num_classes, o.top_k, o.bins);
  const bool sweep_wanted = o.robustness || !o.report_dir.empty();

  if (!o.json) {
    std::printf("Model: %s, dataset: %s (%s images), %s\n", o.model_path.c_str(), data.name.c_str(),
                with_commas(data.size()).c_str(), isa_and_threads().c_str());
    if (!loaded.note.empty()) std::printf("Note: %s\n", loaded.note.c_str());
    if (!o.weights_from.empty())
      std::printf("Weights from %s: %s\n", o.weights_from.c_str(), weights_report.str().c_str());
    print_summary(metrics, names);
    std::fflush(stdout);
  }
  RobustnessSweep sweep;
  if (sweep_wanted) sweep = run_robustness(m, data, o, metrics.accuracy, !o.json);

  nlohmann::json summary{{"model", o.model_path},
                         {"dataset", o.data.dataset},
                         {"split", o.data.split},
                         {"source", data.source}};
  summary.update(metrics_to_json(metrics, names));
  if (!o.weights_from.empty()) {
    summary["weights_from"] = {{"path", o.weights_from},
                               {"loaded", weights_report.loaded},
                               {"skipped", weights_report.skipped},
                               {"kept", weights_report.initialized}};
  }
  if (o.json) {
    nlohmann::json j = summary;
    if (sweep_wanted) j["robustness"] = robustness_to_json(sweep);
    std::printf("%s\n", j.dump(2).c_str());
  } else if (sweep_wanted) {
    print_robustness(sweep);
  }
  if (!o.report_dir.empty()) {
    write_report(o, m, data, names, probs, metrics, sweep, summary);
    if (!o.json) std::printf("\nReport written to %s/report.html\n", o.report_dir.c_str());
  }
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto o = std::make_shared<EvalOptions>();
  CLI::App* cmd = app.add_subcommand(
      "eval",
      "Evaluate a saved model (.inks) on a dataset split: loss, accuracy, top-k, per-class "
      "precision/recall/F1, confusion matrix, calibration; optionally a robustness sweep and a "
      "report directory.\n"
      "Examples:\n"
      "  inkstone eval model.inks --dataset mnist\n"
      "  inkstone eval model.inks --robustness --corruption rotate,noise\n"
      "  inkstone eval model.inks --report report/   (report.html, report.json, PNG figures)");
  cmd->add_option("model", o->model_path, "Model file (.inks)")->required();
  add_eval_data_options(cmd, o->data);
  cmd->add_option("--top-k", o->top_k, "The k of top-k accuracy (comma-separated)")
      ->delimiter(',')
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  cmd->add_option("--bins", o->bins, "Confidence bins for calibration (ECE)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  std::string kinds;
  for (const CorruptionKind& k : corruption_kinds()) kinds += (kinds.empty() ? "" : ", ") + k.name;
  cmd->add_flag("--robustness", o->robustness,
                "Sweep corruptions (" + kinds + ") at several strengths and print the accuracy");
  cmd->add_option("--corruption", o->corruptions,
                  "Sweep only these corruptions (comma-separated; default all)")
      ->delimiter(',');
  cmd->add_option("--seed", o->seed, "Seed of the corruptions' random parts")
      ->capture_default_str();
  cmd->add_option("--report", o->report_dir,
                  "Write DIR/report.json, confusion.png, misclassified.png, reliability.png, "
                  "robustness.png and report.html (runs the robustness sweep)");
  cmd->add_option("--weights-from", o->weights_from,
                  "Before evaluating, copy into the model every layer of this .inks file with the "
                  "same name and shape (the rest is kept): e.g. a base model's head on a "
                  "fine-tuned model's features, to measure forgetting")
      ->check(CLI::ExistingFile);
  cmd->add_option("--errors", o->errors_shown, "Misclassified images shown in the report")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  cmd->add_flag("--json", o->json, "Print the results as JSON");
  cmd->callback([o] { run_eval(*o); });
}

}  // namespace inkstone::cli
