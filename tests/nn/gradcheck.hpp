#pragma once
// Finite-difference gradient checks for layers. The scalar loss is L = sum(y * r) for a fixed
// random r of the output's shape, so dL/dy = r; backward(r) must then give dL/dx and accumulate
// dL/dparam, which are compared with central differences
//   dL/dv ~ (L(v + h) - L(v - h)) / ((v + h) - (v - h))      (the denominator as stored in float)
// element by element: |analytic - numeric| <= atol + rtol * max(|analytic|, |numeric|).
// L is summed in double in a fixed order, so outputs that do not depend on the perturbed value
// cancel exactly between L(v + h) and L(v - h).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "inkstone/nn/layer.hpp"
#include "inkstone/tensor/rng.hpp"
#include "inkstone/tensor/tensor.hpp"

namespace inkstone::testing {

inline void fill_uniform(Tensor& t, Rng& rng, float lo, float hi) {
  for (int64_t i = 0; i < t.numel(); ++i) t[i] = rng.uniform(lo, hi);
}

inline Tensor random_tensor(const Shape& shape, uint64_t seed, float lo = -1, float hi = 1) {
  Tensor t(shape);
  Rng rng(seed);
  fill_uniform(t, rng, lo, hi);
  return t;
}

struct GradCheckOptions {
  Mode mode = Mode::kTrain;
  double h = 1e-3;
  double rtol = 1e-2;
  double atol = 1e-3;
  // Values checked per tensor: all when the tensor is no larger, else an evenly spread sample.
  int64_t max_checks = 300;
  // Called before every forward() (e.g. to replay a Dropout mask).
  std::function<void()> before_forward;
  bool check_params = true;
};

namespace detail {

inline double loss_of(Layer& layer, const Tensor& x, const Tensor& r, const GradCheckOptions& o) {
  if (o.before_forward) o.before_forward();
  const Tensor& y = layer.forward(x, o.mode);
  double sum = 0;
  for (int64_t i = 0; i < y.numel(); ++i) sum += static_cast<double>(y[i]) * r[i];
  return sum;
}

// Compares `analytic` with central differences of L in the values of `v` (restored afterwards).
inline void compare(Layer& layer, Tensor& x, const Tensor& r, Tensor& v, const Tensor& analytic,
                    const std::string& what, const GradCheckOptions& o) {
  ASSERT_EQ(analytic.shape(), v.shape()) << what;
  const int64_t n = v.numel();
  const int64_t checks = std::min(n, o.max_checks);
  int failures = 0;
  double worst = 0;
  for (int64_t c = 0; c < checks; ++c) {
    const int64_t i = checks == n ? c : c * n / checks;
    const float saved = v[i];
    const float up = static_cast<float>(saved + o.h);
    const float down = static_cast<float>(saved - o.h);
    v[i] = up;
    const double lp = loss_of(layer, x, r, o);
    v[i] = down;
    const double lm = loss_of(layer, x, r, o);
    v[i] = saved;
    const double numeric = (lp - lm) / (static_cast<double>(up) - static_cast<double>(down));
    const double a = analytic[i];
    const double err = std::fabs(a - numeric);
    const double allowed = o.atol + o.rtol * std::max(std::fabs(a), std::fabs(numeric));
    worst = std::max(worst, err / allowed);
    if (err > allowed && ++failures <= 5) {
      ADD_FAILURE() << layer.type() << " d" << what << "[" << i << "]: analytic " << a
                    << " numeric " << numeric << " (allowed error " << allowed << ")";
    }
  }
  EXPECT_EQ(failures, 0) << layer.type() << " d" << what << ": " << failures << " of " << checks
                         << " values off; worst error/allowed " << worst;
}

}  // namespace detail

// Checks the input gradient and every parameter gradient of a built layer at input x.
inline void check_gradients(Layer& layer, Tensor x, uint64_t seed, const GradCheckOptions& o = {}) {
  ASSERT_TRUE(layer.built());
  if (o.before_forward) o.before_forward();
  const Tensor& y0 = layer.forward(x, o.mode);
  const Tensor r = random_tensor(y0.shape(), seed ^ 0x5eed);
  for (Param* p : layer.params()) p->grad.zero();
  const Tensor dx = layer.backward(r);  // a copy: the layer reuses its buffer
  std::vector<Tensor> grads;
  for (Param* p : layer.params()) grads.push_back(p->grad);
  detail::compare(layer, x, r, x, dx, "x", o);
  if (!o.check_params) return;
  const std::vector<Param*> params = layer.params();
  for (size_t k = 0; k < params.size(); ++k) {
    detail::compare(layer, x, r, params[k]->value, grads[k], params[k]->name, o);
  }
}

}  // namespace inkstone::testing
