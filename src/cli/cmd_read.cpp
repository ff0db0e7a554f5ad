// inkstone read: read handwritten digit strings (postcodes, amounts, student numbers) or forms
// of printed boxes in images (vision/reading.hpp), with per-digit confidence and boxes.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/model_under_test.hpp"
#include "inkstone/data/image.hpp"
#include "inkstone/eval/box_overlay.hpp"
#include "inkstone/serve/recognizer.hpp"
#include "inkstone/tensor/error.hpp"
#include "inkstone/vision/reading_json.hpp"

namespace inkstone::cli {

namespace {

struct ReadOptions {
  std::string model_path;
  std::vector<std::string> images;
  bool boxes = false;
  bool json = false;
  std::string annotate;
  int top = 3;
  ReaderOptions tuning;               // the reader's tunable options, from the command line
  std::vector<std::string> ensemble;  // more models, probabilities averaged
};

// --annotate OUT.png for the i-th of n images: OUT.png itself for one image, OUT-<i>.png else.
std::string annotation_path(const std::string& out, size_t i, size_t n) {
  if (n == 1) return out;
  const size_t dot = out.rfind('.');
  const size_t slash = out.rfind('/');
  const bool has_ext = dot != std::string::npos && (slash == std::string::npos || dot > slash);
  const std::string stem = has_ext ? out.substr(0, dot) : out;
  return stem + "-" + std::to_string(i + 1) + (has_ext ? out.substr(dot) : ".png");
}

void run_read(const ReadOptions& o) {
  const ReaderModel rm = load_reader_model(o.model_path, o.ensemble, o.tuning);
  ReaderOptions ro = rm.options;
  ro.top = o.top;
  nlohmann::json all = nlohmann::json::array();
  for (size_t i = 0; i < o.images.size(); ++i) {
    const std::string& path = o.images[i];
    const Reading r = read_file(path, o.boxes, rm, ro);
    if (o.json) {
      nlohmann::json j = reading_to_json(r, ro.class_names);
      j["file"] = path;
      all.push_back(j);
    } else {
      std::string shown = r.text;
      for (char& c : shown)
        if (c == '\n') c = '/';
      std::printf("%s: %s   (%zu %s, lowest confidence %.1f%%)\n", path.c_str(), shown.c_str(),
                  r.digits.size(), o.boxes ? "boxes" : "digits", 100.0 * r.min_confidence());
      for (const DigitReading& d : r.digits) {
        std::printf("  %-3s", d.empty() ? "_" : d.label.c_str());
        if (d.empty())
          std::printf("   empty  ");
        else
          std::printf(" %5.1f%%  ", 100.0 * d.confidence);
        std::printf(" box %d,%d %dx%d", d.box.x, d.box.y, d.box.width, d.box.height);
        if (!d.empty()) {
          std::printf("   top:");
          for (const auto& [c, p] : d.top)
            std::printf(" %s %.1f%%",
                        c < static_cast<int>(ro.class_names.size())
                            ? ro.class_names[static_cast<size_t>(c)].c_str()
                            : "?",
                        100.0 * p);
        }
        std::printf("\n");
      }
    }
    if (!o.annotate.empty()) {
      std::vector<LabelledBox> boxes;
      for (const DigitReading& d : r.digits) {
        char label[64];
        if (d.empty())
          std::snprintf(label, sizeof label, "_");
        else
          std::snprintf(label, sizeof label, "%s %.0f%%", d.label.c_str(), 100.0 * d.confidence);
        LabelledBox b{d.box, label};
        if (!d.empty() && d.confidence < 0.5f) b.colour = {204, 0, 0};
        if (d.empty()) b.colour = {120, 120, 120};
        boxes.push_back(b);
      }
      const std::string out = annotation_path(o.annotate, i, o.images.size());
      write_png(out, draw_labelled_boxes(read_image(path, ro.max_pixels), boxes, 2));
      if (!o.json) std::printf("  annotated image: %s\n", out.c_str());
    }
  }
  if (o.json) std::printf("%s\n", (o.images.size() == 1 ? all[0] : all).dump(2).c_str());
}

}  // namespace

void add_read_command(CLI::App& app) {
  auto o = std::make_shared<ReadOptions>();
  CLI::App* cmd = app.add_subcommand(
      "read",
      "Read a handwritten digit string (a postcode, an amount, a student number) in each image, "
      "or with --boxes one digit per printed box of a form. Prints the string, each digit's "
      "confidence and box.\nExamples:\n  inkstone read model.inks postcode.jpg --annotate "
      "seen.png\n  inkstone read --boxes model.inks answer-sheet.png --json");
  cmd->footer(
      "How a string is read: the ink is separated from the paper (polarity, background, Otsu), "
      "ruled lines are removed, connected components are found; pieces of one digit (a 5's bar) "
      "are merged; a blob wide enough to hold touching digits is cut where the classifier is "
      "most confident (straight cuts at minima of the column ink profile, and bent cuts that pass "
      "around leaning strokes; --digits N when the number of digits is known). Each digit is "
      "normalized as MNIST was made and classified.\n"
      "With --boxes: the boxes' horizontal and vertical lines are found, each cell is read "
      "without its lines, and a cell without ink is reported empty ('_').\n"
      "With a line model (`inkstone train-line`) a string is read whole instead: the ink is "
      "scaled to a strip 32 pixels high, the model scores every 4-pixel column band and the "
      "bands are decoded as CTC decodes them (no cuts; the cut options do not apply).\n"
      "--json prints {text, min_confidence, rows, digits: [{label, class, confidence, empty, "
      "box {x, y, width, height}, top [{label, probability}]}], file} (an array for several "
      "images).");
  cmd->add_option("model", o->model_path,
                  "Model file (.inks): a classifier of 28x28 digits, or a line model")
      ->required();
  cmd->add_option("images", o->images, "Image files (PNG, JPEG, PGM/PPM)")->required();
  cmd->add_flag("--boxes", o->boxes, "Read a form of printed boxes, one digit per box");
  cmd->add_flag("--json", o->json, "Print the readings as JSON");
  cmd->add_option("--annotate", o->annotate,
                  "Write a PNG of the image with each digit's box and reading (several images: "
                  "OUT-1.png, OUT-2.png, ...)");
  cmd->add_option("--top", o->top, "Classes listed per digit")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  add_reader_tuning_options(*cmd, o->tuning);
  add_ensemble_option(*cmd, o->ensemble);
  cmd->callback([o] { run_read(*o); });
}

}  // namespace inkstone::cli
