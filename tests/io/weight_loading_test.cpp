// Partial loading by tensor name: matching tensors are copied, a shape mismatch is a clear error
// (or skipped and reported on request), and nothing is half-copied when loading fails.
#include "inkstone/io/weight_loading.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "inkstone/io/model_file.hpp"
#include "inkstone/nn/spec.hpp"
#include "inkstone/nn/transfer.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone {
namespace {

std::string temp_path(const std::string& name) {
  return std::string(INKSTONE_TEST_TMP) + "/" + std::to_string(::getpid()) + "_" + name;
}

Sequential mlp(int hidden, int classes, uint64_t seed) {
  nlohmann::json spec = {{"input_shape", {1, 4, 4}},
                         {"layers",
                          {{{"type", "Flatten"}},
                           {{"type", "Dense"}, {"units", hidden}, {"activation", "relu"}},
                           {{"type", "Dense"}, {"units", classes}, {"activation", "softmax"}}}}};
  return model_from_spec(spec, seed);
}

bool same(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape()) return false;
  for (int64_t k = 0; k < a.numel(); ++k)
    if (a[k] != b[k]) return false;
  return true;
}

TEST(WeightLoading, CopiesMatchingTensorsByName) {
  Sequential base = mlp(8, 10, 1);
  const std::string path = temp_path("base.inks");
  save_model(base, path);
  Sequential target = mlp(8, 10, 2);  // same architecture, other weights
  const WeightLoadReport r = load_weights_by_name(target, path);
  EXPECT_EQ(r.loaded.size(), 4u);
  EXPECT_TRUE(r.skipped.empty() && r.initialized.empty() && r.unused.empty());
  EXPECT_TRUE(same(target.layer(1).params()[0]->value, base.layer(1).params()[0]->value));
  EXPECT_TRUE(same(target.layer(2).params()[1]->value, base.layer(2).params()[1]->value));
}

TEST(WeightLoading, ShapeMismatchIsAClearErrorOrASkip) {
  Sequential base = mlp(8, 10, 1);
  const std::string path = temp_path("base10.inks");
  save_model(base, path);
  Sequential target = mlp(8, 5, 2);  // a 5-class head named like the base's
  const Tensor hidden_before = target.layer(1).params()[0]->value;
  try {
    load_weights_by_name(target, path);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("dense_1/kernel"), std::string::npos) << what;
    EXPECT_NE(what.find("(8, 10)"), std::string::npos) << what;
    EXPECT_NE(what.find("(8, 5)"), std::string::npos) << what;
  }
  // Nothing was copied by the failed call.
  EXPECT_TRUE(same(target.layer(1).params()[0]->value, hidden_before));
  const WeightLoadReport r = load_weights_by_name(target, path, /*skip_mismatch=*/true);
  EXPECT_EQ(r.loaded, (std::vector<std::string>{"dense/kernel", "dense/bias"}));
  EXPECT_EQ(r.skipped.size(), 2u);
  EXPECT_TRUE(same(target.layer(1).params()[0]->value, base.layer(1).params()[0]->value));
  EXPECT_NE(r.str().find("skipped 2"), std::string::npos);
}

TEST(WeightLoading, ReplacedHeadIsNewlyInitializedAndFileExtrasUnused) {
  Sequential base = mlp(8, 10, 1);
  const std::string path = temp_path("base_head.inks");
  save_model(base, path);
  Sequential target = mlp(8, 10, 2);
  replace_head(target, 26);
  const WeightLoadReport r = load_weights_by_name(target, path);
  EXPECT_EQ(r.loaded.size(), 2u);
  EXPECT_EQ(r.initialized.size(), 2u);  // the new head's kernel and bias
  EXPECT_EQ(r.unused.size(), 2u);       // the old head's
  EXPECT_THROW(load_weights_by_name(target, temp_path("missing.inks")), Error);
}

}  // namespace
}  // namespace inkstone
