#include "inkstone/nn/padding.hpp"

#include "inkstone/tensor/error.hpp"

namespace inkstone {

std::string padding_name(Padding p) {
  return p == Padding::kSame ? "same" : "valid";
}

Padding parse_padding(const std::string& name) {
  if (name == "valid") return Padding::kValid;
  if (name == "same") return Padding::kSame;
  throw Error("unknown padding '" + name + "' (known: valid, same)");
}

}  // namespace inkstone
