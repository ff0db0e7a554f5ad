// The self-contained HTML report (eval/report.hpp).
#include <cstdio>
#include <sstream>

#include "inkstone/eval/report.hpp"

namespace inkstone {

std::string base64_encode(const uint8_t* data, size_t n) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((n + 2) / 3 * 4);
  for (size_t i = 0; i < n; i += 3) {
    // Three bytes -> four 6-bit digits; missing bytes become '=' padding.
    const uint32_t b = (uint32_t{data[i]} << 16) | (i + 1 < n ? uint32_t{data[i + 1]} << 8 : 0) |
                       (i + 2 < n ? uint32_t{data[i + 2]} : 0);
    out += kAlphabet[(b >> 18) & 63];
    out += kAlphabet[(b >> 12) & 63];
    out += i + 1 < n ? kAlphabet[(b >> 6) & 63] : '=';
    out += i + 2 < n ? kAlphabet[b & 63] : '=';
  }
  return out;
}

namespace {

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string fixed(double v, int decimals = 4) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

constexpr const char* kStyle = R"(
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto;
       max-width: 1100px; color: #222; padding: 0 1em; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 2em; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th { background: #f2f2f2; } td.l, th.l { text-align: left; }
figure { margin: 1.5em 0; } img { max-width: 100%; border: 1px solid #ddd; }
figcaption { color: #555; font-size: 0.9em; margin-top: 0.3em; }
span.level { white-space: nowrap; margin-right: 1.2em; }
)";

}  // namespace

std::string render_html_report(const HtmlReport& r) {
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    << "<title>" << escape(r.title) << "</title>\n<style>" << kStyle << "</style>\n</head>\n"
    << "<body>\n<h1>" << escape(r.title) << "</h1>\n";
  if (!r.facts.empty()) {
    h << "<table id=\"summary\">\n";
    for (const auto& [k, v] : r.facts)
      h << "<tr><th class=\"l\">" << escape(k) << "</th><td class=\"l\">" << escape(v)
        << "</td></tr>\n";
    h << "</table>\n";
  }
  if (r.metrics != nullptr) {
    const ClassificationMetrics& m = *r.metrics;
    h << "<h2>Per class</h2>\n<table id=\"per-class\">\n<tr><th class=\"l\">class</th>"
      << "<th>precision</th><th>recall</th><th>F1</th><th>support</th><th>predicted</th></tr>\n";
    for (int c = 0; c < m.classes; ++c) {
      const ClassMetrics& cm = m.per_class[static_cast<size_t>(c)];
      h << "<tr><td class=\"l\">" << escape(class_name(r.class_names, c)) << "</td><td>"
        << fixed(cm.precision) << "</td><td>" << fixed(cm.recall) << "</td><td>" << fixed(cm.f1)
        << "</td><td>" << cm.support << "</td><td>" << cm.predicted << "</td></tr>\n";
    }
    for (const auto& [label, a] : {std::pair{"macro avg", m.macro}, {"weighted avg", m.weighted}})
      h << "<tr><th class=\"l\">" << label << "</th><th>" << fixed(a.precision) << "</th><th>"
        << fixed(a.recall) << "</th><th>" << fixed(a.f1) << "</th><th>" << m.count
        << "</th><th></th></tr>\n";
    h << "</table>\n";
    if (!m.confused.empty()) {
      h << "<h2>Most confused pairs</h2>\n<table id=\"confused\">\n<tr><th class=\"l\">true"
        << "</th><th class=\"l\">predicted</th><th>count</th></tr>\n";
      for (size_t i = 0; i < std::min<size_t>(10, m.confused.size()); ++i) {
        const ConfusedPair& p = m.confused[i];
        h << "<tr><td class=\"l\">" << escape(class_name(r.class_names, p.truth))
          << "</td><td class=\"l\">" << escape(class_name(r.class_names, p.predicted))
          << "</td><td>" << p.count << "</td></tr>\n";
      }
      h << "</table>\n";
    }
  }
  if (r.robustness != nullptr) {
    // One row per corruption: its strengths in order, each with the accuracy and its change.
    const RobustnessSweep& sw = *r.robustness;
    h << "<h2>Robustness</h2>\n<p>Accuracy on the same images corrupted at increasing "
      << "strength (clean: " << fixed(sw.clean_accuracy) << "); the change from clean in "
      << "brackets.</p>\n<table id=\"robustness\">\n<tr><th class=\"l\">corruption</th>"
      << "<th class=\"l\">strength unit</th><th class=\"l\">strength: accuracy (change)</th>"
      << "</tr>\n";
    for (size_t i = 0; i < sw.points.size(); ++i) {
      const RobustnessPoint& p = sw.points[i];
      if (i == 0 || sw.points[i - 1].kind != p.kind)
        h << (i ? "</td></tr>\n" : "") << "<tr><td class=\"l\">" << escape(p.kind)
          << "</td><td class=\"l\">" << escape(p.unit) << "</td><td class=\"l\">";
      std::ostringstream cell;
      char change[32];
      std::snprintf(change, sizeof change, "%+.3f", p.accuracy - sw.clean_accuracy);
      cell << p.strength << ": " << fixed(p.accuracy) << " (" << change << ")";
      h << "<span class=\"level\">" << escape(cell.str()) << "</span> ";
    }
    if (!sw.points.empty()) h << "</td></tr>\n";
    h << "</table>\n";
  }
  for (const HtmlFigure& f : r.figures) {
    h << "<h2>" << escape(f.title) << "</h2>\n<figure><img alt=\"" << escape(f.title)
      << "\" src=\"data:image/png;base64," << base64_encode(f.png.data(), f.png.size())
      << "\">\n<figcaption>" << escape(f.caption) << "</figcaption></figure>\n";
  }
  // A self-check for browsers and headless tests: once the page has loaded, <body> says
  // whether every figure decoded (data-figures="ok") or how many did not.
  h << "<script>\nwindow.addEventListener('load', function () {\n"
    << "  var bad = 0;\n"
    << "  document.querySelectorAll('img').forEach(function (img) {\n"
    << "    if (!img.complete || img.naturalWidth === 0) bad++;\n"
    << "  });\n"
    << "  document.body.setAttribute('data-figures', bad === 0 ? 'ok' : bad + ' broken');\n"
    << "});\n</script>\n";
  h << "</body>\n</html>\n";
  return h.str();
}

}  // namespace inkstone
