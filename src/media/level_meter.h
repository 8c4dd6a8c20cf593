// The loudness of 16-bit PCM as it streams: the RMS of each window of samples, in dBFS.
// Fed from a GStreamer thread, read from any; internal to src/media.
#pragma once

#include <gst/gst.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <mutex>

namespace vto::media {

inline constexpr double kSilenceDb = -127;  // what a window of zeros (or nothing) reads

class LevelMeter {
 public:
  // Adds the S16 samples of `buffer`, a window of `window_samples`; returns how many it had.
  std::size_t add(GstBuffer* buffer, std::uint64_t window_samples) {
    GstMapInfo map;
    if (!gst_buffer_map(buffer, &map, GST_MAP_READ)) return 0;
    const std::size_t count = map.size / sizeof(std::int16_t);
    double sum = 0;
    for (std::size_t i = 0; i < count; ++i) {
      std::int16_t sample;
      std::memcpy(&sample, map.data + i * sizeof sample, sizeof sample);
      sum += static_cast<double>(sample) * sample;
    }
    gst_buffer_unmap(buffer, &map);
    add_sum(sum, count, window_samples);
    return count;
  }

  // The same for samples already in memory.
  void add(const std::int16_t* samples, std::size_t count, std::uint64_t window_samples) {
    double sum = 0;
    for (std::size_t i = 0; i < count; ++i) sum += static_cast<double>(samples[i]) * samples[i];
    add_sum(sum, count, window_samples);
  }

  void reset() {
    std::lock_guard lock(mutex_);
    window_sum_ = 0;
    window_samples_ = 0;
    level_.store(kSilenceDb);
  }

  double level_db() const { return level_.load(); }  // the last complete window
  double peak_db() const { return peak_.load(); }    // the loudest window so far

 private:
  void add_sum(double sum, std::size_t count, std::uint64_t window_samples) {
    std::lock_guard lock(mutex_);
    window_sum_ += sum;
    window_samples_ += count;
    if (window_samples_ >= window_samples) {
      const double mean = window_sum_ / static_cast<double>(window_samples_);
      const double db =
          mean > 0 ? std::max(kSilenceDb, 10 * std::log10(mean / (32768.0 * 32768.0))) : kSilenceDb;
      level_.store(db);
      if (db > peak_.load()) peak_.store(db);
      window_sum_ = 0;
      window_samples_ = 0;
    }
  }

  std::mutex mutex_;
  double window_sum_ = 0;
  std::uint64_t window_samples_ = 0;
  std::atomic<double> level_{kSilenceDb};
  std::atomic<double> peak_{kSilenceDb};
};

}  // namespace vto::media
