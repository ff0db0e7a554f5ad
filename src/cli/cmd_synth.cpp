// inkstone synth strings: digit-string images composed from MNIST test digits, with ground
// truth, for measuring `inkstone read` (data/digit_strings.hpp).
#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.hpp"
#include "cli/helpers.hpp"
#include "data/file_util.hpp"
#include "inkstone/data/digit_strings.hpp"
#include "inkstone/data/image.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone::cli {

namespace {

struct SynthOptions {
  int count = 100;
  DigitStringOptions strings;
  std::string out_dir;
  std::string dataset = "mnist";
  std::string data_dir;
  uint64_t seed = 1;
  bool no_download = false;
  std::string split = "test";
};

void run_synth(const SynthOptions& o) {
  detail::make_dirs(o.out_dir);
  const DatasetSplits data = load_splits(o.dataset, o.data_dir, !o.no_download);
  Rng rng(o.seed);
  std::string truth = "file\ttext\tboxes (x,y,width,height per digit)\n";
  for (int i = 0; i < o.count; ++i) {
    const DigitString s =
        synth_digit_string(o.split == "train" ? data.train : data.test, o.strings, rng);
    char name[32];
    std::snprintf(name, sizeof name, "string-%05d.png", i);
    write_png(detail::join_path(o.out_dir, name), s.image);
    truth += std::string(name) + "\t" + s.text + "\t";
    for (size_t k = 0; k < s.boxes.size(); ++k) {
      const PixelBox& b = s.boxes[k];
      truth += (k ? " " : "") + std::to_string(b.x) + "," + std::to_string(b.y) + "," +
               std::to_string(b.width) + "," + std::to_string(b.height);
    }
    truth += "\n";
  }
  const std::string truth_path = detail::join_path(o.out_dir, "truth.tsv");
  detail::write_file_atomic(truth_path, truth.data(), truth.size());
  // The digits actually drawn from (MNIST may have been replaced by mnist-10k).
  if (!data.note.empty()) std::printf("Dataset: %s\n", data.note.c_str());
  std::printf("Wrote %d %s strings of %d digits from %s %s digits to %s (ground truth: %s)\n",
              o.count, o.strings.layout.c_str(), o.strings.length, o.dataset.c_str(),
              o.split.c_str(), o.out_dir.c_str(), truth_path.c_str());
}

}  // namespace

void add_synth_command(CLI::App& app) {
  CLI::App* synth = app.add_subcommand("synth", "Make synthetic evaluation images.");
  synth->require_subcommand(1);
  auto o = std::make_shared<SynthOptions>();
  CLI::App* cmd = synth->add_subcommand(
      "strings",
      "Handwritten digit strings composed from MNIST *test* digits (never seen in training; "
      "--split train for tuning), "
      "with random scale, baseline and spacing, as PNGs plus truth.tsv (file, text, digit "
      "boxes).\nExample: inkstone synth strings --count 200 --length 5 --layout touching "
      "--out strings/");
  cmd->add_option("--count", o->count, "Images to write")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  cmd->add_option("--length", o->strings.length, "Digits per string")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  cmd->add_option("--layout", o->strings.layout,
                  "gaps (clear gaps), touching (neighbours touch or overlap up to 4 px) or boxes "
                  "(one digit per printed box)")
      ->check(CLI::IsMember({"gaps", "touching", "boxes"}))
      ->capture_default_str();
  cmd->add_option("--digit-height", o->strings.digit_height, "Pixels per digit cell")
      ->check(CLI::Range(14, 512))
      ->capture_default_str();
  cmd->add_option("--noise", o->strings.noise, "Paper noise std (fraction of 255)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_flag("--ruled", o->strings.ruled_lines, "Draw faint ruled lines, like lined paper");
  cmd->add_option("--empty", o->strings.empty,
                  "Layout boxes: probability that a box is left empty (written '_' in truth.tsv)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--split", o->split,
                  "Draw digits from the test split (for measuring) or the train split (for "
                  "tuning a reader without touching the test digits)")
      ->check(CLI::IsMember({"test", "train"}))
      ->capture_default_str();
  cmd->add_option("--out", o->out_dir, "Output directory")->required();
  cmd->add_option("--seed", o->seed, "Seed")->capture_default_str();
  cmd->add_option("--dataset", o->dataset, "Digits to draw from (their test split)")
      ->capture_default_str();
  cmd->add_option("--data", o->data_dir, "Directory holding the dataset files");
  cmd->add_flag("--no-download", o->no_download, "Never download missing datasets");
  cmd->callback([o] { run_synth(*o); });
  add_synth_pieces_command(*synth);
}

}  // namespace inkstone::cli
