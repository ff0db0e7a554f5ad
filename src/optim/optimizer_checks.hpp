#pragma once
// Private: validation of optimizer settings, with messages naming the optimizer and the key.
#include <cmath>
#include <sstream>
#include <string>

#include "inkstone/tensor/error.hpp"

namespace inkstone::optim_detail {

inline std::string format_value(float v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

// value >= 0 and finite.
inline void check_non_negative(const std::string& optimizer, const char* key, float value) {
  if (!(value >= 0.0f) || !std::isfinite(value)) {
    throw Error("optimizer " + optimizer + ": " + key + " = " + format_value(value) +
                " must be a finite number >= 0");
  }
}

// value > 0 and finite.
inline void check_positive(const std::string& optimizer, const char* key, float value) {
  if (!(value > 0.0f) || !std::isfinite(value)) {
    throw Error("optimizer " + optimizer + ": " + key + " = " + format_value(value) +
                " must be a finite number > 0");
  }
}

// 0 <= value < 1.
inline void check_unit_interval(const std::string& optimizer, const char* key, float value) {
  if (!(value >= 0.0f && value < 1.0f)) {
    throw Error("optimizer " + optimizer + ": " + key + " = " + format_value(value) +
                " must be in [0, 1)");
  }
}

}  // namespace inkstone::optim_detail
