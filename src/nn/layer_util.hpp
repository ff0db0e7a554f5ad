#pragma once
// Private helpers shared by the layer implementations: error labels and shape checks.
#include <charconv>
#include <string>

#include "inkstone/nn/layer.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone::detail {

// "Conv2D 'conv2d_2'" (or just "Conv2D" for an unnamed layer), for error messages.
inline std::string layer_label(const Layer& layer) {
  return layer.name().empty() ? layer.type() : layer.type() + " '" + layer.name() + "'";
}

// Throws unless the layer is built.
inline void require_built(const Layer& layer, const char* what) {
  if (!layer.built()) throw Error(layer_label(layer) + ": " + what + " called before build()");
}

// Checks that x is a non-empty batch of the layer's input shape; returns the batch size.
inline int64_t check_batch(const Layer& layer, const Tensor& x) {
  require_built(layer, "forward()");
  const Shape& in = layer.input_shape();
  bool ok = x.rank() == in.rank() + 1 && x.dim(0) > 0 && x.data() != nullptr;
  for (int i = 0; ok && i < in.rank(); ++i) ok = x.dim(i + 1) == in[i];
  if (!ok) {
    throw Error(layer_label(layer) + ": input " + x.shape().str() + " is not a batch of " +
                in.str());
  }
  return x.dim(0);
}

// Checks that dy has the shape of the output of the last forward().
inline void check_grad(const Layer& layer, const Tensor& dy, const Shape& expected) {
  if (dy.shape() != expected || dy.data() == nullptr) {
    throw Error(layer_label(layer) + ": backward() got a gradient of shape " + dy.shape().str() +
                " for an output of shape " + expected.str());
  }
}

// Throws when backward() comes without a forward() it could use.
inline void require_forward(const Layer& layer, const void* x) {
  if (x == nullptr) throw Error(layer_label(layer) + ": backward() called before forward()");
}

// A float as the double with the shortest decimal form that reads back as the same float, so
// configs show 0.99 rather than 0.9900000095367432.
inline double float_for_json(float v) {
  char buf[32];
  const auto end = std::to_chars(buf, buf + sizeof(buf), v).ptr;
  double d = v;
  std::from_chars(buf, end, d);  // locale-independent, unlike strtod
  return d;
}

}  // namespace inkstone::detail
