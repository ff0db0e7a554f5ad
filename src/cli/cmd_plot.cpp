// inkstone plot: training curves (loss and accuracy, training vs validation) from --log files.
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "inkstone/data/image.hpp"
#include "inkstone/eval/line_chart.hpp"
#include "inkstone/tensor/error.hpp"
#include "inkstone/train/run_log.hpp"

namespace inkstone::cli {

namespace {
struct PlotOptions {
  std::vector<std::string> logs;
  std::string out = "curves.png";
  std::string title;
  int width = 1400, height = 520;
};

// The file name without directories and extension, to tell several runs apart.
std::string run_name(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  const size_t dot = name.find_last_of('.');
  return dot == std::string::npos || dot == 0 ? name : name.substr(0, dot);
}

std::vector<double> column(const std::vector<nlohmann::json>& epochs, const char* key) {
  std::vector<double> v;
  for (const nlohmann::json& e : epochs) {
    v.push_back(e.contains(key) && e.at(key).is_number() ? e.at(key).get<double>() : NAN);
  }
  return v;
}

void run_plot(const PlotOptions& o) {
  LineChart loss, accuracy;
  loss.title = "Loss";
  accuracy.title = "Accuracy";
  loss.x_label = accuracy.x_label = "epoch";
  loss.y_label = "cross-entropy";
  accuracy.y_label = "accuracy";
  loss.integer_x = accuracy.integer_x = true;
  int index = 0;
  for (const std::string& path : o.logs) {
    const RunLogContents log = read_run_log(path);
    const std::string prefix = o.logs.size() > 1 ? run_name(path) + " " : "";
    const std::vector<double> epoch = column(log.epochs, "epoch");
    const Rgb color = series_color(index++);
    auto add = [&](LineChart& chart, const char* key, const std::string& label, bool dashed) {
      Series s{prefix + label, epoch, column(log.epochs, key), color, dashed};
      bool any = false;
      for (double v : s.y) any = any || std::isfinite(v);
      if (any) chart.series.push_back(std::move(s));
    };
    add(loss, "loss", "train", false);
    add(loss, "val_loss", "validation", true);
    add(accuracy, "accuracy", "train", false);
    add(accuracy, "val_accuracy", "validation", true);
  }
  const int title_h = o.title.empty() ? 0 : 36;
  Canvas canvas(o.width, o.height + title_h);
  if (!o.title.empty()) {
    canvas.text((o.width - Canvas::text_width(o.title, 3)) / 2, 10, o.title, {20, 20, 20}, 3);
  }
  draw_line_chart(canvas, 0, title_h, o.width / 2, o.height, loss);
  draw_line_chart(canvas, o.width / 2, title_h, o.width - o.width / 2, o.height, accuracy);
  write_png(o.out, canvas.image());
  std::printf("Wrote %s (%dx%d): loss and accuracy of %zu run%s\n", o.out.c_str(), o.width,
              o.height + title_h, o.logs.size(), o.logs.size() == 1 ? "" : "s");
}
}  // namespace

void add_plot_command(CLI::App& app) {
  auto o = std::make_shared<PlotOptions>();
  CLI::App* cmd = app.add_subcommand(
      "plot",
      "Draw training curves (loss and accuracy per epoch, training solid and validation dashed)\n"
      "from the JSON Lines logs of `inkstone train --log`, as one PNG.\n"
      "Example: inkstone plot run.jsonl --out curves.png");
  cmd->add_option("logs", o->logs, "Training logs (several runs are drawn in different colours)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--out", o->out, "PNG file to write")->capture_default_str();
  cmd->add_option("--title", o->title, "Title above the charts");
  cmd->add_option("--width", o->width, "Image width in pixels")
      ->check(CLI::Range(400, 8000))
      ->capture_default_str();
  cmd->add_option("--height", o->height, "Chart height in pixels")
      ->check(CLI::Range(200, 8000))
      ->capture_default_str();
  cmd->callback([o] { run_plot(*o); });
}

}  // namespace inkstone::cli
