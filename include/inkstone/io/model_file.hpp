#pragma once
// Model files (.inks): the architecture (JSON spec) and every named tensor (parameters and
// buffers such as BatchNorm statistics), little-endian, with a checksum. Saving writes a
// temporary file next to the target and renames it, so a crash never leaves a half-written
// model. Loading validates everything and throws Error with a clear message on anything
// inconsistent (truncation, bad magic, unsupported version, checksum, spec/weights mismatch).
//
// Format version 1, little-endian:
//   "INKS" | u32 version | u32 JSON length L | u64 file size | JSON header (L bytes) |
//   zero padding to 64 | float32 tensor data, each tensor at a 64-byte aligned offset |
//   u32 CRC-32 (zlib) of all bytes before it.
// The JSON header is {"spec": spec_of(model), "metadata": {...}, "tensors": [{"name":
// "conv2d/kernel", "dtype": "float32", "shape": [32, 1, 3, 3], "offset": 128}, ...]}, tensor
// names being "<layer name>/<param or buffer name>". Files may also carry "extra_tensors" (same
// form; e.g. a checkpoint's optimizer moments), which plain model loading ignores. Details in
// src/io/model_file.cpp.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "inkstone/nn/sequential.hpp"

namespace inkstone {

// Every named tensor of a built model (parameters and buffers such as BatchNorm statistics),
// named "<layer name>/<param or buffer name>", in layer order. Throws Error on a duplicate name.
std::vector<std::pair<std::string, Tensor*>> named_tensors(Sequential& model);

// Extra information stored with the model (dataset, class names, accuracy, ...). Free-form JSON.
// The model must be built. Writes "<path>.tmp.<pid>", fsyncs it and renames it to path; on
// failure the temporary file is removed and Error thrown.
void save_model(Sequential& model, const std::string& path,
                const nlohmann::json& metadata = nlohmann::json::object());
// Returns the built model with its weights, frozen layers still frozen; not compiled. Errors
// start with the path: "model.inks: tensor 'dense/kernel' is missing".
Sequential load_model(const std::string& path, nlohmann::json* metadata = nullptr);

// The same with extra named tensors stored beside the model's (names must be unique among the
// extras; they may repeat model tensor names, being a separate table), and loading them back
// into `extra` (cleared first; left empty when the file has none).
void save_model(Sequential& model, const std::string& path, const nlohmann::json& metadata,
                const std::vector<std::pair<std::string, const Tensor*>>& extra);
Sequential load_model(const std::string& path, nlohmann::json* metadata,
                      std::map<std::string, Tensor>* extra);

}  // namespace inkstone
