#pragma once
// Small pieces shared by the commands: building a model from a preset or a spec file, loading
// a dataset with the command's data options, formatting for people.
#include <cstdint>
#include <string>

#include "inkstone/data/dataset.hpp"
#include "inkstone/nn/sequential.hpp"

namespace inkstone::cli {

// A model from a preset name ("seed-cnn") or a JSON spec file ("net.json"), built for the
// dataset's image shape and class count.
Sequential model_from_argument(const std::string& arg, const Shape& input_shape, int num_classes,
                               uint64_t seed);
// The dataset's splits, resolved as DESIGN.md says (--data, INKSTONE_DATA, cache, system,
// download); prints a note to stderr when what was loaded is not the full dataset.
DatasetSplits load_splits(const std::string& name, const std::string& data_dir,
                          bool allow_download);
// "Dataset: mnist, fashion-mnist, kmnist, mnist-10k" (the help text of --dataset).
std::string dataset_help();
// 93322 -> "93,322"
std::string with_commas(int64_t n);
// True when stdout is a terminal (progress bars) and CI is not set.
bool stdout_is_tty();
std::string isa_and_threads();

}  // namespace inkstone::cli
