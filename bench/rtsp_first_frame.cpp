// bin/bench_rtsp_first_frame URL USER PASSWORD [RUNS]: how long an RTSP viewer waits for its
// first decoded frame. Each run starts a GStreamer client (rtspsrc over TCP, digest
// credentials → rtph264depay → avdec_h264 → fakesink) and times, on the monotonic clock,
//   connect: pipeline start (OPTIONS, DESCRIBE, SETUP, PLAY all to come) → first frame;
//   play:    the SDP received (DESCRIBE answered; SETUP and PLAY follow) → first frame,
// an upper bound of PLAY → first frame. Prints each run and p50/p95/max with a SUMMARY line.
// Loopback only: the URL is the caller's vtod.
#include <gst/gst.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Run {
  Clock::time_point started;
  std::atomic<long long> sdp_ns{0};
  std::atomic<long long> frame_ns{0};
};

long long since(const Run& r) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - r.started).count();
}

void on_sdp(GstElement*, gpointer, gpointer data) {
  auto* r = static_cast<Run*>(data);
  long long zero = 0;
  r->sdp_ns.compare_exchange_strong(zero, since(*r));
}

void on_frame(GstElement*, GstBuffer*, GstPad*, gpointer data) {
  auto* r = static_cast<Run*>(data);
  long long zero = 0;
  r->frame_ns.compare_exchange_strong(zero, since(*r));
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s URL USER PASSWORD [RUNS]\n", argv[0]);
    return 2;
  }
  const std::string url = argv[1];
  if (url.rfind("rtsp://127.", 0) != 0) {
    std::fprintf(stderr, "loopback URLs only (rtsp://127.x.x.x:PORT/...)\n");
    return 2;
  }
  const int runs = argc > 4 ? std::max(1, std::atoi(argv[4])) : 20;
  gst_init(nullptr, nullptr);
  std::vector<double> connect_ms, play_ms;
  for (int i = 0; i < runs; ++i) {
    GError* error = nullptr;
    GstElement* pipeline = gst_parse_launch(
        "rtspsrc name=src protocols=tcp latency=0 ! rtph264depay ! avdec_h264 "
        "! fakesink name=out signal-handoffs=true sync=false",
        &error);
    if (!pipeline) {
      std::fprintf(stderr, "pipeline: %s\n", error ? error->message : "?");
      return 1;
    }
    Run run;
    GstElement* src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
    g_object_set(src, "location", url.c_str(), "user-id", argv[2], "user-pw", argv[3], nullptr);
    g_signal_connect(src, "on-sdp", G_CALLBACK(on_sdp), &run);
    GstElement* out = gst_bin_get_by_name(GST_BIN(pipeline), "out");
    g_signal_connect(out, "handoff", G_CALLBACK(on_frame), &run);
    run.started = Clock::now();
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (run.frame_ns.load() == 0 && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(src);
    gst_object_unref(out);
    gst_object_unref(pipeline);
    if (run.frame_ns.load() == 0) {
      std::printf("run %d: no frame within 10 s\n", i + 1);
      return 1;
    }
    const double c = static_cast<double>(run.frame_ns.load()) / 1e6;
    const double p = static_cast<double>(run.frame_ns.load() - run.sdp_ns.load()) / 1e6;
    connect_ms.push_back(c);
    play_ms.push_back(p);
    std::printf("run %d: connect -> first frame %.1f ms, SDP -> first frame %.1f ms\n", i + 1, c,
                p);
    std::fflush(stdout);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  std::printf("connect -> first frame: p50 %.1f ms, p95 %.1f ms, max %.1f ms\n",
              percentile(connect_ms, 0.5), percentile(connect_ms, 0.95),
              *std::max_element(connect_ms.begin(), connect_ms.end()));
  std::printf(
      "SUMMARY rtsp-play-to-first-frame-p95-ms %.1f (goal < 500; DESCRIBE answered -> "
      "first decoded frame, p50 %.1f, max %.1f, %d runs)\n",
      percentile(play_ms, 0.95), percentile(play_ms, 0.5),
      *std::max_element(play_ms.begin(), play_ms.end()), runs);
  return 0;
}
