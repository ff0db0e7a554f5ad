#include "cli/model_under_test.hpp"

#include "cli/helpers.hpp"
#include "inkstone/data/subset.hpp"
#include "inkstone/io/model_file.hpp"
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
}

EvalData load_eval_data(const EvalDataOptions& o) {
  const DatasetSplits splits = load_splits(o.dataset, o.data_dir, !o.no_download);
  const Dataset& d = o.split == "train" ? splits.train : splits.test;
  return {o.limit > 0 && o.limit < d.size() ? take_first(d, o.limit) : d, splits.note};
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
  if (m.meta.contains("class_names") && m.meta["class_names"].is_array() &&
      static_cast<int>(m.meta["class_names"].size()) == data.num_classes)
    return m.meta["class_names"].get<std::vector<std::string>>();
  std::vector<std::string> names;
  for (int c = 0; c < data.num_classes; ++c) names.push_back(std::to_string(c));
  return names;
}

}  // namespace inkstone::cli
