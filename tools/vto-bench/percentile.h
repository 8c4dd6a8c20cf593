// The p-th percentile (0..100, nearest rank) of a set of samples; 0 for none.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace vto::bench {

inline double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto idx = static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(idx, v.size() - 1)];
}

}  // namespace vto::bench
