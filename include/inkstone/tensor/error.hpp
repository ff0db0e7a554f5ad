#pragma once
// The one exception type of the library. Messages name what is wrong: the file, the field and
// the value ("train-images-idx3-ubyte.gz: image count 70000 does not match label count 60000").
#include <stdexcept>
#include <string>

namespace inkstone {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace inkstone
