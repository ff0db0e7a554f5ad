#pragma once
// Weight initializers, as Keras defines them. fan_in / fan_out are the number of inputs and
// outputs of one unit: Dense [in, out] -> (in, out); Conv2D [filters, C, kh, kw] ->
// (C*kh*kw, filters*kh*kw).
//   glorot_uniform: U(-l, l),  l = sqrt(6 / (fan_in + fan_out))          (Keras default)
//   glorot_normal:  truncated normal, std sqrt(2 / (fan_in + fan_out))
//   he_normal:      truncated normal, std sqrt(2 / fan_in)
//   he_uniform:     U(-l, l),  l = sqrt(6 / fan_in)
//   zeros, ones
// "Truncated normal" follows Keras' VarianceScaling: draws of a normal N(0, s^2) beyond 2 s are
// redrawn, with s = std / 0.8796256610342398 so that the truncated distribution itself has the
// stated std (0.87962... is the std of a standard normal truncated to [-2, 2]).
#include <string>
#include <vector>

#include "inkstone/tensor/rng.hpp"
#include "inkstone/tensor/tensor.hpp"

namespace inkstone {

enum class Initializer { kGlorotUniform, kGlorotNormal, kHeNormal, kHeUniform, kZeros, kOnes };

// "glorot_uniform", ...; parse_initializer throws Error naming the unknown value.
std::string initializer_name(Initializer init);
Initializer parse_initializer(const std::string& name);
std::vector<std::string> initializer_names();

// Fills t with draws from `init` (t's element count must equal the weight count).
void initialize(Tensor& t, Initializer init, double fan_in, double fan_out, Rng& rng);

// Standard normal truncated to [-2, 2] by redrawing (scale it by s / 0.8796... yourself).
float truncated_normal(Rng& rng);

}  // namespace inkstone
