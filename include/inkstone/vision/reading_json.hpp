#pragma once
// The JSON form of a Reading, as `inkstone read --json` prints it and `POST /v1/read` answers:
//   {"text": "40213", "min_confidence": 0.97, "rows": 1,
//    "digits": [{"label": "4", "class": 4, "confidence": 0.99, "empty": false,
//                "box": {"x": 12, "y": 30, "width": 40, "height": 58},
//                "top": [{"label": "4", "probability": 0.99}, ...]}, ...]}
#include <nlohmann/json.hpp>

#include "inkstone/vision/reading.hpp"

namespace inkstone {

nlohmann::json reading_to_json(const Reading& reading, const std::vector<std::string>& class_names);

}  // namespace inkstone
