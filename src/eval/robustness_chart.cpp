// The robustness chart (eval/report.hpp): accuracy against severity level per corruption.
#include "inkstone/eval/canvas.hpp"
#include "inkstone/eval/line_chart.hpp"
#include "inkstone/eval/report.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone {

Image draw_robustness_chart(const RobustnessSweep& sweep, const std::string& title) {
  if (sweep.points.empty()) throw Error("robustness chart: no points");
  LineChart chart;
  chart.title = title;
  chart.x_label = "severity level (0 = clean; see the table for strengths)";
  chart.y_label = "accuracy";
  chart.integer_x = true;
  for (const RobustnessPoint& p : sweep.points) {
    if (chart.series.empty() || chart.series.back().label != p.kind) {
      const int i = static_cast<int>(chart.series.size());
      // Eight palette colours; kinds past the eighth are dashed so no two lines look alike.
      chart.series.push_back({p.kind, {0}, {sweep.clean_accuracy}, series_color(i), i >= 8});
    }
    Series& s = chart.series.back();
    s.x.push_back(static_cast<double>(s.x.size()));
    s.y.push_back(p.accuracy);
  }
  Canvas c(1000, 640);
  draw_line_chart(c, 0, 0, c.width(), c.height(), chart);
  return c.image();
}

}  // namespace inkstone
