// Driver for fuzz targets in builds without libFuzzer: replays every corpus file,
// then mutates corpus entries (bit flips, byte sets, truncation, splicing) with a
// fixed seed for a bounded time. Deterministic, so a failure reproduces with the
// printed seed and iteration.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

std::vector<std::vector<uint8_t>> load_corpus(const std::filesystem::path& dir) {
  std::vector<std::vector<uint8_t>> corpus;
  if (!std::filesystem::is_directory(dir)) return corpus;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    corpus.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return corpus;
}

void mutate(std::vector<uint8_t>& buf, const std::vector<std::vector<uint8_t>>& corpus,
            std::mt19937_64& rng) {
  const int rounds = 1 + static_cast<int>(rng() % 4);
  for (int r = 0; r < rounds; ++r) {
    switch (rng() % 6) {
      case 0:  // flip a bit
        if (!buf.empty()) buf[rng() % buf.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
        break;
      case 1:  // set an interesting byte
        if (!buf.empty()) {
          static constexpr uint8_t kInteresting[] = {0x00, 0x01, 0x7f, 0x80, 0xff, 0x10, 0x0f};
          buf[rng() % buf.size()] = kInteresting[rng() % sizeof kInteresting];
        }
        break;
      case 2:  // truncate
        if (!buf.empty()) buf.resize(rng() % buf.size());
        break;
      case 3:  // insert random bytes
        if (buf.size() < 1 << 20) {
          size_t at = buf.empty() ? 0 : rng() % buf.size();
          size_t n = 1 + rng() % 16;
          std::vector<uint8_t> ins(n);
          for (auto& b : ins) b = static_cast<uint8_t>(rng());
          buf.insert(buf.begin() + static_cast<std::ptrdiff_t>(at), ins.begin(), ins.end());
        }
        break;
      case 4:  // splice the tail of another entry
        if (!corpus.empty()) {
          const auto& other = corpus[rng() % corpus.size()];
          if (!other.empty()) {
            size_t from = rng() % other.size();
            buf.resize(buf.empty() ? 0 : rng() % buf.size());
            buf.insert(buf.end(), other.begin() + static_cast<std::ptrdiff_t>(from), other.end());
          }
        }
        break;
      default:  // overwrite a 16-bit field with an extreme value
        if (buf.size() >= 2) {
          size_t at = rng() % (buf.size() - 1);
          uint16_t v = (rng() & 1) ? 0xffff : static_cast<uint16_t>(rng() % 64);
          buf[at] = static_cast<uint8_t>(v >> 8);
          buf[at + 1] = static_cast<uint8_t>(v);
        }
        break;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 0;
  uint64_t seed = 0x5eed5eedULL;
  std::vector<std::filesystem::path> dirs;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--seconds") && i + 1 < argc) seconds = std::atof(argv[++i]);
    else if (!std::strcmp(argv[i], "--seed") && i + 1 < argc) seed = std::strtoull(argv[++i], nullptr, 0);
    else dirs.emplace_back(argv[i]);
  }
  std::vector<std::vector<uint8_t>> corpus;
  for (const auto& d : dirs) {
    auto c = load_corpus(d);
    corpus.insert(corpus.end(), c.begin(), c.end());
  }
  for (const auto& input : corpus) LLVMFuzzerTestOneInput(input.data(), input.size());
  std::printf("replayed %zu corpus inputs\n", corpus.size());
  if (corpus.empty()) corpus.push_back({});

  std::mt19937_64 rng(seed);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  uint64_t iterations = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    for (int batch = 0; batch < 64; ++batch, ++iterations) {
      std::vector<uint8_t> input = corpus[rng() % corpus.size()];
      mutate(input, corpus, rng);
      LLVMFuzzerTestOneInput(input.data(), input.size());
    }
  }
  std::printf("ran %llu mutated inputs (seed 0x%llx)\n", static_cast<unsigned long long>(iterations),
              static_cast<unsigned long long>(seed));
  return 0;
}
