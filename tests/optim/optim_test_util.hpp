#pragma once
// Helpers for the optimizer tests: parameters from literal values, steps with given gradients.
#include <cstdint>
#include <vector>

#include "inkstone/optim/optimizer.hpp"

namespace inkstone::test {

inline Param make_param(const std::vector<float>& values, const char* name = "w") {
  Param p;
  p.name = name;
  p.value = Tensor(Shape{static_cast<int64_t>(values.size())});
  p.grad = Tensor(Shape{static_cast<int64_t>(values.size())});
  for (size_t i = 0; i < values.size(); ++i) p.value[static_cast<int64_t>(i)] = values[i];
  return p;
}

inline void set_grad(Param& p, const std::vector<float>& g) {
  for (size_t i = 0; i < g.size(); ++i) p.grad[static_cast<int64_t>(i)] = g[i];
}

inline std::vector<float> values(const Param& p) {
  return std::vector<float>(p.value.data(), p.value.data() + p.value.numel());
}

// Gradient of f(theta) = 0.5 * sum_i a_i (theta_i - c_i)^2: a_i (theta_i - c_i), with
// a_i = 1 + (i % 7) and c_i = 0.1 * (i % 11) - 0.5. Deterministic, so runs can be compared.
inline void quadratic_grad(Param& p) {
  for (int64_t i = 0; i < p.value.numel(); ++i) {
    const float a = 1.0f + static_cast<float>(i % 7);
    const float c = 0.1f * static_cast<float>(i % 11) - 0.5f;
    p.grad[i] = a * (p.value[i] - c);
  }
}

inline double quadratic_loss(const Param& p) {
  double f = 0;
  for (int64_t i = 0; i < p.value.numel(); ++i) {
    const double a = 1.0 + static_cast<double>(i % 7);
    const double c = 0.1 * static_cast<double>(i % 11) - 0.5;
    const double d = p.value[i] - c;
    f += 0.5 * a * d * d;
  }
  return f;
}

}  // namespace inkstone::test
