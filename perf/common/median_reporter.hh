// The console reporter every perf_* binary prints its ratio table from: it
// passes each run to Google Benchmark's console output and keeps, per
// benchmark, the counters of the median run (with --benchmark_repetitions=n)
// or of the single run, so main() can set a result against its same-run
// baseline after RunSpecifiedBenchmarks.
#pragma once

#include <benchmark/benchmark.h>

#include <map>
#include <string>
#include <vector>

namespace sstpgw::perf {

class median_reporter : public benchmark::ConsoleReporter {
 public:
  using counters = std::map<std::string, double>;

  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) {
      const bool median = r.run_type == Run::RT_Aggregate && r.aggregate_name == "median";
      if (r.error_occurred || (r.run_type == Run::RT_Aggregate && !median)) continue;
      row& slot = rows_[r.run_name.function_name];
      if (slot.median && !median) continue;  // a median already stands for this benchmark
      slot.median = median;
      slot.values.clear();
      for (const auto& [name, counter] : r.counters) slot.values[name] = counter.value;
    }
    ConsoleReporter::ReportRuns(runs);
  }

  // The counters of `benchmark`, or nullptr when it did not run (filtered out, failed).
  const counters* find(const std::string& benchmark) const {
    auto it = rows_.find(benchmark);
    return it == rows_.end() ? nullptr : &it->second.values;
  }

  // One counter of `benchmark`; 0 when the benchmark or the counter is missing.
  double value(const std::string& benchmark, const std::string& counter) const {
    const counters* c = find(benchmark);
    if (c == nullptr) return 0;
    auto it = c->find(counter);
    return it == c->end() ? 0 : it->second;
  }

 private:
  struct row {
    bool median = false;
    counters values;
  };
  std::map<std::string, row> rows_;
};

}  // namespace sstpgw::perf
