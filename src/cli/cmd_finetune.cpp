// inkstone finetune: start from a trained model (.inks), optionally replace its head, freeze
// some layers and scale learning rates, then train on a new dataset or classes with every
// option `train` accepts.
#include <memory>
#include <string>

#include "cli/commands.hpp"
#include "cli/training_run.hpp"

namespace inkstone::cli {

void add_finetune_command(CLI::App& app) {
  auto o = std::make_shared<TrainOptions>();
  CLI::App* cmd = app.add_subcommand(
      "finetune",
      "Fine-tune a trained model on new data: replace its head, freeze layers, scale learning "
      "rates, then train as `train` does (every train option applies).\n"
      "Layers are named as `inkstone summary MODEL` lists them, or given by 0-based index.\n"
      "Examples (Keras's transfer-learning example):\n"
      "  inkstone train --classes 0-4 --save base.inks\n"
      "  inkstone finetune --from base.inks --classes 5-9 --new-head 5 \\\n"
      "                    --freeze up-to:flatten --epochs 5 --save tuned.inks");
  cmd->add_option("--from", o->from, "The trained base model (.inks)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--freeze", o->freeze,
                  "Layers to freeze: up-to:L (layers 0..L), from:L, A..B, L or all (L a layer "
                  "name or index); frozen BatchNorm layers keep their statistics");
  cmd->add_option("--new-head", o->new_head,
                  "Replace the last Dense layer by a new one with N classes (must match the "
                  "data's class count)")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--lr-mult", o->lr_mult,
                  "Learning-rate multiplier for a layer range, RANGE=F (e.g. up-to:flatten=0.1); "
                  "repeatable")
      ->take_all();
  add_training_options(cmd, *o);
  cmd->callback([o] { run_training(*o); });
}

}  // namespace inkstone::cli
