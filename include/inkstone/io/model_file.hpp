#pragma once
// Model files (.inks): the architecture (JSON spec) and every named tensor (parameters and
// buffers such as BatchNorm statistics), little-endian, with a checksum. Saving writes a
// temporary file next to the target and renames it, so a crash never leaves a half-written
// model. Loading validates everything and throws Error with a clear message on anything
// inconsistent (truncation, bad magic, unsupported version, checksum, spec/weights mismatch).
#include <string>

#include <nlohmann/json.hpp>

#include "inkstone/nn/sequential.hpp"

namespace inkstone {

// Extra information stored with the model (dataset, class names, accuracy, ...). Free-form JSON.
void save_model(Sequential& model, const std::string& path,
                const nlohmann::json& metadata = nlohmann::json::object());
Sequential load_model(const std::string& path, nlohmann::json* metadata = nullptr);

}  // namespace inkstone
