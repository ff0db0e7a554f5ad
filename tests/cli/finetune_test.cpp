// `inkstone finetune` on a tiny generated dataset: the Keras transfer recipe (train on some
// classes, new head for others, frozen features) leaves the frozen weights bit-identical in the
// saved model; bad layer names, head sizes and class lists get one clear error line.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "cli/cli_run.hpp"
#include "cli/tiny_mnist.hpp"
#include "inkstone/io/model_file.hpp"

namespace inkstone {
namespace {

namespace fs = std::filesystem;
using testing::run_cli;

TEST(FinetuneCli, FrozenLayersAreBitIdenticalAndTheHeadIsNew) {
  const std::string tag = "ft_" + std::to_string(::getpid());
  const fs::path data = testing::make_data(tag, testing::IdxSpec{});
  const fs::path base = fs::path(INKSTONE_TEST_TMP) / (tag + "_base.inks");
  const fs::path tuned = fs::path(INKSTONE_TEST_TMP) / (tag + "_tuned.inks");
  const std::string common = " --no-download --data " + data.string();
  auto r =
      run_cli("train --model seed-cnn --classes 0-4 --epochs 1 --save " + base.string() + common);
  ASSERT_EQ(r.code, 0) << r.err;
  r = run_cli("finetune --from " + base.string() +
              " --classes 5-9 --new-head 5 --freeze up-to:flatten --epochs 2 "
              "--samples-per-class 4 --save " +
              tuned.string() + common);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("Fine-tuning"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("frozen conv2d..flatten"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Training subset: 20 images"), std::string::npos) << r.out;

  nlohmann::json meta;
  Sequential a = load_model(base.string());
  Sequential b = load_model(tuned.string(), &meta);
  EXPECT_EQ(meta["class_names"], nlohmann::json({"5", "6", "7", "8", "9"}));
  EXPECT_EQ(meta["base_model"], base.string());
  ASSERT_EQ(a.size(), b.size());
  int frozen_checked = 0, moved = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const std::vector<Param*> pa = a.layer(i).params(), pb = b.layer(i).params();
    ASSERT_EQ(pa.size(), pb.size());
    for (size_t k = 0; k < pa.size(); ++k) {
      const bool identical =
          pa[k]->value.shape() == pb[k]->value.shape() &&
          std::equal(pa[k]->value.data(), pa[k]->value.data() + pa[k]->value.numel(),
                     pb[k]->value.data());
      if (!b.layer(i).trainable()) {
        EXPECT_TRUE(identical) << b.layer(i).name();
        ++frozen_checked;
      } else {
        moved += !identical;
      }
    }
  }
  EXPECT_EQ(frozen_checked, 6);  // three convolutions' kernels and biases
  EXPECT_GE(moved, 3);           // dense kernel and bias, new head
  EXPECT_EQ(b.layer(b.size() - 1).name(), "dense_2");
}

TEST(FinetuneCli, BadOptionsGetOneClearLine) {
  const std::string tag = "ftbad_" + std::to_string(::getpid());
  const fs::path data = testing::make_data(tag, testing::IdxSpec{});
  const fs::path base = fs::path(INKSTONE_TEST_TMP) / (tag + "_base.inks");
  const std::string common = " --no-download --data " + data.string();
  ASSERT_EQ(run_cli("train --model mlp --epochs 1 --save " + base.string() + common).code, 0);
  const std::string ft = "finetune --from " + base.string() + common;
  struct Case {
    std::string args, needle;
  };
  for (const Case& c : {Case{" --freeze up-to:conv9", "no layer named 'conv9'"},
                        Case{" --classes 5-9", "give --new-head 5"},
                        Case{" --classes 5-9 --new-head 3", "does not match the 5 classes"},
                        Case{" --classes 3-12", "classes are 0..9"},
                        Case{" --lr-mult dense=x", "RANGE=MULTIPLIER"}}) {
    const auto r = run_cli(ft + c.args);
    EXPECT_EQ(r.code, 1) << c.args << ": " << r.err;
    EXPECT_EQ(testing::count_lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find(c.needle), std::string::npos) << c.args << ": " << r.err;
  }
  EXPECT_EQ(run_cli("finetune --from /no/such.inks" + common).code, 2);
}

}  // namespace
}  // namespace inkstone
