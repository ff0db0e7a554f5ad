#include "inkstone/nn/activation.hpp"

#include <algorithm>

#include "inkstone/kernels/activations.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone {

namespace {
struct ActName {
  Activation a;
  const char* name;
};
constexpr ActName kNames[] = {
    {Activation::kLinear, "linear"},
    {Activation::kRelu, "relu"},
    {Activation::kLeakyRelu, "leaky_relu"},
    {Activation::kSigmoid, "sigmoid"},
    {Activation::kTanh, "tanh"},
    {Activation::kSoftmax, "softmax"},
};
}  // namespace

std::string activation_name(Activation a) {
  for (const auto& n : kNames) {
    if (n.a == a) return n.name;
  }
  return "unknown";
}

Activation parse_activation(const std::string& name) {
  for (const auto& n : kNames) {
    if (name == n.name) return n.a;
  }
  std::string known;
  for (const auto& n : kNames) known += (known.empty() ? "" : ", ") + std::string(n.name);
  throw Error("unknown activation '" + name + "' (known: " + known + ")");
}

std::vector<std::string> activation_names() {
  std::vector<std::string> out;
  for (const auto& n : kNames) out.emplace_back(n.name);
  return out;
}

void bias_activation_forward(Activation a, float alpha, int64_t rows, int64_t cols,
                             const float* bias, float* y) {
  const int64_t n = rows * cols;
  switch (a) {
    case Activation::kLinear:
      if (bias != nullptr) kernels::add_bias_cols(rows, cols, bias, y);
      return;
    case Activation::kRelu:
      if (bias != nullptr) {
        // One pass: y = max(y + b, 0).
        for (int64_t r = 0; r < rows; ++r) {
          float* row = y + r * cols;
          for (int64_t c = 0; c < cols; ++c) row[c] = std::max(row[c] + bias[c], 0.0f);
        }
      } else {
        kernels::relu_forward(n, y, y);
      }
      return;
    case Activation::kLeakyRelu:
      if (bias != nullptr) kernels::add_bias_cols(rows, cols, bias, y);
      kernels::leaky_relu_forward(n, alpha, y, y);
      return;
    case Activation::kSigmoid:
      if (bias != nullptr) kernels::add_bias_cols(rows, cols, bias, y);
      kernels::sigmoid_forward(n, y, y);
      return;
    case Activation::kTanh:
      if (bias != nullptr) kernels::add_bias_cols(rows, cols, bias, y);
      kernels::tanh_forward(n, y, y);
      return;
    case Activation::kSoftmax:
      if (bias != nullptr) kernels::add_bias_cols(rows, cols, bias, y);
      kernels::softmax_rows(rows, cols, y, y);
      return;
  }
}

void activation_backward(Activation a, float alpha, int64_t rows, int64_t cols, const float* y,
                         const float* dy, float* dz) {
  const int64_t n = rows * cols;
  switch (a) {
    case Activation::kLinear:
      if (dz != dy) std::copy(dy, dy + n, dz);
      return;
    case Activation::kRelu:
      kernels::relu_backward(n, y, dy, dz);
      return;
    case Activation::kLeakyRelu:
      // The kernel takes the input z; for alpha >= 0, y > 0 exactly when z > 0.
      kernels::leaky_relu_backward(n, alpha, y, dy, dz);
      return;
    case Activation::kSigmoid:
      kernels::sigmoid_backward(n, y, dy, dz);
      return;
    case Activation::kTanh:
      kernels::tanh_backward(n, y, dy, dz);
      return;
    case Activation::kSoftmax:
      kernels::softmax_backward_rows(rows, cols, y, dy, dz);
      return;
  }
}

}  // namespace inkstone
