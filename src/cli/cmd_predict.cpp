// inkstone predict: read images (PNG, JPEG, PGM/PPM; any size), normalize them as MNIST was
// made (data/mnist_style.hpp) and print each one's class, confidence and top 3.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/helpers.hpp"
#include "cli/model_under_test.hpp"
#include "inkstone/data/image.hpp"
#include "inkstone/data/mnist_style.hpp"
#include "inkstone/eval/sample_grid.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone::cli {

namespace {

struct PredictOptions {
  std::string model_path;
  std::vector<std::string> images;
  int top = 3;
  bool raw = false;
  std::string show_input;
  bool json = false;
};

// The image as the model's input: MNIST-style normalized, or (--raw) taken as it is.
std::vector<uint8_t> model_input(const std::string& path, const PredictOptions& o, int h, int w) {
  const Image img = read_image(path, int64_t{4096} * 4096);
  if (o.raw) {
    const Image g = to_grey(img);
    if (g.width != w || g.height != h)
      throw Error(path + ": --raw needs a " + std::to_string(w) + "x" + std::to_string(h) +
                  " image, this one is " + std::to_string(g.width) + "x" +
                  std::to_string(g.height));
    return g.pixels;
  }
  MnistStyleOptions opt;
  opt.size = std::min(h, w);
  opt.box = std::max(1, opt.size * 20 / 28);
  if (h != w)
    throw Error("the model's input " + std::to_string(w) + "x" + std::to_string(h) +
                " is not square; use --raw with images of that size");
  try {
    return mnist_style(img, opt).pixels;
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
}

void run_predict(const PredictOptions& o) {
  ModelUnderTest m = load_model_under_test(o.model_path);
  const Shape in = m.model.input_shape();
  if (in.rank() != 3 || in[0] != 1)
    throw Error(o.model_path + ": predict needs a model of grey images (input " + in.str() + ")");
  const int h = static_cast<int>(in[1]), w = static_cast<int>(in[2]);
  const int classes = static_cast<int>(m.model.output_shape().numel());
  Dataset batch;
  batch.name = "images";
  batch.height = h;
  batch.width = w;
  batch.num_classes = classes;
  for (const std::string& path : o.images) {
    const std::vector<uint8_t> px = model_input(path, o, h, w);
    batch.images.insert(batch.images.end(), px.begin(), px.end());
    batch.labels.push_back(0);
  }
  const std::vector<std::string> names = class_names_of(m, batch);
  const Tensor probs = probabilities_of(m, batch, 256);

  nlohmann::json out = nlohmann::json::array();
  std::vector<CaptionedSample> shown;
  const int top = std::min(o.top, classes);
  for (size_t i = 0; i < o.images.size(); ++i) {
    const float* p = probs.data() + static_cast<int64_t>(i) * classes;
    std::vector<int> order(static_cast<size_t>(classes));
    for (int c = 0; c < classes; ++c) order[static_cast<size_t>(c)] = c;
    std::stable_sort(order.begin(), order.end(), [p](int a, int b) { return p[a] > p[b]; });
    nlohmann::json ranked = nlohmann::json::array();
    std::string text;
    for (int k = 0; k < top; ++k) {
      const int c = order[static_cast<size_t>(k)];
      ranked.push_back({{"class", names[static_cast<size_t>(c)]}, {"probability", p[c]}});
      char buf[96];
      std::snprintf(buf, sizeof buf, "%s%s %.1f%%", k ? ", " : "",
                    names[static_cast<size_t>(c)].c_str(), 100.0 * p[c]);
      text += buf;
    }
    const int best = order[0];
    out.push_back({{"image", o.images[i]},
                   {"class", names[static_cast<size_t>(best)]},
                   {"confidence", p[best]},
                   {"top", ranked}});
    if (!o.json)
      std::printf("%s: %s (%.1f%%)   top %d: %s\n", o.images[i].c_str(),
                  names[static_cast<size_t>(best)].c_str(), 100.0 * p[best], top, text.c_str());
    char conf[32];
    std::snprintf(conf, sizeof conf, " %.1f%%", 100.0 * p[best]);
    shown.push_back({batch.image(static_cast<int64_t>(i)),
                     std::to_string(i + 1),
                     names[static_cast<size_t>(best)] + conf,
                     {0, 114, 178}});
  }
  if (o.json) std::printf("%s\n", out.dump(2).c_str());
  if (!o.show_input.empty()) {
    write_png(o.show_input, draw_sample_grid(shown, h, w, 8, "What the model saw", 3));
    if (!o.json) std::printf("Model inputs written to %s\n", o.show_input.c_str());
  }
}

}  // namespace

void add_predict_command(CLI::App& app) {
  auto o = std::make_shared<PredictOptions>();
  CLI::App* cmd = app.add_subcommand(
      "predict",
      "Recognize handwritten characters in images (PNG, JPEG, PGM/PPM; any size, colour or "
      "grey, dark ink on paper or light on dark): each is normalized as MNIST was made (crop to "
      "the ink, fit 20x20, centre of mass in 28x28) and classified.\n"
      "Example: inkstone predict model.inks digit.jpg photo.png --show-input seen.png");
  cmd->add_option("model", o->model_path, "Model file (.inks)")->required();
  cmd->add_option("images", o->images, "Image files")->required();
  cmd->add_option("--top", o->top, "Classes listed per image")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  cmd->add_flag("--raw", o->raw,
                "Feed images as they are (they must have the model's input size and MNIST's "
                "light-on-dark polarity)");
  cmd->add_option("--show-input", o->show_input,
                  "Write a PNG of the normalized images the model saw, with its readings");
  cmd->add_flag("--json", o->json, "Print the results as JSON");
  cmd->callback([o] { run_predict(*o); });
}

}  // namespace inkstone::cli
