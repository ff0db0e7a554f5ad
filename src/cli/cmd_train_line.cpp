// inkstone train-line: train a line recognizer (nn::line_cnn_spec) with CTC on synthetic digit
// strings made from MNIST training digits, for `inkstone read` to read touching digits without
// cutting them apart.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.hpp"
#include "cli/helpers.hpp"
#include "inkstone/io/model_file.hpp"
#include "inkstone/nn/spec.hpp"
#include "inkstone/serve/line_recognizer.hpp"
#include "inkstone/tensor/error.hpp"
#include "inkstone/train/line_fit.hpp"

namespace inkstone::cli {

namespace {

struct TrainLineOptions {
  std::string out;
  int64_t strings = 100000;  // the run of docs/reading.md: 6 epochs, 28 min on 2 cores
  int64_t val_strings = 2000;
  LineFitOptions fit{6};
  LineDatasetOptions data;
  std::string dataset = "mnist";
  std::string data_dir;
  bool no_download = false;
};

void run_train_line(TrainLineOptions o) {
  const auto start = std::chrono::steady_clock::now();
  const DatasetSplits splits = load_splits(o.dataset, o.data_dir, !o.no_download);
  if (!splits.note.empty()) std::printf("Dataset: %s\n", splits.note.c_str());
  if (splits.train.num_classes != 10)
    throw Error("train-line: the digits must be a 10-class dataset of digits, " + o.dataset +
                " has " + std::to_string(splits.train.num_classes) + " classes");
  // Validation strings are made of digits the training strings never use (the last sixth of
  // the training split), so that their accuracy says how the model reads unseen handwriting.
  const auto [train_digits, val_digits] = split_tail(splits.train, 1.0 / 6.0);
  const bool live = stdout_is_tty();
  const auto progress = [&](const char* what) {
    return [live, what](int64_t done, int64_t total) {
      if (live) {
        std::printf("\r  making %s strings: %lld / %lld", what, static_cast<long long>(done),
                    static_cast<long long>(total));
        std::fflush(stdout);
      }
    };
  };
  Rng train_rng(o.fit.seed), val_rng(o.fit.seed ^ 0x9E3779B97F4A7C15ull);
  LineDatasetOptions train_options = o.data;
  train_options.count = o.strings;
  const LineDataset train =
      make_line_dataset(train_digits, train_options, train_rng, progress("training"));
  LineDatasetOptions val_options = o.data;
  val_options.count = o.val_strings;
  const LineDataset val =
      make_line_dataset(val_digits, val_options, val_rng, progress("validation"));
  if (live) std::printf("\n");
  const double made_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "Made %lld training and %lld validation strings of %d-%d digits (%s) from %s in "
      "%.0f s: %dx%d strips\n",
      static_cast<long long>(train.size()), static_cast<long long>(val.size()), o.data.min_length,
      o.data.max_length,
      [&] {
        std::string l;
        for (const std::string& s : o.data.layouts) l += (l.empty() ? "" : ", ") + s;
        return l;
      }()
          .c_str(),
      splits.train.name.c_str(), made_s, train.height, train.width);

  const int classes = 11;  // the digits and the blank
  Sequential model = model_from_spec(line_cnn_spec(train.height, train.width, classes), o.fit.seed);
  LineReaderOptions reader;
  reader.input = o.data.input;
  reader.classes = classes;
  reader.blank = classes - 1;
  reader.frames = static_cast<int>(model.output_shape()[2]);
  for (int d = 0; d < 10; ++d) reader.class_names.push_back(std::to_string(d));
  reader.class_names.push_back("blank");
  o.fit.blank = reader.blank;
  std::printf(
      "Model line-cnn: %s parameters, %d frames per strip; %d epochs, batch %d, Adam lr "
      "%g (cosine to 0), CTC loss, %s\n",
      with_commas(model.count_params()).c_str(), reader.frames, o.fit.epochs, o.fit.batch_size,
      static_cast<double>(o.fit.learning_rate), isa_and_threads().c_str());
  std::fflush(stdout);
  nlohmann::json meta = line_model_metadata(reader);
  meta["dataset"] = splits.train.name;
  meta["strings"] = o.strings;
  meta["lengths"] = {o.data.min_length, o.data.max_length};
  meta["layouts"] = o.data.layouts;
  double best = -1;
  const auto on_epoch = [&](const LineEpoch& e) {
    if (live) std::printf("\r%60s\r", "");
    if (!std::isfinite(e.train_loss))
      throw Error("train-line: the loss is not finite at epoch " + std::to_string(e.epoch) +
                  " (try a lower --lr)");
    const bool better = e.val_string_accuracy > best;
    if (better) {
      best = e.val_string_accuracy;
      meta["epochs"] = e.epoch;
      meta["val_string_accuracy"] = e.val_string_accuracy;
      save_model(model, o.out, meta);
    }
    std::printf(
        "Epoch %d/%d  loss %.4f  val loss %.4f  val strings %.2f%%  val digits %.2f%%  "
        "%.0f s%s\n",
        e.epoch, o.fit.epochs, e.train_loss, e.val_loss, 100 * e.val_string_accuracy,
        100 * e.val_digit_accuracy, e.seconds, better ? "  (saved)" : "");
    std::fflush(stdout);
  };
  const auto on_batch = [&](int64_t done, int64_t total, double loss) {
    if (live && (done % 20 == 0 || done == total)) {
      std::printf("\r  batch %lld/%lld  loss %.4f", static_cast<long long>(done),
                  static_cast<long long>(total), loss);
      std::fflush(stdout);
    }
  };
  fit_line_model(model, train, val, o.fit, on_epoch, on_batch);
  const double total_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "Saved the epoch best on validation (%.2f%% of strings read right) to %s; %.0f s "
      "in all\nRead with: inkstone read %s IMAGE\n",
      100 * best, o.out.c_str(), total_s, o.out.c_str());
}

}  // namespace

void add_train_line_command(CLI::App& app) {
  auto o = std::make_shared<TrainLineOptions>();
  CLI::App* cmd = app.add_subcommand(
      "train-line",
      "Train a line recognizer: a convolutional model that reads a whole digit string column by "
      "column and is trained with CTC (connectionist temporal classification) on synthetic "
      "strings of MNIST training digits, so that `inkstone read` reads touching digits without "
      "cutting them apart.\nExample: inkstone train-line --out line.inks && inkstone read "
      "line.inks postcode.png");
  cmd->footer(
      "Each string is normalized to a strip 32 pixels high (the ink's box scaled to fit, "
      "centred); the model gives class scores (10 digits and a blank) for every 4-pixel column "
      "band, and reading takes the best class of each band, merges repeats and drops blanks. "
      "Validation strings are made of the last sixth of the training digits, which the training "
      "strings never use; the epoch with the best validation string accuracy is saved.");
  cmd->add_option("--out", o->out, "Model file to write (.inks)")->required();
  cmd->add_option("--strings", o->strings, "Training strings")
      ->check(CLI::Range(int64_t{100}, int64_t{2000000}))
      ->capture_default_str();
  cmd->add_option("--val-strings", o->val_strings, "Validation strings")
      ->check(CLI::Range(int64_t{10}, int64_t{1000000}))
      ->capture_default_str();
  cmd->add_option("--epochs", o->fit.epochs, "Epochs")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  cmd->add_option("--batch-size", o->fit.batch_size, "Strings per batch")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  cmd->add_option("--lr", o->fit.learning_rate, "Adam's starting learning rate")
      ->check(CLI::Range(1e-6, 1.0))
      ->capture_default_str();
  cmd->add_option("--min-length", o->data.min_length, "Fewest digits per string")
      ->check(CLI::Range(1, 32))
      ->capture_default_str();
  cmd->add_option("--max-length", o->data.max_length, "Most digits per string")
      ->check(CLI::Range(1, 32))
      ->capture_default_str();
  cmd->add_option("--layouts", o->data.layouts, "Layouts drawn in turn: gaps, touching")
      ->check(CLI::IsMember({"gaps", "touching"}))
      ->capture_default_str();
  cmd->add_option("--width", o->data.input.width,
                  "Strip width in pixels (a multiple of 4; the strip is 32 high)")
      ->check(CLI::Range(32, 1024))
      ->capture_default_str();
  cmd->add_option("--seed", o->fit.seed, "Seed of the strings, the weights and the batch order")
      ->capture_default_str();
  cmd->add_option("--dataset", o->dataset, "Digits to draw from (their training split)")
      ->capture_default_str();
  cmd->add_option("--data", o->data_dir, "Directory holding the dataset files");
  cmd->add_flag("--no-download", o->no_download, "Never download missing datasets");
  cmd->callback([o] {
    if (o->data.min_length > o->data.max_length)
      throw Error("train-line: --min-length is above --max-length");
    line_cnn_spec(o->data.input.height, o->data.input.width, 11);  // checks the strip size
    run_train_line(*o);
  });
}

}  // namespace inkstone::cli
