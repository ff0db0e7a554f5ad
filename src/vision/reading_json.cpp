#include "inkstone/vision/reading_json.hpp"

namespace inkstone {

nlohmann::json reading_to_json(const Reading& r, const std::vector<std::string>& names) {
  auto name = [&](int c) {
    return c >= 0 && c < static_cast<int>(names.size()) ? names[static_cast<size_t>(c)]
                                                        : std::to_string(c);
  };
  nlohmann::json digits = nlohmann::json::array();
  for (const DigitReading& d : r.digits) {
    nlohmann::json top = nlohmann::json::array();
    for (const auto& [c, p] : d.top) top.push_back({{"label", name(c)}, {"probability", p}});
    digits.push_back(
        {{"label", d.label},
         {"class", d.cls},
         {"confidence", d.confidence},
         {"empty", d.empty()},
         {"box",
          {{"x", d.box.x}, {"y", d.box.y}, {"width", d.box.width}, {"height", d.box.height}}},
         {"top", top}});
  }
  return {{"text", r.text},
          {"min_confidence", r.min_confidence()},
          {"rows", r.rows},
          {"digits", digits}};
}

}  // namespace inkstone
