#include "inkstone/train/lr_schedule.hpp"

#include <cmath>
#include <cstdlib>
#include <map>
#include <numbers>
#include <sstream>

#include "inkstone/tensor/error.hpp"

namespace inkstone {

namespace {

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  const size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

// "a=1,b=2" -> {a: 1, b: 2}; each key must be in `allowed`.
std::map<std::string, double> parse_params(const std::string& name, const std::string& text,
                                           const std::map<std::string, double>& allowed) {
  std::map<std::string, double> out = allowed;  // the defaults
  std::map<std::string, bool> seen;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    item = trim(item);
    const size_t eq = item.find('=');
    if (item.empty() || eq == std::string::npos) {
      throw Error("lr schedule '" + name + "': expected key=value, got '" + item + "'");
    }
    const std::string key = trim(item.substr(0, eq));
    const std::string value = trim(item.substr(eq + 1));
    if (!allowed.count(key)) {
      std::string known;
      for (const auto& [k, v] : allowed) known += (known.empty() ? "" : ", ") + k;
      throw Error("lr schedule '" + name + "': unknown parameter '" + key +
                  "' (known: " + (known.empty() ? "none" : known) + ")");
    }
    if (seen[key]) throw Error("lr schedule '" + name + "': '" + key + "' given twice");
    seen[key] = true;
    char* end = nullptr;
    const double v = std::strtod(value.c_str(), &end);
    if (value.empty() || end != value.c_str() + value.size() || !std::isfinite(v)) {
      throw Error("lr schedule '" + name + "': " + key + " must be a number, got '" + value + "'");
    }
    out[key] = v;
  }
  return out;
}

void require(bool ok, const std::string& name, const std::string& what) {
  if (!ok) throw Error("lr schedule '" + name + "': " + what);
}

// Cosine interpolation from `from` (p = 0) to `to` (p = 1).
double cosine_between(double from, double to, double p) {
  return to + (from - to) * 0.5 * (1.0 + std::cos(std::numbers::pi * p));
}

std::string num(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

}  // namespace

LrSchedule LrSchedule::parse(const std::string& text) {
  const std::string t = trim(text);
  const size_t colon = t.find(':');
  const std::string name = trim(t.substr(0, colon));
  const std::string rest = colon == std::string::npos ? "" : t.substr(colon + 1);
  LrSchedule s;
  if (name == "constant") {
    parse_params(name, rest, {});
    s.kind_ = Kind::kConstant;
  } else if (name == "step") {
    auto p = parse_params(name, rest, {{"every", 1.0}, {"gamma", 0.5}});
    require(p["every"] > 0, name, "every must be > 0 epochs");
    require(p["gamma"] > 0 && p["gamma"] <= 1, name, "gamma must be in (0, 1]");
    s.kind_ = Kind::kStep;
    s.every_ = p["every"];
    s.gamma_ = p["gamma"];
  } else if (name == "exponential") {
    auto p = parse_params(name, rest, {{"gamma", 0.9}});
    require(p["gamma"] > 0 && p["gamma"] <= 1, name, "gamma must be in (0, 1]");
    s.kind_ = Kind::kExponential;
    s.gamma_ = p["gamma"];
  } else if (name == "cosine") {
    auto p = parse_params(name, rest, {{"warmup", 0.0}, {"final", 0.0}});
    require(p["warmup"] >= 0, name, "warmup must be >= 0 epochs");
    require(p["final"] >= 0 && p["final"] <= 1, name, "final must be in [0, 1]");
    s.kind_ = Kind::kCosine;
    s.warmup_ = p["warmup"];
    s.final_ = p["final"];
  } else if (name == "onecycle") {
    auto p = parse_params(name, rest, {{"pct", 0.25}, {"div", 25.0}, {"final_div", 1e4}});
    require(p["pct"] > 0 && p["pct"] < 1, name, "pct must be in (0, 1)");
    require(p["div"] >= 1, name, "div must be >= 1");
    require(p["final_div"] >= 1, name, "final_div must be >= 1");
    s.kind_ = Kind::kOneCycle;
    s.pct_ = p["pct"];
    s.div_ = p["div"];
    s.final_div_ = p["final_div"];
  } else if (name == "plateau") {
    auto p = parse_params(
        name, rest,
        {{"factor", 0.1}, {"patience", 2.0}, {"min_delta", 1e-4}, {"cooldown", 0.0}, {"min", 0.0}});
    require(p["factor"] > 0 && p["factor"] < 1, name, "factor must be in (0, 1)");
    require(p["patience"] >= 1 && p["patience"] == std::floor(p["patience"]), name,
            "patience must be a whole number >= 1");
    require(p["min_delta"] >= 0, name, "min_delta must be >= 0");
    require(p["cooldown"] >= 0 && p["cooldown"] == std::floor(p["cooldown"]), name,
            "cooldown must be a whole number >= 0");
    require(p["min"] >= 0 && p["min"] <= 1, name, "min must be in [0, 1]");
    s.kind_ = Kind::kPlateau;
    s.plateau_ = {p["factor"], static_cast<int>(p["patience"]), p["min_delta"],
                  static_cast<int>(p["cooldown"]), p["min"]};
  } else {
    throw Error("unknown lr schedule '" + name +
                "' (known: constant, step, exponential, cosine, onecycle, plateau)");
  }
  return s;
}

double LrSchedule::factor(double t, int epochs, long long batches_per_epoch) const {
  const double total = epochs > 0 ? epochs : 1;
  switch (kind_) {
    case Kind::kConstant:
    case Kind::kPlateau:  // the ReduceLrOnPlateau callback scales the rate
      return 1.0;
    case Kind::kStep:
      return std::pow(gamma_, std::floor(t / every_ + 1e-9));
    case Kind::kExponential:
      return std::pow(gamma_, t);
    case Kind::kCosine: {
      const double warmup = std::min(warmup_, total);
      if (t < warmup) {
        const double first =
            1.0 / static_cast<double>(batches_per_epoch > 0 ? batches_per_epoch : 1);
        return std::min(1.0, (t + first) / warmup);
      }
      if (total <= warmup) return 1.0;
      return cosine_between(1.0, final_, (t - warmup) / (total - warmup));
    }
    case Kind::kOneCycle: {
      const double peak = pct_ * total;
      const double start = 1.0 / div_, end = start / final_div_;
      if (t < peak) return cosine_between(start, 1.0, t / peak);
      return cosine_between(1.0, end, std::min(1.0, (t - peak) / (total - peak)));
    }
  }
  return 1.0;
}

std::string LrSchedule::str() const {
  switch (kind_) {
    case Kind::kConstant:
      return "constant";
    case Kind::kStep:
      return "step:every=" + num(every_) + ",gamma=" + num(gamma_);
    case Kind::kExponential:
      return "exponential:gamma=" + num(gamma_);
    case Kind::kCosine:
      return "cosine:warmup=" + num(warmup_) + ",final=" + num(final_);
    case Kind::kOneCycle:
      return "onecycle:pct=" + num(pct_) + ",div=" + num(div_) + ",final_div=" + num(final_div_);
    case Kind::kPlateau:
      return "plateau:factor=" + num(plateau_.factor) +
             ",patience=" + std::to_string(plateau_.patience) +
             ",min_delta=" + num(plateau_.min_delta) +
             ",cooldown=" + std::to_string(plateau_.cooldown) + ",min=" + num(plateau_.min_factor);
  }
  return "constant";
}

}  // namespace inkstone
