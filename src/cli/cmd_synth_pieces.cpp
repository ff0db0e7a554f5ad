// inkstone synth pieces: the candidate pieces the string reader classifies, cut from synthetic
// digit strings and labelled "0".."9" or "none" (vision/piece_dataset.hpp), as an idx: dataset.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/helpers.hpp"
#include "data/file_util.hpp"
#include "inkstone/data/idx.hpp"
#include "inkstone/tensor/error.hpp"
#include "inkstone/vision/piece_dataset.hpp"

namespace inkstone::cli {

namespace {

struct PiecesOptions {
  PieceDatasetOptions pieces;
  int test_strings = 0;  // 0: a sixth of --strings
  std::string out_dir;
  std::string dataset = "mnist";
  std::string data_dir;
  uint64_t seed = 1;
  bool no_download = false;
};

// DIR/<prefix>-images-idx3-ubyte and -labels-idx1-ubyte, each written atomically.
void write_split(const std::string& dir, const std::string& prefix, const Dataset& d) {
  write_idx_images(detail::join_path(dir, prefix + "-images-idx3-ubyte"), d.images.data(), d.size(),
                   d.height, d.width);
  const std::vector<uint8_t> labels(d.labels.begin(), d.labels.end());
  write_idx_labels(detail::join_path(dir, prefix + "-labels-idx1-ubyte"), labels);
}

int64_t count_of(const Dataset& d, int cls) {
  int64_t n = 0;
  for (int32_t l : d.labels) n += l == cls;
  return n;
}

void run_pieces(const PiecesOptions& o) {
  detail::make_dirs(o.out_dir);
  const DatasetSplits data = load_splits(o.dataset, o.data_dir, !o.no_download);
  // One generator per split, so the test split does not depend on the train split's options.
  Rng train_rng(o.seed), test_rng(o.seed + 0x9E3779B97F4A7C15ull);
  const Dataset train = make_piece_dataset(data.train, o.pieces, train_rng);
  PieceDatasetOptions test_options = o.pieces;
  test_options.strings = o.test_strings > 0 ? o.test_strings : std::max(1, o.pieces.strings / 6);
  const Dataset test = make_piece_dataset(data.test, test_options, test_rng);
  for (const Dataset* d : {&train, &test})
    if (d->size() == count_of(*d, kPieceNone))
      throw Error("synth pieces: no digit pieces were found in the " +
                  std::string(d == &train ? "train" : "test") +
                  " strings (are the digits 28x28 images of ink?)");
  write_split(o.out_dir, "train", train);
  write_split(o.out_dir, "t10k", test);
  std::string classes;
  for (const std::string& name : train.class_names) classes += name + "\n";
  detail::write_file_atomic(detail::join_path(o.out_dir, "classes.txt"), classes.data(),
                            classes.size());
  // The digits actually drawn from (MNIST may have been replaced by mnist-10k).
  if (!data.note.empty()) std::printf("Dataset: %s\n", data.note.c_str());
  std::printf(
      "Wrote idx:%s — train: %s pieces (%s none) from %d strings of %s training digits; test: %s "
      "pieces (%s none) from %d strings of its test digits\n",
      o.out_dir.c_str(), with_commas(train.size()).c_str(),
      with_commas(count_of(train, kPieceNone)).c_str(), o.pieces.strings, o.dataset.c_str(),
      with_commas(test.size()).c_str(), with_commas(count_of(test, kPieceNone)).c_str(),
      test_options.strings);
}

}  // namespace

void add_synth_pieces_command(CLI::App& synth) {
  auto o = std::make_shared<PiecesOptions>();
  CLI::App* cmd = synth.add_subcommand(
      "pieces",
      "Training data for a reader's classifier with a reject class: the pieces `inkstone read` "
      "classifies, cut from synthetic digit strings (training digits for the train split, test "
      "digits for the test split) and labelled 0-9 or \"none\" (two digits, or part of one), "
      "written as an idx: dataset.\nExample: inkstone synth pieces --strings 12000 --out pieces/ "
      "&& inkstone train --dataset idx:pieces --recipe fast --save reader.inks");
  cmd->add_option("--strings", o->pieces.strings, "Strings cut for the train split")
      ->check(CLI::Range(1, 10000000))
      ->capture_default_str();
  cmd->add_option("--test-strings", o->test_strings,
                  "Strings cut for the test split (default: a sixth of --strings)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--length", o->pieces.length, "Digits per string")
      ->check(CLI::Range(2, 64))
      ->capture_default_str();
  cmd->add_option("--touching", o->pieces.touching,
                  "Fraction of strings with touching digits (the rest have gaps)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--reject-ratio", o->pieces.reject_ratio,
                  "At most this many \"none\" pieces per digit piece")
      ->check(CLI::Range(0.0, 100.0))
      ->capture_default_str();
  cmd->add_option("--bent-cuts", o->pieces.reader.bent_cuts,
                  "Bent cuts tried per blob besides the straight ones, as `inkstone read "
                  "--bent-cuts` (a reader that uses them needs a classifier trained on their "
                  "pieces)")
      ->check(CLI::Range(0, 32))
      ->capture_default_str();
  cmd->add_option("--out", o->out_dir, "Output directory")->required();
  cmd->add_option("--seed", o->seed, "Seed")->capture_default_str();
  cmd->add_option("--dataset", o->dataset, "Digits to draw from")->capture_default_str();
  cmd->add_option("--data", o->data_dir, "Directory holding the dataset files");
  cmd->add_flag("--no-download", o->no_download, "Never download missing datasets");
  cmd->callback([o] { run_pieces(*o); });
}

}  // namespace inkstone::cli
