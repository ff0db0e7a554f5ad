#include "cli/model_under_test.hpp"

#include <algorithm>

#include "cli/helpers.hpp"
#include "inkstone/data/corrupt.hpp"
#include "inkstone/data/subset.hpp"
#include "inkstone/io/model_file.hpp"
#include "inkstone/serve/recognizer.hpp"
#include "inkstone/tensor/error.hpp"
#include "inkstone/train/fit.hpp"

namespace inkstone::cli {

ModelUnderTest load_model_under_test(const std::string& path) {
  ModelUnderTest m;
  m.path = path;
  m.model = load_model(path, &m.meta);
  if (m.meta.contains("normalization")) {
    m.normalization.mean = m.meta["normalization"].value("mean", 0.0f);
    m.normalization.std = m.meta["normalization"].value("std", 1.0f);
  }
  return m;
}

void add_eval_data_options(CLI::App* cmd, EvalDataOptions& o) {
  cmd->add_option("--dataset", o.dataset, dataset_help())->capture_default_str();
  cmd->add_option("--split", o.split, "test or train")
      ->check(CLI::IsMember({"test", "train"}))
      ->capture_default_str();
  cmd->add_option("--data", o.data_dir, "Directory holding the dataset files");
  cmd->add_option("--limit", o.limit, "Use the first N images of the split only")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--batch-size", o.batch_size, "Images per forward pass")
      ->check(CLI::Range(1, 65536))
      ->capture_default_str();
  cmd->add_flag("--no-download", o.no_download, "Never download missing datasets");
  cmd->add_option("--classes", o.classes,
                  "Use only these classes, relabelled 0..k-1 in order, e.g. \"0-4\" (as in train)");
  cmd->add_option("--domain-shift", o.domain_shift,
                  "Corrupt every image, e.g. \"thick=2,rotate=25\" (the same shifted domain as "
                  "train --domain-shift)");
}

EvalData load_eval_data(const EvalDataOptions& o) {
  const DatasetSplits splits = load_splits(o.dataset, o.data_dir, !o.no_download);
  Dataset d = o.split == "train" ? splits.train : splits.test;
  std::string note = splits.note;
  if (!o.domain_shift.empty()) {  // before any selection: image i is shifted as in training
    d = shift_domain(d, o.domain_shift);
    note += ", shifted: " + o.domain_shift;
  }
  if (!o.classes.empty()) d = select_classes(d, parse_class_list(o.classes, d.num_classes));
  if (o.limit > 0 && o.limit < d.size()) d = take_first(d, o.limit);
  return {std::move(d), note};
}

Tensor probabilities_of(ModelUnderTest& m, const Dataset& data, int batch_size) {
  const int64_t classes = m.model.output_shape().numel();
  if (classes != data.num_classes)
    throw Error(m.path + ": the model predicts " + std::to_string(classes) + " classes but " +
                data.name + " has " + std::to_string(data.num_classes));
  return predict(m.model, data, batch_size, m.normalization);
}

std::vector<std::string> class_names_of(const ModelUnderTest& m, const Dataset& data) {
  if (static_cast<int>(data.class_names.size()) == data.num_classes) return data.class_names;
  std::vector<std::string> names = model_class_names(m);
  names.resize(static_cast<size_t>(std::max(0, data.num_classes)));
  for (int c = 0; c < data.num_classes; ++c)
    if (names[static_cast<size_t>(c)].empty()) names[static_cast<size_t>(c)] = std::to_string(c);
  return names;
}

std::vector<std::string> model_class_names(const ModelUnderTest& m) {
  return class_names_from_metadata(m.meta, static_cast<int>(m.model.output_shape().numel()));
}

Reading read_file(const std::string& path, bool boxes, const ReaderModel& model,
                  const ReaderOptions& options) {
  try {
    const Image img = read_image(path, options.max_pixels);
    if (!model.lines.empty()) {
      if (boxes) throw Error("a line model reads digit strings; --boxes needs a digit classifier");
      LineReaderOptions lo = model.lines[0]->options();
      lo.top = options.top;
      lo.max_pixels = options.max_pixels;
      return read_digit_line(img, model.score_line, lo);
    }
    return boxes ? read_boxes(img, model.classify, options)
                 : read_digit_string(img, model.classify, options);
  } catch (const Error& e) {
    const std::string what = e.what();
    if (what.rfind(path, 0) == 0) throw;
    throw Error(path + ": " + what);
  }
}

void add_reader_tuning_options(CLI::App& cmd, ReaderOptions& t) {
  cmd.add_option("--split-bonus", t.split_bonus,
                 "Touching digits: added to each piece's log-confidence when choosing cuts "
                 "(higher splits more readily)")
      ->check(CLI::Range(-10.0, 10.0))
      ->capture_default_str();
  cmd.add_option("--keep-whole", t.keep_whole_confidence,
                 "Touching digits: a blob read as one digit with this confidence is not cut")
      ->check(CLI::Range(0.0, 1.01))
      ->capture_default_str();
  cmd.add_option("--max-digit-width", t.max_digit_width,
                 "Touching digits: blobs wider than this many line heights are always cut")
      ->check(CLI::Range(0.3, 10.0))
      ->capture_default_str();
  cmd.add_option("--digit-width", t.digit_width,
                 "Touching digits: mean width of a digit, in line heights, in the prior on how "
                 "many digits a blob holds")
      ->check(CLI::Range(0.1, 2.0))
      ->capture_default_str();
  cmd.add_option("--width-sd", t.width_sd,
                 "Touching digits: spread of digit widths, in line heights, in the prior on how "
                 "many digits a blob holds")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd.add_option("--min-split-width", t.min_split_width,
                 "Touching digits: blobs narrower than this many line heights are never cut")
      ->check(CLI::Range(0.0, 10.0))
      ->capture_default_str();
  cmd.add_option("--min-piece-width", t.min_piece_width,
                 "Touching digits: no piece cut from a blob is narrower than this many line "
                 "heights")
      ->check(CLI::Range(0.01, 1.0))
      ->capture_default_str();
  cmd.add_option("--bent-cuts", t.bent_cuts,
                 "Touching digits: bent cuts (paths that pass around leaning strokes) tried per "
                 "blob besides the straight ones (0: straight cuts only)")
      ->check(CLI::Range(0, 32))
      ->capture_default_str();
  cmd.add_option("--digits", t.expected_digits,
                 "Digit strings: how many digits each string holds when that is known (a "
                 "postcode); the cuts are chosen so that the count comes out right (0: unknown)")
      ->check(CLI::Range(0, 64))
      ->capture_default_str();
  cmd.add_option("--hysteresis", t.normalize.low_fraction,
                 "Ink: pixels down to this fraction of Otsu's threshold count when they touch "
                 "stronger ink (1: one threshold)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
}

void add_ensemble_option(CLI::App& cmd, std::vector<std::string>& more_models) {
  cmd.add_option("--ensemble", more_models,
                 "Another model (.inks, same classes) whose probabilities are averaged with the "
                 "first's; repeat for more")
      ->allow_extra_args(false)
      ->check(CLI::ExistingFile);
}

ReaderModel load_reader_model(const std::string& path, const std::vector<std::string>& more_models,
                              const ReaderOptions& tuning) {
  ReaderModel m;
  if (auto line = LineRecognizer::load_if_line(path)) {
    m.lines.push_back(std::move(line));
    for (const std::string& p : more_models) {
      auto more = LineRecognizer::load_if_line(p);
      if (!more)
        throw Error(p + ": --ensemble with a line model takes line models; this is a classifier");
      m.lines.push_back(std::move(more));
    }
    std::vector<LineRecognizer*> lines;
    for (const auto& l : m.lines) lines.push_back(l.get());
    m.score_line = averaged_line_scorer(lines);
    m.options = tuning;
    m.options.classes = m.lines[0]->options().classes;
    m.options.class_names = m.lines[0]->options().class_names;
    return m;
  }
  m.members.push_back(Recognizer::load(path));
  for (const std::string& p : more_models) m.members.push_back(Recognizer::load(p));
  std::vector<Recognizer*> members;
  for (const auto& r : m.members) members.push_back(r.get());
  m.classify = averaged_classifier(members);
  m.options = m.members[0]->reader_options(tuning);
  return m;
}

}  // namespace inkstone::cli
