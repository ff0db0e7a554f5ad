// Training logs: records carry every field, the file is rewritten whole, and malformed logs
// are rejected with the line that is wrong.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "inkstone/tensor/error.hpp"
#include "inkstone/train/run_log.hpp"

namespace inkstone {
namespace {

std::string temp_path(const std::string& name) {
  return std::string(INKSTONE_TEST_TMP) + "/runlog-" + std::to_string(::getpid()) + "-" + name;
}

TEST(RunLog, WritesConfigAndEpochsAndReadsThemBack) {
  const std::string path = temp_path("a.jsonl");
  EpochStats s;
  s.epoch = 1;
  s.epochs = 2;
  s.loss = 0.5;
  s.accuracy = 0.8;
  s.has_validation = true;
  s.val_loss = 0.4;
  s.val_accuracy = 0.85;
  s.val_recall = {0.9, NAN};
  const nlohmann::json r = epoch_record(s);
  EXPECT_EQ(r.at("val_recall")[1], nullptr);  // a class without samples
  RunLog log(path, {{"model", "mlp"}}, {});
  log.add(r);
  s.epoch = 2;
  log.add(epoch_record(s));
  const RunLogContents back = read_run_log(path);
  EXPECT_EQ(back.config.at("model"), "mlp");
  ASSERT_EQ(back.epochs.size(), 2u);
  EXPECT_EQ(back.epochs[1].at("epoch"), 2);
  EXPECT_DOUBLE_EQ(back.epochs[0].at("val_accuracy").get<double>(), 0.85);
  // A resumed log starts from earlier records and rewrites the file with all of them.
  RunLog resumed(path, {{"model", "mlp"}}, {back.epochs[0]});
  resumed.add(back.epochs[1]);
  EXPECT_EQ(read_run_log(path).epochs.size(), 2u);
  std::filesystem::remove(path);
}

TEST(RunLog, RejectsMalformedLogs) {
  const std::string path = temp_path("bad.jsonl");
  { std::ofstream(path) << "{\"config\": {}}\n{\"epoch\": 1}\nnot json\n"; }
  try {
    read_run_log(path);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(":3:"), std::string::npos) << e.what();
  }
  { std::ofstream(path) << "{\"config\": {}}\n"; }
  EXPECT_THROW(read_run_log(path), Error);  // no epochs
  EXPECT_THROW(read_run_log(temp_path("missing")), Error);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace inkstone
