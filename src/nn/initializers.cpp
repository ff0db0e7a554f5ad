#include "inkstone/nn/initializers.hpp"

#include <cmath>

#include "inkstone/tensor/error.hpp"

namespace inkstone {

namespace {
// Std of a standard normal truncated to [-2, 2] (Keras divides by it).
constexpr double kTruncatedStd = 0.87962566103423978;

struct InitName {
  Initializer init;
  const char* name;
};
constexpr InitName kNames[] = {
    {Initializer::kGlorotUniform, "glorot_uniform"},
    {Initializer::kGlorotNormal, "glorot_normal"},
    {Initializer::kHeNormal, "he_normal"},
    {Initializer::kHeUniform, "he_uniform"},
    {Initializer::kZeros, "zeros"},
    {Initializer::kOnes, "ones"},
};

void fill_uniform(Tensor& t, double limit, Rng& rng) {
  const float l = static_cast<float>(limit);
  for (int64_t i = 0; i < t.numel(); ++i) t[i] = rng.uniform(-l, l);
}

void fill_truncated(Tensor& t, double std, Rng& rng) {
  const float s = static_cast<float>(std / kTruncatedStd);
  for (int64_t i = 0; i < t.numel(); ++i) t[i] = s * truncated_normal(rng);
}
}  // namespace

std::string initializer_name(Initializer init) {
  for (const auto& n : kNames) {
    if (n.init == init) return n.name;
  }
  return "unknown";
}

Initializer parse_initializer(const std::string& name) {
  for (const auto& n : kNames) {
    if (name == n.name) return n.init;
  }
  std::string known;
  for (const auto& n : kNames) known += (known.empty() ? "" : ", ") + std::string(n.name);
  throw Error("unknown initializer '" + name + "' (known: " + known + ")");
}

std::vector<std::string> initializer_names() {
  std::vector<std::string> out;
  for (const auto& n : kNames) out.emplace_back(n.name);
  return out;
}

float truncated_normal(Rng& rng) {
  // Redraw until |z| <= 2 (about 4.6% of draws are redrawn).
  for (;;) {
    const float z = rng.normal();
    if (std::fabs(z) <= 2.0f) return z;
  }
}

void initialize(Tensor& t, Initializer init, double fan_in, double fan_out, Rng& rng) {
  if (fan_in <= 0 || fan_out <= 0) {
    throw Error("initialize: fan_in " + std::to_string(fan_in) + " and fan_out " +
                std::to_string(fan_out) + " must be positive");
  }
  switch (init) {
    case Initializer::kGlorotUniform:
      fill_uniform(t, std::sqrt(6.0 / (fan_in + fan_out)), rng);  // l = sqrt(6/(in+out))
      break;
    case Initializer::kGlorotNormal:
      fill_truncated(t, std::sqrt(2.0 / (fan_in + fan_out)), rng);  // std = sqrt(2/(in+out))
      break;
    case Initializer::kHeNormal:
      fill_truncated(t, std::sqrt(2.0 / fan_in), rng);  // std = sqrt(2/in)
      break;
    case Initializer::kHeUniform:
      fill_uniform(t, std::sqrt(6.0 / fan_in), rng);  // l = sqrt(6/in)
      break;
    case Initializer::kZeros:
      t.fill(0.0f);
      break;
    case Initializer::kOnes:
      t.fill(1.0f);
      break;
  }
}

}  // namespace inkstone
