// inkstone train: the tutorial's pipeline (load, scale, build, compile, fit, evaluate, save),
// from a model preset or spec, optionally from a tested recipe.
#include <memory>
#include <string>

#include "cli/commands.hpp"
#include "cli/training_run.hpp"

namespace inkstone::cli {

namespace {
// A recipe: a complete, tested set of training options. Options given on the command line
// override the recipe's.
struct Recipe {
  const char* name;
  const char* what;
  const char* model;
  int epochs;
  int batch_size;
  const char* optimizer;
  float lr;
  const char* lr_schedule;
  const char* validate;
  const char* augment;
  double validation_split;
};

constexpr Recipe kRecipes[] = {
    {"tutorial", "the tutorial's Keras CNN and training (about 99.0% on MNIST)", "seed-cnn", 5, 64,
     "adam", 0.001f, "constant", "test", "none", 0.0},
    {"fast", "99% on MNIST in under 10 s on 2 cores (docs/performance.md)", "fast-cnn", 2, 128,
     "adam", 0.01f, "onecycle:pct=0.2,div=10,final_div=100", "none", "none", 0.0},
    {"strong", "99.68% on MNIST with one model (docs/training.md), 25-45 min on 2 cores", "strong",
     30, 64, "adam", 0.002f, "onecycle:pct=0.2,div=10,final_div=100", "split",
     "shift=2,rotate=10,scale=0.1", 0.1},
};

const Recipe* find_recipe(const std::string& name) {
  for (const Recipe& r : kRecipes)
    if (name == r.name) return &r;
  return nullptr;
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto o = std::make_shared<TrainOptions>();
  std::string recipes_help = "Start from a recipe (options given explicitly override it):";
  for (const Recipe& r : kRecipes) {
    recipes_help += std::string("\n  ") + r.name + ": " + r.what + "\n    = --model " + r.model +
                    " --epochs " + std::to_string(r.epochs) + " --batch-size " +
                    std::to_string(r.batch_size) + " --optimizer " + r.optimizer + " --lr " +
                    CLI::detail::to_string(r.lr) + " --lr-schedule " + r.lr_schedule +
                    " --validate " + r.validate + " --augment " + r.augment +
                    (r.validation_split > 0
                         ? " --validation-split " + CLI::detail::to_string(r.validation_split)
                         : std::string());
  }
  CLI::App* cmd = app.add_subcommand(
      "train",
      "Train a model on a dataset, print one line per epoch and the test accuracy.\n"
      "Examples:\n"
      "  inkstone train --recipe tutorial --save model.inks   (the tutorial's recipe)\n"
      "  inkstone train --recipe fast                         (99% in under 10 s)\n"
      "  inkstone train --model lenet5 --epochs 10 --lr-schedule cosine:warmup=1 \\\n"
      "                 --validation-split 0.1");
  cmd->add_option("--recipe", o->recipe, recipes_help)
      ->check(CLI::IsMember({"tutorial", "fast", "strong"}));
  CLI::Option* model = cmd->add_option("--model", o->model,
                                       "Preset (mlp, lenet5, seed-cnn, fast-cnn) or a JSON spec "
                                       "file (see docs/model.md)")
                           ->capture_default_str();
  const TrainFlags f = add_training_options(cmd, *o);
  cmd->callback([=] {
    if (const Recipe* r = find_recipe(o->recipe)) {
      // Only the options not given on the command line take the recipe's values.
      if (model->count() == 0) o->model = r->model;
      if (f.epochs->count() == 0) o->epochs = r->epochs;
      if (f.batch->count() == 0) o->batch_size = r->batch_size;
      if (f.optimizer->count() == 0) o->optimizer = r->optimizer;
      if (f.lr->count() == 0) o->lr = r->lr;
      if (f.schedule->count() == 0) o->lr_schedule = r->lr_schedule;
      if (f.split->count() == 0) o->validation_split = r->validation_split;
      if (f.validate->count() == 0 && o->validation_split <= 0) o->validate = r->validate;
      if (f.augment->count() == 0) o->augment = r->augment;
    }
    run_training(*o);
  });
}

}  // namespace inkstone::cli
