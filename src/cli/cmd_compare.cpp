// inkstone compare: two models on the same data — both accuracies, McNemar's test of whether
// they really differ, and the samples on which they disagree.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/helpers.hpp"
#include "cli/model_under_test.hpp"
#include "inkstone/data/image.hpp"
#include "inkstone/eval/metrics.hpp"
#include "inkstone/eval/sample_grid.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone::cli {

namespace {

struct CompareOptions {
  std::string model_a, model_b;
  EvalDataOptions data;
  int show = 20;
  std::string grid_path;
  bool json = false;
};

struct Disagreement {
  int64_t index;
  int truth, a, b;
};

void run_compare(const CompareOptions& o) {
  ModelUnderTest a = load_model_under_test(o.model_a);
  ModelUnderTest b = load_model_under_test(o.model_b);
  const Dataset data = load_eval_data(o.data).data;
  const std::vector<std::string> names = class_names_of(a, data);
  const Tensor pa = probabilities_of(a, data, o.data.batch_size);
  const Tensor pb = probabilities_of(b, data, o.data.batch_size);
  const int k = data.num_classes;

  int64_t right_a = 0, right_b = 0, only_a = 0, only_b = 0;
  std::vector<Disagreement> disagree;
  for (int64_t i = 0; i < data.size(); ++i) {
    const int truth = data.labels[static_cast<size_t>(i)];
    const int ya = predicted_class(pa.data() + i * k, k);
    const int yb = predicted_class(pb.data() + i * k, k);
    right_a += ya == truth;
    right_b += yb == truth;
    only_a += ya == truth && yb != truth;
    only_b += yb == truth && ya != truth;
    if (ya != yb) disagree.push_back({i, truth, ya, yb});
  }
  const McNemarResult t = mcnemar(only_a, only_b);
  const double n = static_cast<double>(data.size());
  const char* verdict = t.p_value < 0.05 ? "the difference is significant at the 5% level"
                                         : "no significant difference at the 5% level";

  if (o.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const Disagreement& d : disagree)
      list.push_back({{"index", d.index},
                      {"true", names[static_cast<size_t>(d.truth)]},
                      {"a", names[static_cast<size_t>(d.a)]},
                      {"b", names[static_cast<size_t>(d.b)]}});
    const nlohmann::json j{
        {"dataset", o.data.dataset},
        {"split", o.data.split},
        {"count", data.size()},
        {"a", {{"model", o.model_a}, {"accuracy", static_cast<double>(right_a) / n}}},
        {"b", {{"model", o.model_b}, {"accuracy", static_cast<double>(right_b) / n}}},
        {"mcnemar",
         {{"only_a_right", only_a},
          {"only_b_right", only_b},
          {"statistic", t.statistic},
          {"p_value", t.p_value},
          {"p_value_chi2", t.p_value_chi2}}},
        {"disagreements", list}};
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::printf("Dataset: %s (%s images), %s\n", data.name.c_str(),
                with_commas(data.size()).c_str(), isa_and_threads().c_str());
    std::printf("A: %s   accuracy %.4f (%lld right)\n", o.model_a.c_str(),
                static_cast<double>(right_a) / n, static_cast<long long>(right_a));
    std::printf("B: %s   accuracy %.4f (%lld right)\n", o.model_b.c_str(),
                static_cast<double>(right_b) / n, static_cast<long long>(right_b));
    std::printf(
        "Only A right: %lld, only B right: %lld; McNemar exact p = %.4g (chi-square %.3f, p = "
        "%.4g): %s\n",
        static_cast<long long>(only_a), static_cast<long long>(only_b), t.p_value, t.statistic,
        t.p_value_chi2, verdict);
    std::printf("They disagree on %s images", with_commas(disagree.size()).c_str());
    if (!disagree.empty() && o.show > 0) {
      std::printf("; the first %d:\n%8s  %-14s %-14s %s\n",
                  std::min<int>(o.show, static_cast<int>(disagree.size())), "index", "true", "A",
                  "B");
      for (size_t i = 0; i < std::min<size_t>(static_cast<size_t>(o.show), disagree.size()); ++i) {
        const Disagreement& d = disagree[i];
        std::printf("%8lld  %-14s %-14s %s\n", static_cast<long long>(d.index),
                    names[static_cast<size_t>(d.truth)].c_str(),
                    names[static_cast<size_t>(d.a)].c_str(),
                    names[static_cast<size_t>(d.b)].c_str());
      }
    } else {
      std::printf("\n");
    }
  }
  if (!o.grid_path.empty()) {
    if (disagree.empty()) throw Error("the models agree on every image: no grid to draw");
    std::vector<CaptionedSample> samples;
    for (size_t i = 0; i < std::min<size_t>(disagree.size(), 64); ++i) {
      const Disagreement& d = disagree[i];
      samples.push_back(
          {data.image(d.index),
           "#" + std::to_string(d.index) + " true " + names[static_cast<size_t>(d.truth)],
           "A " + names[static_cast<size_t>(d.a)] + "  B " + names[static_cast<size_t>(d.b)],
           {200, 40, 40}});
    }
    write_png(o.grid_path, draw_sample_grid(samples, data.height, data.width, 8,
                                            "Images on which A and B disagree"));
    if (!o.json) std::printf("Grid written to %s\n", o.grid_path.c_str());
  }
}

}  // namespace

void add_compare_command(CLI::App& app) {
  auto o = std::make_shared<CompareOptions>();
  CLI::App* cmd = app.add_subcommand(
      "compare",
      "Compare two saved models on the same data: both accuracies, McNemar's test (is the "
      "difference real?) and the images on which they disagree.\n"
      "Example: inkstone compare a.inks b.inks --dataset mnist --grid disagree.png");
  cmd->add_option("a", o->model_a, "First model (.inks)")->required();
  cmd->add_option("b", o->model_b, "Second model (.inks)")->required();
  add_eval_data_options(cmd, o->data);
  cmd->add_option("--show", o->show, "Disagreements listed")
      ->check(CLI::Range(0, 1000000))
      ->capture_default_str();
  cmd->add_option("--grid", o->grid_path, "Write a PNG grid of (up to 64) disagreements");
  cmd->add_flag("--json", o->json, "Print the results as JSON (every disagreement)");
  cmd->callback([o] { run_compare(*o); });
}

}  // namespace inkstone::cli
