#pragma once
// Keras padding modes of Conv2D and the pooling layers:
//   valid: no padding, out = floor((in - k) / stride) + 1 (needs in >= k)
//   same:  zero padding, out = ceil(in / stride)
#include <string>

namespace inkstone {

enum class Padding { kValid, kSame };

// "valid" / "same"; parse_padding throws Error naming the unknown value.
std::string padding_name(Padding p);
Padding parse_padding(const std::string& name);

}  // namespace inkstone
