#pragma once
// The activation functions Dense and Conv2D apply to their output (Keras' `activation=`), and
// the row-wise helpers the layers share. Derivatives are taken from the output y:
//   linear     y = z                      dz = dy
//   relu       y = max(z, 0)              dz = dy [y > 0]
//   leaky_relu y = z > 0 ? z : a z        dz = dy (y > 0 ? 1 : a)   (a >= 0, so sign y = sign z)
//   sigmoid    y = 1 / (1 + e^-z)         dz = dy y (1 - y)
//   tanh       y = tanh z                 dz = dy (1 - y^2)
//   softmax    y_j = e^z_j / sum_k e^z_k  dz = y (dy - sum_k dy_k y_k)   (over each row)
#include <cstdint>
#include <string>
#include <vector>

namespace inkstone {

enum class Activation { kLinear, kRelu, kLeakyRelu, kSigmoid, kTanh, kSoftmax };

// Slope of the "leaky_relu" activation string (Keras 3's keras.activations.leaky_relu default).
// The LeakyReLU *layer* has its own alpha (default 0.3).
inline constexpr float kLeakyReluActivationAlpha = 0.2f;

// "linear", "relu", "leaky_relu", "sigmoid", "tanh", "softmax"; parse_activation throws Error
// naming the unknown value.
std::string activation_name(Activation a);
Activation parse_activation(const std::string& name);
std::vector<std::string> activation_names();

// y = act(y + bias) in place on a rows x cols matrix; bias (per column) may be null. Softmax
// works on each row. `alpha` is the leaky-relu slope.
void bias_activation_forward(Activation a, float alpha, int64_t rows, int64_t cols,
                             const float* bias, float* y);
// dz = dy * act'(z), from the forward output y (dz may alias dy).
void activation_backward(Activation a, float alpha, int64_t rows, int64_t cols, const float* y,
                         const float* dy, float* dz);

}  // namespace inkstone
