#include "inkstone/eval/line_chart.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "inkstone/tensor/error.hpp"

namespace inkstone {

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) throw Error("nice_ticks: non-finite range");
  if (hi < lo) std::swap(lo, hi);
  if (hi - lo < 1e-12 * std::max(1.0, std::abs(hi))) {  // a flat series: widen around it
    const double pad = std::max(std::abs(hi) * 0.05, 1e-6);
    lo -= pad;
    hi += pad;
  }
  // step = {1, 2, 5} * 10^k closest above (hi - lo) / target.
  const double raw = (hi - lo) / std::max(1, target);
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  double step = 10 * p;
  for (double m : {1.0, 2.0, 5.0}) {
    if (m * p >= raw * (1 - 1e-9)) {
      step = m * p;
      break;
    }
  }
  std::vector<double> ticks;
  const double first = std::floor(lo / step + 1e-9) * step;
  for (double v = first; v < hi + step * (1 - 1e-9) && ticks.size() < 100; v += step) {
    ticks.push_back(std::abs(v) < step * 1e-9 ? 0.0 : v);
    if (v >= hi - step * 1e-9) break;
  }
  return ticks;
}

std::string format_tick(double value, double step) {
  char buf[32];
  if (step != 0 && (std::abs(step) < 1e-4 || std::abs(value) >= 1e6)) {
    std::snprintf(buf, sizeof buf, "%.0e", value);
    return buf;
  }
  const int decimals =
      step >= 1 ? 0 : std::min(6, static_cast<int>(std::ceil(-std::log10(step) - 1e-9)));
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

Rgb series_color(int index) {
  static const Rgb kPalette[] = {{0, 114, 178}, {213, 94, 0},   {0, 158, 115}, {204, 121, 167},
                                 {230, 159, 0}, {86, 180, 233}, {0, 0, 0},     {240, 228, 66}};
  return kPalette[static_cast<size_t>(index) % (sizeof kPalette / sizeof kPalette[0])];
}

void draw_line_chart(Canvas& c, int x, int y, int w, int h, const LineChart& chart) {
  double x_lo = std::numeric_limits<double>::infinity(), x_hi = -x_lo;
  double y_lo = x_lo, y_hi = -x_lo;
  for (const Series& s : chart.series) {
    for (size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      x_lo = std::min(x_lo, s.x[i]);
      x_hi = std::max(x_hi, s.x[i]);
      y_lo = std::min(y_lo, s.y[i]);
      y_hi = std::max(y_hi, s.y[i]);
    }
  }
  if (!std::isfinite(x_lo)) throw Error("line chart '" + chart.title + "': nothing to plot");
  std::vector<double> xt = nice_ticks(x_lo, x_hi, 8);
  double x0 = xt.front(), x1 = xt.back();
  if (chart.integer_x) {
    // Epochs: the axis spans the data exactly; ticks at the first epoch and at whole multiples
    // of a nice step after it.
    const double step = std::max(1.0, std::round(xt.size() > 1 ? xt[1] - xt[0] : 1.0));
    x0 = std::floor(x_lo);
    x1 = std::max(std::ceil(x_hi), x0 + 1);
    xt = {x0};
    for (double v = (std::floor(x0 / step) + 1) * step; v <= x1 + 1e-9; v += step) {
      if (v - x0 >= step * 0.5) xt.push_back(v);
    }
  }
  const std::vector<double> yt = nice_ticks(y_lo, y_hi, 6);
  const double y_step = yt.size() > 1 ? yt[1] - yt[0] : 1;
  const double x_step = xt.size() > 1 ? xt[1] - xt[0] : 1;

  // Layout (scale-2 text, 14 px high): title on top, y label on the left, x label below.
  const int s = 2;
  const Rgb ink{40, 40, 40}, grid{225, 225, 225};
  int y_label_w = 0;
  for (double v : yt)
    y_label_w = std::max(y_label_w, Canvas::text_width(format_tick(v, y_step), s));
  const int left = x + 8 + Canvas::text_height(s) + 8 + y_label_w + 8;
  const int top = y + 8 + (chart.title.empty() ? 0 : Canvas::text_height(s) + 12);
  const int right = x + w - 24;
  const int bottom = y + h - 8 - Canvas::text_height(s) - 8 - Canvas::text_height(s) - 10;
  if (right - left < 40 || bottom - top < 40) throw Error("line chart: the area is too small");
  const double y0 = yt.front(), y1 = yt.back();
  auto px = [&](double v) { return left + (v - x0) / (x1 - x0) * (right - left); };
  auto py = [&](double v) { return bottom - (v - y0) / (y1 - y0) * (bottom - top); };

  if (!chart.title.empty()) {
    c.text(x + (w - Canvas::text_width(chart.title, s)) / 2, y + 8, chart.title, ink, s);
  }
  for (double v : yt) {
    const int yy = static_cast<int>(std::lround(py(v)));
    c.line(left, yy, right, yy, grid);
    const std::string label = format_tick(v, y_step);
    c.text(left - 8 - Canvas::text_width(label, s), yy - Canvas::text_height(s) / 2, label, ink, s);
  }
  for (double v : xt) {
    const int xx = static_cast<int>(std::lround(px(v)));
    c.line(xx, top, xx, bottom, grid);
    const std::string label = format_tick(v, chart.integer_x ? 1 : x_step);
    c.text(xx - Canvas::text_width(label, s) / 2, bottom + 8, label, ink, s);
  }
  c.line(left, bottom, right, bottom, ink, 2);
  c.line(left, top, left, bottom, ink, 2);
  if (!chart.x_label.empty()) {
    c.text((left + right - Canvas::text_width(chart.x_label, s)) / 2,
           bottom + 8 + Canvas::text_height(s) + 10, chart.x_label, ink, s);
  }
  if (!chart.y_label.empty()) {
    c.text_vertical(x + 8, (top + bottom + Canvas::text_width(chart.y_label, s)) / 2, chart.y_label,
                    ink, s);
  }

  // Series: lines between consecutive finite points, a 5x5 marker on each.
  for (const Series& sr : chart.series) {
    bool have_prev = false;
    double prev_x = 0, prev_y = 0;
    for (size_t i = 0; i < std::min(sr.x.size(), sr.y.size()); ++i) {
      if (!std::isfinite(sr.x[i]) || !std::isfinite(sr.y[i])) {
        have_prev = false;
        continue;
      }
      const double cx = px(sr.x[i]), cy = py(sr.y[i]);
      if (have_prev) c.line(prev_x, prev_y, cx, cy, sr.color, 3, sr.dashed ? 6 : 0);
      const int mx = static_cast<int>(std::lround(cx)), my = static_cast<int>(std::lround(cy));
      c.fill_rect(mx - 2, my - 2, mx + 2, my + 2, sr.color);
      have_prev = true;
      prev_x = cx;
      prev_y = cy;
    }
  }

  // Legend: top-right inside the plot area, on a white box.
  int legend_w = 0;
  for (const Series& sr : chart.series)
    legend_w = std::max(legend_w, Canvas::text_width(sr.label, s));
  if (legend_w > 0) {
    const int row_h = Canvas::text_height(s) + 8;
    const int box_w = legend_w + 52, box_h = static_cast<int>(chart.series.size()) * row_h + 8;
    // Top-right or bottom-right, whichever covers fewer data points.
    const int bx = right - box_w - 8;
    // Covered = samples along the series' segments that fall inside the box.
    auto covered = [&](int by) {
      int n = 0;
      for (const Series& sr : chart.series) {
        for (size_t i = 1; i < std::min(sr.x.size(), sr.y.size()); ++i) {
          for (int k = 0; k <= 16; ++k) {
            const double t = k / 16.0;
            const double cx = px(sr.x[i - 1] + t * (sr.x[i] - sr.x[i - 1]));
            const double cy = py(sr.y[i - 1] + t * (sr.y[i] - sr.y[i - 1]));
            n += cx >= bx - 4 && cx <= bx + box_w + 4 && cy >= by - 4 && cy <= by + box_h + 4;
          }
        }
      }
      return n;
    };
    const int top_y = top + 8, bottom_y = bottom - box_h - 8;
    const int by = covered(bottom_y) < covered(top_y) ? bottom_y : top_y;
    c.fill_rect(bx, by, bx + box_w, by + box_h, {255, 255, 255});
    c.line(bx, by, bx + box_w, by, grid);
    c.line(bx, by + box_h, bx + box_w, by + box_h, grid);
    c.line(bx, by, bx, by + box_h, grid);
    c.line(bx + box_w, by, bx + box_w, by + box_h, grid);
    for (size_t i = 0; i < chart.series.size(); ++i) {
      const Series& sr = chart.series[i];
      const int ry = by + 8 + static_cast<int>(i) * row_h;
      c.line(bx + 8, ry + Canvas::text_height(s) / 2, bx + 36, ry + Canvas::text_height(s) / 2,
             sr.color, 3, sr.dashed ? 6 : 0);
      c.text(bx + 42, ry, sr.label, ink, s);
    }
  }
}

}  // namespace inkstone
