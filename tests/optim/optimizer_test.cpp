// What all optimizers share: clipping, frozen params, lr multipliers, convergence, checkpoint
// state, the factory, validation, threads and instruction sets, and no allocation per step.
#include "inkstone/optim/optimizer.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>

#include "inkstone/kernels/cpu.hpp"
#include "inkstone/kernels/thread_pool.hpp"
#include "inkstone/optim/adam.hpp"
#include "inkstone/optim/adamw.hpp"
#include "inkstone/optim/rmsprop.hpp"
#include "inkstone/optim/sgd.hpp"
#include "optim/optim_test_util.hpp"

// Counts global operator new calls while g_count_news is set (the no-allocation test). The
// replacements forward to malloc/free; GCC cannot see that new and delete are paired here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
namespace {
std::atomic<bool> g_count_news{false};
std::atomic<int64_t> g_news{0};
}  // namespace

void* operator new(size_t size) {
  if (g_count_news.load(std::memory_order_relaxed)) g_news.fetch_add(1);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t size) {
  return operator new(size);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, size_t) noexcept {
  std::free(p);
}
#pragma GCC diagnostic pop

namespace inkstone {
namespace {

using test::make_param;
using test::set_grad;
using test::values;

// Every optimizer configuration the shared tests run on.
struct Setup {
  const char* name;
  OptimizerConfig config;
};
const std::vector<Setup> kSetups = {
    {"adam", {{"learning_rate", 0.05}}},
    {"adamw", {{"learning_rate", 0.05}, {"weight_decay", 0.01}}},
    {"sgd", {{"learning_rate", 0.05}}},
    {"sgd", {{"learning_rate", 0.02}, {"momentum", 0.9}}},
    {"sgd", {{"learning_rate", 0.02}, {"momentum", 0.9}, {"nesterov", 1}}},
    {"rmsprop", {{"learning_rate", 0.01}}},
    {"rmsprop", {{"learning_rate", 0.01}, {"centered", 1}, {"momentum", 0.5}}},
};

std::string label(const Setup& s) {
  std::string out = s.name;
  for (const auto& [k, v] : s.config) out += " " + k + "=" + std::to_string(v);
  return out;
}

// ---- clipping ----------------------------------------------------------------------------

TEST(ClipGradNorm, ScalesToMaxNormAndReturnsNormBefore) {
  // Global norm of (3, 0) and (4): sqrt(9 + 16) = 5. Clipping to 1 scales by 1 / 5.
  Param a = make_param({0.0f, 0.0f});
  Param b = make_param({0.0f}, "b");
  set_grad(a, {3.0f, 0.0f});
  set_grad(b, {4.0f});
  std::vector<Param*> params{&a, &b};
  EXPECT_FLOAT_EQ(global_grad_norm(params), 5.0f);
  EXPECT_FLOAT_EQ(clip_grad_norm(params, 1.0f), 5.0f);
  EXPECT_FLOAT_EQ(a.grad[0], 0.6f);
  EXPECT_FLOAT_EQ(a.grad[1], 0.0f);
  EXPECT_FLOAT_EQ(b.grad[0], 0.8f);
  EXPECT_NEAR(global_grad_norm(params), 1.0f, 1e-6);
}

TEST(ClipGradNorm, NoOpBelowMaxNormAndSkipsFrozen) {
  Param a = make_param({0.0f, 0.0f});
  Param frozen = make_param({0.0f}, "frozen");
  frozen.trainable = false;
  set_grad(a, {3.0f, 4.0f});
  set_grad(frozen, {100.0f});
  std::vector<Param*> params{&a, &frozen};
  EXPECT_FLOAT_EQ(clip_grad_norm(params, 10.0f), 5.0f);  // frozen gradient not counted
  EXPECT_EQ(a.grad[0], 3.0f);
  EXPECT_EQ(a.grad[1], 4.0f);
  EXPECT_FLOAT_EQ(clip_grad_norm(params, 2.5f), 5.0f);
  EXPECT_FLOAT_EQ(a.grad[0], 1.5f);
  EXPECT_FLOAT_EQ(a.grad[1], 2.0f);
  EXPECT_EQ(frozen.grad[0], 100.0f);
  // max_norm <= 0 only measures.
  EXPECT_FLOAT_EQ(clip_grad_norm(params, 0.0f), 2.5f);
  EXPECT_FLOAT_EQ(a.grad[0], 1.5f);
}

TEST(ClipGradNorm, SumsInDoubleOverManyElements) {
  // 100000 gradients of 1e-3: norm = sqrt(1e5 * 1e-6) = sqrt(0.1).
  Param p = make_param(std::vector<float>(100000, 0.0f));
  p.grad.fill(1e-3f);
  EXPECT_NEAR(global_grad_norm({&p}), std::sqrt(0.1), 1e-7);
}

// Clipping inside step() equals clip_grad_norm() followed by an unclipped step, bit for bit;
// the gradients are not modified by step().
TEST(Optimizer, ClipNormInStepEqualsClipThenStep) {
  for (const auto& s : kSetups) {
    auto clipped = make_optimizer(s.name, s.config);
    clipped->regularization().clip_norm = 0.5f;
    auto plain = make_optimizer(s.name, s.config);
    Param a = make_param({1.0f, -2.0f, 0.5f, 3.0f, 0.25f});
    Param b = a;
    for (int t = 0; t < 3; ++t) {
      test::quadratic_grad(a);
      test::quadratic_grad(b);
      const Tensor before = a.grad;
      clipped->step({&a});
      EXPECT_EQ(std::memcmp(before.data(), a.grad.data(), sizeof(float) * 5), 0) << label(s);
      EXPECT_GT(clip_grad_norm({&b}, 0.5f), 0.5f);
      plain->step({&b});
      EXPECT_EQ(values(a), values(b)) << label(s) << " step " << t;
    }
  }
}

TEST(Optimizer, SgdClipNormLimitsTheStep) {
  // theta = 0, g = (3, 4), lr = 1, clip 1: theta1 = -(0.6, 0.8).
  SgdOptions o;
  o.learning_rate = 1.0f;
  Sgd sgd(o);
  sgd.regularization().clip_norm = 1.0f;
  Param p = make_param({0.0f, 0.0f});
  set_grad(p, {3.0f, 4.0f});
  sgd.step({&p});
  EXPECT_FLOAT_EQ(p.value[0], -0.6f);
  EXPECT_FLOAT_EQ(p.value[1], -0.8f);
}

// ---- per-parameter settings ---------------------------------------------------------------

TEST(Optimizer, FrozenParamIsUntouched) {
  for (const auto& s : kSetups) {
    auto opt = make_optimizer(s.name, s.config);
    opt->regularization().l2 = 0.1f;
    opt->regularization().weight_decay = 0.1f;
    opt->regularization().clip_norm = 0.1f;
    Param live = make_param({1.0f, -2.0f});
    Param frozen = make_param({1.0f, -2.0f}, "frozen");
    frozen.trainable = false;
    set_grad(live, {0.5f, 0.5f});
    set_grad(frozen, {0.5f, 0.5f});
    for (int t = 0; t < 2; ++t) opt->step({&live, &frozen});
    EXPECT_NE(values(live), (std::vector<float>{1.0f, -2.0f})) << label(s);
    EXPECT_EQ(values(frozen), (std::vector<float>{1.0f, -2.0f})) << label(s);
    EXPECT_EQ(frozen.grad[0], 0.5f);
    for (auto& [name, tensor] : opt->state()) {
      if (name.ends_with("/1")) {
        for (int64_t i = 0; i < tensor->numel(); ++i) EXPECT_EQ((*tensor)[i], 0.0f) << name;
      }
    }
  }
}

TEST(Optimizer, LrMultiplierScalesTheStep) {
  // Plain SGD, lr 0.1, multiplier 0.5: theta1 = theta0 - 0.05 g = 1 - 0.05 * 2 = 0.9.
  SgdOptions o;
  o.learning_rate = 0.1f;
  Sgd sgd(o);
  Param p = make_param({1.0f});
  p.lr_multiplier = 0.5f;
  set_grad(p, {2.0f});
  sgd.step({&p});
  EXPECT_FLOAT_EQ(p.value[0], 0.9f);
  // Adam's first step is about lr * sign(g): lr 0.1 and multiplier 0.25 move it by 0.025.
  AdamOptions ao;
  ao.learning_rate = 0.1f;
  Adam adam(ao);
  Param q = make_param({1.0f});
  q.lr_multiplier = 0.25f;
  set_grad(q, {2.0f});
  adam.step({&q});
  EXPECT_NEAR(q.value[0], 0.975, 1e-6);
  // Multiplier 0 freezes the value (the moments still advance).
  Param r = make_param({1.0f});
  r.lr_multiplier = 0.0f;
  set_grad(r, {2.0f});
  Adam adam2(ao);
  adam2.step({&r});
  EXPECT_EQ(r.value[0], 1.0f);
  EXPECT_NE((*adam2.state()[0].second)[0], 0.0f);
}

// ---- convergence -------------------------------------------------------------------------

TEST(Optimizer, EachMinimizesAQuadratic) {
  for (const auto& s : kSetups) {
    auto opt = make_optimizer(s.name, s.config);
    Param p = make_param({2.0f, -1.5f, 0.7f, 3.0f, -2.0f, 1.0f, 0.0f, 0.5f, -0.5f});
    const double start = test::quadratic_loss(p);
    for (int t = 0; t < 600; ++t) {
      test::quadratic_grad(p);
      opt->step({&p});
    }
    const double end = test::quadratic_loss(p);
    // AdamW's decay pulls slightly toward 0, so its optimum is a little off the quadratic's.
    EXPECT_LT(end, start * 1e-3) << label(s) << ": " << start << " -> " << end;
    EXPECT_EQ(opt->iterations(), 600);
  }
}

// ---- checkpoint state --------------------------------------------------------------------

// Saving after 3 steps into a fresh optimizer and continuing 3 steps gives exactly the
// parameters of 6 uninterrupted steps.
TEST(Optimizer, StateRoundTripIsBitIdentical) {
  for (const auto& s : kSetups) {
    Param a = make_param({1.0f, -2.0f, 0.5f, 3.0f, 0.25f, -1.0f, 0.125f});
    Param a_bias = make_param({0.5f, -0.5f}, "bias");
    a_bias.decay = false;
    Param b = a, b_bias = a_bias;
    auto run = [&](Optimizer& opt, Param& w, Param& bias, int steps) {
      for (int t = 0; t < steps; ++t) {
        test::quadratic_grad(w);
        test::quadratic_grad(bias);
        opt.step({&w, &bias});
      }
    };
    auto uninterrupted = make_optimizer(s.name, s.config);
    uninterrupted->regularization().l2 = 0.01f;
    run(*uninterrupted, a, a_bias, 6);

    auto first = make_optimizer(s.name, s.config);
    first->regularization().l2 = 0.01f;
    run(*first, b, b_bias, 3);
    // The checkpoint: settings, step count, named state tensors (copies).
    const std::string name = first->name();
    const OptimizerConfig config = first->config();
    const int64_t iterations = first->iterations();
    std::vector<std::pair<std::string, Tensor>> saved;
    for (auto& [key, tensor] : first->state()) saved.emplace_back(key, *tensor);
    first.reset();

    auto resumed = make_optimizer(name, config);
    resumed->build({&b, &b_bias});
    auto state = resumed->state();
    ASSERT_EQ(state.size(), saved.size()) << label(s);
    for (size_t k = 0; k < state.size(); ++k) {
      ASSERT_EQ(state[k].first, saved[k].first);
      *state[k].second = saved[k].second;
    }
    resumed->set_iterations(iterations);
    run(*resumed, b, b_bias, 3);
    EXPECT_EQ(values(a), values(b)) << label(s);
    EXPECT_EQ(values(a_bias), values(b_bias)) << label(s);
    EXPECT_EQ(resumed->iterations(), 6);
  }
}

TEST(Optimizer, ConfigRoundTrip) {
  for (const auto& s : kSetups) {
    auto opt = make_optimizer(s.name, s.config);
    opt->regularization().clip_norm = 2.5f;
    opt->set_lr(0.125f);
    const OptimizerConfig config = opt->config();
    EXPECT_EQ(config.at("learning_rate"), 0.125);
    EXPECT_EQ(config.at("clip_norm"), 2.5);
    auto copy = make_optimizer(opt->name(), config);
    EXPECT_EQ(copy->name(), opt->name());
    EXPECT_EQ(copy->config(), config) << label(s);
  }
}

TEST(Optimizer, ResetStartsAfresh) {
  Adam adam;
  Param p = make_param({1.0f, 2.0f});
  set_grad(p, {0.5f, 0.5f});
  adam.step({&p});
  adam.reset();
  EXPECT_EQ(adam.iterations(), 0);
  EXPECT_TRUE(adam.state().empty());
  Param q = make_param({1.0f, 2.0f, 3.0f});  // a different list is fine after reset()
  adam.step({&q});
  EXPECT_EQ(adam.state().size(), 2u);
}

// ---- factory and validation --------------------------------------------------------------

TEST(MakeOptimizer, NamesAreCaseInsensitiveWithKerasDefaults) {
  auto adam = make_optimizer("Adam");
  EXPECT_EQ(adam->name(), "adam");
  EXPECT_FLOAT_EQ(adam->lr(), 0.001f);
  EXPECT_FLOAT_EQ(make_optimizer("SGD")->lr(), 0.01f);
  EXPECT_FLOAT_EQ(make_optimizer("rmsProp")->lr(), 0.001f);
  auto adamw = make_optimizer("ADAMW", 0.002f);
  EXPECT_EQ(adamw->name(), "adamw");
  EXPECT_FLOAT_EQ(adamw->lr(), 0.002f);
  EXPECT_FLOAT_EQ(adamw->regularization().weight_decay, 0.004f);
  EXPECT_FLOAT_EQ(make_optimizer("sgd", -1.0f)->lr(), 0.01f);  // lr <= 0: default
  EXPECT_EQ(optimizer_names(), (std::vector<std::string>{"adam", "adamw", "sgd", "rmsprop"}));
}

TEST(MakeOptimizer, UnknownNameListsValidNames) {
  try {
    make_optimizer("adagrad");
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("adagrad"), std::string::npos) << what;
    EXPECT_NE(what.find("adam, adamw, sgd, rmsprop"), std::string::npos) << what;
  }
  EXPECT_THROW(make_optimizer("", OptimizerConfig{}), Error);
}

TEST(MakeOptimizer, ConfigErrorsNameTheKey) {
  auto message = [](const std::string& name, const OptimizerConfig& config) {
    try {
      make_optimizer(name, config);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("adam", {{"beta1", 0.9}}).find("beta1"), std::string::npos);
  EXPECT_NE(message("adam", {{"beta1", 0.9}}).find("beta_1"), std::string::npos);
  EXPECT_NE(message("sgd", {{"rho", 0.9}}).find("rho"), std::string::npos);
  EXPECT_NE(message("adam", {{"beta_2", 1.0}}).find("beta_2"), std::string::npos);
  EXPECT_NE(message("sgd", {{"nesterov", 0.5}}).find("nesterov"), std::string::npos);
  EXPECT_NE(message("rmsprop", {{"epsilon", 0}}).find("epsilon"), std::string::npos);
  EXPECT_NE(message("adam", {{"clip_norm", -1}}).find("clip_norm"), std::string::npos);
  EXPECT_NE(message("adam", {{"learning_rate", NAN}}).find("learning_rate"), std::string::npos);
  auto sgd = make_optimizer("sgd", {{"momentum", 0.9}, {"nesterov", 1}, {"l2", 0.001}});
  EXPECT_FLOAT_EQ(dynamic_cast<Sgd&>(*sgd).options().momentum, 0.9f);
  EXPECT_TRUE(dynamic_cast<Sgd&>(*sgd).options().nesterov);
  EXPECT_FLOAT_EQ(sgd->regularization().l2, 0.001f);
}

TEST(Optimizer, RejectsChangedParameterList) {
  Adam adam;
  Param a = make_param({1.0f, 2.0f});
  Param b = make_param({1.0f, 2.0f, 3.0f});
  adam.step({&a});
  EXPECT_THROW(adam.step({&b}), Error);
  EXPECT_THROW(adam.step({&a, &b}), Error);
  EXPECT_THROW(adam.build({&b}), Error);
  adam.step({&a});  // the original list still works
  EXPECT_EQ(adam.iterations(), 2);
}

TEST(Optimizer, RejectsBadInput) {
  Adam adam;
  Param p = make_param({1.0f, 2.0f});
  p.grad = Tensor(Shape{3});
  try {
    adam.step({&p});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'w'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(adam.step({nullptr}), Error);
  EXPECT_THROW(adam.set_iterations(-1), Error);
  Adam adam2;
  Param q = make_param({1.0f});
  adam2.regularization().weight_decay = -0.1f;
  EXPECT_THROW(adam2.step({&q}), Error);
  adam2.regularization().weight_decay = 0.0f;
  adam2.set_lr(NAN);
  EXPECT_THROW(adam2.step({&q}), Error);
}

// ---- threads, instruction sets, allocation ----------------------------------------------

// Big enough to be split over the pool. The update must not depend on the thread count.
TEST(Optimizer, ThreadCountDoesNotChangeResults) {
  const int saved_threads = kernels::num_threads();
  for (const auto& s : kSetups) {
    std::vector<std::vector<float>> results;
    for (int threads : {1, 2, 3}) {
      kernels::ThreadPool::set_num_threads(threads);
      auto opt = make_optimizer(s.name, s.config);
      opt->regularization().weight_decay = 0.01f;
      Param w = make_param(std::vector<float>(150001, 0.5f));
      Param w2 = make_param(std::vector<float>(40003, -0.25f), "w2");
      for (int t = 0; t < 2; ++t) {
        test::quadratic_grad(w);
        test::quadratic_grad(w2);
        opt->step({&w, &w2});
      }
      results.push_back(values(w));
      auto v2 = values(w2);
      results.back().insert(results.back().end(), v2.begin(), v2.end());
    }
    EXPECT_TRUE(results[0] == results[1]) << label(s);
    EXPECT_TRUE(results[0] == results[2]) << label(s);
  }
  kernels::ThreadPool::set_num_threads(saved_threads);
}

// Every instruction-set path gives the same values up to rounding (FMA contraction differs),
// including the tails of ranges that are not a multiple of the vector width.
TEST(Optimizer, InstructionSetsAgree) {
  const kernels::Isa saved = kernels::active_isa();
  for (const auto& s : kSetups) {
    std::vector<std::vector<float>> results;
    for (kernels::Isa isa : {kernels::Isa::kScalar, kernels::Isa::kAvx2, kernels::Isa::kAvx512}) {
      if (isa > kernels::detected_isa()) continue;
      kernels::set_isa(isa);
      auto opt = make_optimizer(s.name, s.config);
      opt->regularization().l2 = 0.01f;
      opt->regularization().weight_decay = 0.01f;
      opt->regularization().clip_norm = 5.0f;
      std::vector<float> init(37);
      for (int i = 0; i < 37; ++i)
        init[static_cast<size_t>(i)] = 0.1f * static_cast<float>(i % 9) - 0.4f;
      Param w = make_param(init);
      for (int t = 0; t < 4; ++t) {
        test::quadratic_grad(w);
        opt->step({&w});
      }
      results.push_back(values(w));
    }
    for (size_t r = 1; r < results.size(); ++r) {
      for (size_t i = 0; i < results[0].size(); ++i) {
        EXPECT_NEAR(results[r][i], results[0][i], 1e-5) << label(s) << " isa " << r << " i " << i;
      }
    }
  }
  kernels::set_isa(saved);
}

TEST(Optimizer, NoAllocationAfterFirstStep) {
  for (const auto& s : kSetups) {
    auto opt = make_optimizer(s.name, s.config);
    opt->regularization().clip_norm = 1.0f;
    opt->regularization().l2 = 0.001f;
    Param big = make_param(std::vector<float>(300000, 0.5f));
    Param small = make_param({1.0f, 2.0f, 3.0f}, "small");
    const std::vector<Param*> params{&big, &small};
    test::quadratic_grad(big);
    test::quadratic_grad(small);
    opt->step(params);
    std::vector<const float*> slot_data;
    for (auto& [name, tensor] : opt->state()) slot_data.push_back(tensor->data());
    g_news = 0;
    g_count_news = true;
    for (int t = 0; t < 3; ++t) opt->step(params);
    g_count_news = false;
    EXPECT_EQ(g_news.load(), 0) << label(s);
    size_t k = 0;
    for (auto& [name, tensor] : opt->state()) EXPECT_EQ(tensor->data(), slot_data[k++]) << name;
  }
}

}  // namespace
}  // namespace inkstone
