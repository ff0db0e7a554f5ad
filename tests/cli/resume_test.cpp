// Checkpoints through the command line: training killed with SIGKILL mid-run and resumed from
// its last checkpoint writes a model file byte-identical to an uninterrupted run's, and every
// checkpoint on disk is complete.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cli/cli_run.hpp"

namespace inkstone {
namespace {

namespace fs = std::filesystem;
using testing::run_cli;

void put_u32(std::ofstream& out, uint32_t v) {
  const char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                     static_cast<char>(v >> 8), static_cast<char>(v)};
  out.write(b, 4);
}

// n 28x28 images, class k drawn as a bright horizontal bar in row 2k+4 over faint noise.
void write_split(const fs::path& dir, const std::string& prefix, uint32_t n) {
  fs::create_directories(dir);
  std::ofstream img(dir / (prefix + "-images-idx3-ubyte"), std::ios::binary);
  std::ofstream lab(dir / (prefix + "-labels-idx1-ubyte"), std::ios::binary);
  put_u32(img, 0x803);
  put_u32(img, n);
  put_u32(img, 28);
  put_u32(img, 28);
  put_u32(lab, 0x801);
  put_u32(lab, n);
  uint32_t state = 12345;
  for (uint32_t i = 0; i < n; ++i) {
    const int k = static_cast<int>(i % 10);
    std::vector<char> px(784);
    for (int p = 0; p < 784; ++p) {
      state = state * 1664525u + 1013904223u;
      px[static_cast<size_t>(p)] = static_cast<char>((state >> 24) % 60);
    }
    for (int c = 4; c < 24; ++c)
      px[static_cast<size_t>((2 * k + 4) * 28 + c)] = static_cast<char>(220);
    img.write(px.data(), 784);
    lab.put(static_cast<char>(k));
  }
}

// Starts the CLI with `args` (split on spaces), output discarded; returns its pid.
pid_t spawn(const std::string& args) {
  std::vector<std::string> words{INKSTONE_CLI_PATH};
  std::istringstream in(args);
  for (std::string w; in >> w;) words.push_back(w);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, 0);
    ::dup2(null, 1);
    ::dup2(null, 2);
    std::vector<char*> argv;
    for (std::string& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

TEST(Resume, KilledRunResumesToAByteIdenticalModel) {
  const fs::path root = fs::path(INKSTONE_TEST_TMP) / ("resume_" + std::to_string(::getpid()));
  fs::remove_all(root);
  write_split(root / "data" / "mnist", "train", 4000);
  write_split(root / "data" / "mnist", "t10k", 500);
  const std::string common =
      "--threads 2 train --dataset mnist --model seed-cnn --epochs 6 --batch-size 32 "
      "--no-download --validation-split 0.1 --augment shift=1,rotate=5 --early-stopping 5 "
      "--lr-schedule cosine:warmup=1 --data " +
      (root / "data").string();

  // Uninterrupted.
  const auto full = run_cli(common + " --save " + (root / "full.inks").string());
  ASSERT_EQ(full.code, 0) << full.err;

  // Killed with SIGKILL once epoch 2's checkpoint exists (during epoch 3).
  const fs::path ck = root / "ck";
  const pid_t pid = spawn(common + " --checkpoint-dir " + ck.string());
  ASSERT_GT(pid, 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
  while (!fs::exists(ck / "epoch-002.inks") && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the run ended before it could be killed";

  // Every checkpoint left behind is complete (the loader checks sizes and the CRC).
  int checkpoints = 0;
  for (const auto& entry : fs::directory_iterator(ck)) {
    if (entry.path().extension() != ".inks") continue;
    ++checkpoints;
    const auto s = run_cli("summary " + entry.path().string());
    EXPECT_EQ(s.code, 0) << entry.path() << ": " << s.err;
  }
  EXPECT_GE(checkpoints, 3);  // epoch-001, epoch-002, last (and best)

  // Resumed from the last checkpoint, which is at least epoch 2's.
  const auto resumed =
      run_cli(common + " --checkpoint-dir " + ck.string() + " --resume " +
              (ck / "last.inks").string() + " --save " + (root / "resumed.inks").string());
  ASSERT_EQ(resumed.code, 0) << resumed.err;
  EXPECT_NE(resumed.out.find("Resuming from"), std::string::npos) << resumed.out;
  EXPECT_EQ(resumed.out.find("Epoch 1/6"), std::string::npos) << resumed.out;
  const std::string a = testing::read_text((root / "full.inks").string());
  EXPECT_GT(a.size(), 100000u);
  EXPECT_TRUE(a == testing::read_text((root / "resumed.inks").string()))
      << "the resumed model differs from the uninterrupted one";

  // Other options than the checkpoint's are refused with a clear message.
  const auto other = run_cli(common + " --seed 9 --resume " + (ck / "last.inks").string());
  EXPECT_EQ(other.code, 1);
  EXPECT_NE(other.err.find("seed"), std::string::npos) << other.err;
  fs::remove_all(root);
}

}  // namespace
}  // namespace inkstone
