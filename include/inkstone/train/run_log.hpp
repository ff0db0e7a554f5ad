#pragma once
// Training logs as JSON Lines: the first line is {"config": {...}} (everything needed to rerun
// the training), then one line per epoch: {"epoch", "epochs", "loss", "accuracy", "lr",
// "seconds", "images_per_second", and with validation "val_loss", "val_accuracy",
// "val_recall": [per class]}. The file is rewritten whole (temp file + rename) after every
// epoch, so it is never half-written, and a resumed run continues the same file.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "inkstone/train/fit.hpp"

namespace inkstone {

// The log line of one epoch.
nlohmann::json epoch_record(const EpochStats& s);

class RunLog {
 public:
  // Nothing is written until the first add(); `epochs` are earlier records (a resumed run).
  RunLog(std::string path, nlohmann::json config, std::vector<nlohmann::json> epochs = {});
  void add(const nlohmann::json& epoch);
  const std::vector<nlohmann::json>& epochs() const { return epochs_; }

 private:
  std::string path_;
  nlohmann::json config_;
  std::vector<nlohmann::json> epochs_;
};

struct RunLogContents {
  nlohmann::json config;
  std::vector<nlohmann::json> epochs;
};
// Reads a log written by RunLog. Throws Error naming the file and line on malformed input.
RunLogContents read_run_log(const std::string& path);

}  // namespace inkstone
