#include "inkstone/train/run_log.hpp"

#include <cmath>
#include <fstream>
#include <utility>

#include "data/file_util.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone {

nlohmann::json epoch_record(const EpochStats& s) {
  nlohmann::json e{{"epoch", s.epoch},
                   {"epochs", s.epochs},
                   {"loss", s.loss},
                   {"accuracy", s.accuracy},
                   {"lr", s.lr},
                   {"seconds", s.seconds},
                   {"images_per_second", s.images_per_second}};
  if (s.has_validation) {
    e["val_loss"] = s.val_loss;
    e["val_accuracy"] = s.val_accuracy;
    nlohmann::json recall = nlohmann::json::array();
    for (double r : s.val_recall)
      recall.push_back(std::isnan(r) ? nlohmann::json() : nlohmann::json(r));
    e["val_recall"] = recall;
  }
  return e;
}

RunLog::RunLog(std::string path, nlohmann::json config, std::vector<nlohmann::json> epochs)
    : path_(std::move(path)), config_(std::move(config)), epochs_(std::move(epochs)) {}

void RunLog::add(const nlohmann::json& epoch) {
  epochs_.push_back(epoch);
  std::string text = nlohmann::json{{"config", config_}}.dump() + "\n";
  for (const nlohmann::json& e : epochs_) text += e.dump() + "\n";
  detail::write_file_atomic(path_, text.data(), text.size());
}

RunLogContents read_run_log(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(path + ": cannot open the training log");
  RunLogContents out;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception&) {
      throw Error(path + ":" + std::to_string(number) + ": not a JSON line");
    }
    if (!j.is_object()) throw Error(path + ":" + std::to_string(number) + ": not a JSON object");
    if (j.contains("config")) {
      out.config = j.at("config");
    } else if (j.contains("epoch") && j.at("epoch").is_number_integer()) {
      out.epochs.push_back(j);
    } else {
      throw Error(path + ":" + std::to_string(number) + ": neither a config nor an epoch line");
    }
  }
  if (out.epochs.empty()) throw Error(path + ": the log holds no epochs");
  return out;
}

}  // namespace inkstone
