#pragma once
// Line charts for training curves and sweeps: axes with "nice" ticks (1, 2 or 5 times a power
// of ten), a light grid, every series as a line with a marker at each point, a legend and a
// title, drawn on a Canvas.
#include <string>
#include <vector>

#include "inkstone/eval/canvas.hpp"

namespace inkstone {

struct Series {
  std::string label;
  std::vector<double> x, y;  // same length; non-finite points are skipped
  Rgb color;
  bool dashed = false;
};

struct LineChart {
  std::string title, x_label, y_label;
  std::vector<Series> series;
  bool integer_x = false;  // x ticks at whole numbers only (epochs)
};

// Draws `chart` in the rectangle with top-left (x, y) and size w x h of the canvas. Throws Error
// when no series has a finite point.
void draw_line_chart(Canvas& canvas, int x, int y, int w, int h, const LineChart& chart);

// Tick values covering [lo, hi]: multiples of a step of 1, 2 or 5 times a power of ten, giving
// about `target` ticks; the first tick <= lo and the last >= hi.
std::vector<double> nice_ticks(double lo, double hi, int target = 6);
// A tick label with as many decimals as the step needs ("0.25", "10", "1e-05").
std::string format_tick(double value, double step);

// A palette of distinguishable colours for series (colour-blind friendly, Okabe & Ito 2008).
Rgb series_color(int index);

}  // namespace inkstone
