#include "inkstone/eval/reliability_chart.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "inkstone/eval/canvas.hpp"
#include "inkstone/eval/line_chart.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone {

Image draw_reliability_chart(const ClassificationMetrics& m, const std::string& title) {
  if (m.calibration.empty()) throw Error("reliability chart: no calibration bins");
  const int width = 640, curve_h = 560, hist_h = 190;
  Canvas c(width, curve_h + hist_h);
  char head[160];
  std::snprintf(head, sizeof head, "%s (ECE %.4f, %zu bins)", title.c_str(), m.ece,
                m.calibration.size());

  LineChart chart;
  chart.title = head;
  chart.x_label = "confidence (highest probability)";
  chart.y_label = "accuracy";
  chart.series.push_back({"perfect calibration", {0, 1}, {0, 1}, {150, 150, 150}, true});
  Series model{"model", {}, {}, series_color(0), false};
  for (const CalibrationBin& b : m.calibration) {
    if (b.count == 0) continue;
    model.x.push_back(b.confidence);
    model.y.push_back(b.accuracy);
  }
  chart.series.push_back(model);
  draw_line_chart(c, 0, 0, width, curve_h, chart);

  // Samples per bin: bar heights proportional to log10(1 + count), the count above each bar.
  const Rgb ink{40, 40, 40}, bar = series_color(0);
  const int left = 96, right = width - 24, top = curve_h + 34, bottom = curve_h + hist_h - 34;
  c.text(left, curve_h + 8, "samples per bin (log scale)", ink, 2);
  int64_t max_count = 1;
  for (const CalibrationBin& b : m.calibration) max_count = std::max(max_count, b.count);
  const double log_max = std::log10(1.0 + static_cast<double>(max_count));
  const int bins = static_cast<int>(m.calibration.size());
  const double bin_w = static_cast<double>(right - left) / bins;
  for (int i = 0; i < bins; ++i) {
    const CalibrationBin& b = m.calibration[static_cast<size_t>(i)];
    const int x0 = left + static_cast<int>(std::lround(i * bin_w)) + 1;
    const int x1 = left + static_cast<int>(std::lround((i + 1) * bin_w)) - 1;
    if (b.count > 0) {
      const int hgt =
          std::max(1, static_cast<int>(std::lround(std::log10(1.0 + static_cast<double>(b.count)) /
                                                   log_max * (bottom - top - 12))));
      c.fill_rect(x0, bottom - hgt, x1, bottom, bar);
      const std::string s = std::to_string(b.count);
      c.text((x0 + x1 - Canvas::text_width(s)) / 2, bottom - hgt - 10, s, ink);
    }
  }
  c.line(left, bottom, right, bottom, ink, 2);
  for (double v : {0.0, 0.5, 1.0}) {
    const std::string s = format_tick(v, 0.5);
    const int x = left + static_cast<int>(std::lround(v * (right - left)));
    c.text(x - Canvas::text_width(s, 2) / 2, bottom + 8, s, ink, 2);
  }
  return c.image();
}

}  // namespace inkstone
