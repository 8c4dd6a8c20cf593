#include "hal/linux/libfprint_reader.h"

#include <fprint.h>

#include <atomic>
#include <boost/asio/post.hpp>
#include <mutex>
#include <optional>
#include <thread>

#include "core/log.h"

namespace vto::hal::linux_backend {

struct LibfprintReader::Glib {
  enum class State { Starting, Idle, Identifying, Enrolling, Dead };

  boost::asio::io_context& io;
  std::shared_ptr<std::atomic<bool>> alive = std::make_shared<std::atomic<bool>>(true);
  std::function<void(const FingerScan&)> emit;  // runs on the core thread
  std::shared_ptr<spdlog::logger> log = core::logger("hal");

  // Touched on the GLib thread only.
  GMainLoop* loop = nullptr;
  FpContext* ctx = nullptr;
  FpDevice* dev = nullptr;
  GCancellable* cancel = nullptr;
  State state = State::Starting;
  std::vector<std::pair<FpPrint*, std::uint64_t>> gallery;
  std::optional<std::vector<EnrolledPrint>> pending_gallery;
  EnrolDone enrol_waiting;  // asked for, not started (identify is being cancelled)
  EnrolDone enrolling;      // the enrolment running
  bool stopping = false;

  std::thread thread;
  mutable std::mutex mutex;
  std::string description;  // under `mutex`

  explicit Glib(boost::asio::io_context& io_context) : io(io_context) {}

  // Runs `fn` on the core thread, unless the reader is gone by then.
  void post(std::function<void()> fn) {
    boost::asio::post(io, [alive = alive, fn = std::move(fn)] {
      if (*alive) fn();
    });
  }
  void post_enrol_result(EnrolDone done, Result<std::vector<std::uint8_t>> r) {
    if (!done) return;
    post([done = std::move(done), r = std::move(r)]() mutable { done(std::move(r)); });
  }

  // Runs `fn` on the GLib thread.
  static void invoke(std::function<void()> fn) {
    g_main_context_invoke_full(
        nullptr, G_PRIORITY_DEFAULT,
        [](gpointer data) -> gboolean {
          (*static_cast<std::function<void()>*>(data))();
          return G_SOURCE_REMOVE;
        },
        new std::function<void()>(std::move(fn)),
        [](gpointer data) { delete static_cast<std::function<void()>*>(data); });
  }

  void run() {
    loop = g_main_loop_new(nullptr, FALSE);
    ctx = fp_context_new();
    GPtrArray* devices = fp_context_get_devices(ctx);
    for (guint i = 0; devices != nullptr && i < devices->len; ++i) {
      auto* d = static_cast<FpDevice*>(g_ptr_array_index(devices, i));
      if (fp_device_has_feature(d, FP_DEVICE_FEATURE_IDENTIFY)) {
        dev = d;
        break;
      }
    }
    if (dev == nullptr) {
      log->warn("fingerprint module: libfprint finds no reader that can identify");
      state = State::Dead;
    } else {
      {
        std::lock_guard lock(mutex);
        description = std::string(fp_device_get_driver(dev)) + ": " + fp_device_get_name(dev);
      }
      fp_device_open(dev, nullptr, &Glib::on_open, this);
    }
    g_main_loop_run(loop);
    // The loop ended (shutdown): let go of libfprint's objects on its own thread.
    for (auto& [print, id] : gallery) g_object_unref(print);
    gallery.clear();
    if (cancel != nullptr) g_object_unref(cancel);
    g_object_unref(ctx);
    g_main_loop_unref(loop);
  }

  static void on_open(GObject*, GAsyncResult* res, gpointer data) {
    auto* g = static_cast<Glib*>(data);
    GError* error = nullptr;
    if (!fp_device_open_finish(g->dev, res, &error)) {
      g->log->error("fingerprint module: cannot open {}: {}", g->description_copy(),
                    error->message);
      g_error_free(error);
      g->dev = nullptr;
      g->state = State::Dead;
      if (g->stopping) g_main_loop_quit(g->loop);
      return;
    }
    g->log->info("fingerprint module: {} open, {} enrolment stage(s)", g->description_copy(),
                 fp_device_get_nr_enroll_stages(g->dev));
    g->state = State::Idle;
    g->next();
  }

  std::string description_copy() const {
    std::lock_guard lock(mutex);
    return description;
  }

  // What the reader does next, once nothing runs: stop, take the new prints, enrol, or
  // identify the next finger.
  void next() {
    if (stopping) return close();
    if (state == State::Dead || dev == nullptr) return;
    state = State::Idle;
    if (pending_gallery) apply_gallery();
    if (enrol_waiting) return start_enrol();
    identify();
  }

  void new_cancellable() {
    if (cancel != nullptr) g_object_unref(cancel);
    cancel = g_cancellable_new();
  }

  void apply_gallery() {
    for (auto& [print, id] : gallery) g_object_unref(print);
    gallery.clear();
    std::size_t skipped = 0;
    for (const EnrolledPrint& p : *pending_gallery) {
      const auto& t = p.template_data;
      // fp_print_deserialize asserts on 3 bytes or fewer: only libfprint's own form here.
      if (t.size() <= 3 || t[0] != 'F' || t[1] != 'P' || t[2] != '3') {
        ++skipped;
        continue;
      }
      GError* error = nullptr;
      FpPrint* print = fp_print_deserialize(t.data(), t.size(), &error);
      if (print == nullptr) {
        g_error_free(error);
        ++skipped;
        continue;
      }
      if (!fp_print_compatible(print, dev)) {  // another reader's: it can never match
        g_object_unref(print);
        ++skipped;
        continue;
      }
      gallery.emplace_back(print, p.id);
    }
    pending_gallery.reset();
    log->info("fingerprint module: {} enrolled print(s){}", gallery.size(),
              skipped ? ", " + std::to_string(skipped) + " of another reader skipped" : "");
  }

  void identify() {
    state = State::Identifying;
    new_cancellable();
    GPtrArray* prints = g_ptr_array_new();
    for (auto& [print, id] : gallery) g_ptr_array_add(prints, print);
    fp_device_identify(dev, prints, cancel, &Glib::on_match, this, nullptr, &Glib::on_identified,
                       this);
    g_ptr_array_unref(prints);  // libfprint keeps its own copy
  }

  static void on_match(FpDevice*, FpPrint* match, FpPrint*, gpointer data, GError* error) {
    auto* g = static_cast<Glib*>(data);
    if (error != nullptr) {  // a bad scan: the sensor asks for the finger again
      g->log->info("fingerprint module: {}", error->message);
      return;
    }
    FingerScan scan;
    for (const auto& [print, id] : g->gallery) {
      if (print == match) scan.match = id;
    }
    g->post([g, scan] { g->emit(scan); });
  }

  static void on_identified(GObject*, GAsyncResult* res, gpointer data) {
    auto* g = static_cast<Glib*>(data);
    GError* error = nullptr;
    FpPrint* match = nullptr;
    fp_device_identify_finish(g->dev, res, &match, nullptr, &error);
    if (match != nullptr) g_object_unref(match);
    g->state = State::Idle;
    if (error == nullptr || g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
        error->domain == FP_DEVICE_RETRY) {
      if (error != nullptr) g_error_free(error);
      g_idle_add(
          [](gpointer d) -> gboolean {
            static_cast<Glib*>(d)->next();
            return G_SOURCE_REMOVE;
          },
          g);
      return;
    }
    if (g_error_matches(error, FP_DEVICE_ERROR, FP_DEVICE_ERROR_REMOVED)) {
      g->log->error("fingerprint module: the reader is gone");
      g_error_free(error);
      g->state = State::Dead;
      g->dev = nullptr;
      g->post_enrol_result(std::move(g->enrol_waiting),
                           make_error("the fingerprint reader is gone", Errc::Unavailable));
      if (g->stopping) g_main_loop_quit(g->loop);
      return;
    }
    g->log->warn("fingerprint module: {}; again in 1 s", error->message);
    g_error_free(error);
    g_timeout_add_seconds(
        1,
        [](gpointer d) -> gboolean {
          static_cast<Glib*>(d)->next();
          return G_SOURCE_REMOVE;
        },
        g);
  }

  void start_enrol() {
    state = State::Enrolling;
    enrolling = std::move(enrol_waiting);
    enrol_waiting = nullptr;
    new_cancellable();
    FpPrint* tmpl = fp_print_new(dev);
    fp_print_set_finger(tmpl, FP_FINGER_UNKNOWN);
    fp_print_set_username(tmpl, "vto");
    log->info("fingerprint module: enrolment started ({} touch(es))",
              fp_device_get_nr_enroll_stages(dev));
    fp_device_enroll(dev, tmpl, cancel, &Glib::on_enrol_progress, this, nullptr, &Glib::on_enrolled,
                     this);
  }

  static void on_enrol_progress(FpDevice*, gint stages, FpPrint*, gpointer data, GError* error) {
    auto* g = static_cast<Glib*>(data);
    if (error != nullptr) {
      g->log->info("fingerprint module: enrolment: {}", error->message);
    } else {
      g->log->info("fingerprint module: enrolment stage {} done", stages);
    }
  }

  static void on_enrolled(GObject*, GAsyncResult* res, gpointer data) {
    auto* g = static_cast<Glib*>(data);
    GError* error = nullptr;
    FpPrint* print = fp_device_enroll_finish(g->dev, res, &error);
    EnrolDone done = std::move(g->enrolling);
    g->enrolling = nullptr;
    if (print == nullptr) {
      const bool cancelled = g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g->post_enrol_result(
          std::move(done),
          make_error(cancelled ? std::string("enrolment cancelled")
                               : std::string("enrolment failed: ") + error->message,
                     Errc::Unavailable));
      g_error_free(error);
    } else {
      guchar* bytes = nullptr;
      gsize length = 0;
      if (fp_print_serialize(print, &bytes, &length, &error)) {
        g->post_enrol_result(std::move(done), std::vector<std::uint8_t>(bytes, bytes + length));
        g_free(bytes);
      } else {
        g->post_enrol_result(
            std::move(done),
            make_error(std::string("enrolment: ") + error->message, Errc::Unavailable));
        g_error_free(error);
      }
      g_object_unref(print);
      g->log->info("fingerprint module: enrolment done");
    }
    g->state = State::Idle;
    g->next();
  }

  // Cancels what runs; its completion calls next().
  void interrupt() {
    if ((state == State::Identifying || state == State::Enrolling) && cancel != nullptr) {
      g_cancellable_cancel(cancel);
    }
  }

  void close() {
    if (dev == nullptr || state == State::Dead) {
      g_main_loop_quit(loop);
      return;
    }
    state = State::Dead;
    fp_device_close(
        dev, nullptr,
        [](GObject*, GAsyncResult* res, gpointer d) {
          auto* g = static_cast<Glib*>(d);
          fp_device_close_finish(g->dev, res, nullptr);
          g_main_loop_quit(g->loop);
        },
        this);
  }
};

LibfprintReader::LibfprintReader(boost::asio::io_context& io)
    : io_(io), glib_(std::make_shared<Glib>(io)) {
  glib_->emit = [this](const FingerScan& scan) { listeners_.emit(scan); };
  glib_->thread = std::thread([g = glib_] { g->run(); });
}

LibfprintReader::~LibfprintReader() {
  *glib_->alive = false;
  Glib::invoke([g = glib_.get()] {
    g->stopping = true;
    if (g->state == Glib::State::Identifying || g->state == Glib::State::Enrolling) {
      g->interrupt();  // its completion closes the reader
    } else if (g->state != Glib::State::Starting) {
      g->close();
    }  // Starting: on_open sees `stopping`
  });
  glib_->thread.join();
}

void LibfprintReader::set_enrolled(std::vector<EnrolledPrint> prints) {
  Glib::invoke([g = glib_.get(), prints = std::move(prints)]() mutable {
    g->pending_gallery = std::move(prints);
    if (g->state == Glib::State::Identifying) g->interrupt();
  });
}

void LibfprintReader::enrol(EnrolDone done) {
  Glib::invoke([g = glib_.get(), done = std::move(done)]() mutable {
    if (g->state == Glib::State::Dead) {
      g->post_enrol_result(std::move(done), make_error("no fingerprint reader", Errc::Unavailable));
      return;
    }
    // A new enrolment ends the one waiting (or running).
    g->post_enrol_result(std::move(g->enrol_waiting),
                         make_error("enrolment replaced", Errc::Unavailable));
    g->enrol_waiting = std::move(done);
    if (g->state == Glib::State::Identifying || g->state == Glib::State::Enrolling) {
      g->interrupt();
    } else if (g->state == Glib::State::Idle) {
      g->next();
    }
  });
}

void LibfprintReader::cancel_enrol() {
  Glib::invoke([g = glib_.get()] {
    g->post_enrol_result(std::move(g->enrol_waiting),
                         make_error("enrolment cancelled", Errc::Unavailable));
    g->enrol_waiting = nullptr;
    if (g->state == Glib::State::Enrolling) g->interrupt();
  });
}

std::string LibfprintReader::description() const {
  return glib_->description_copy();
}

}  // namespace vto::hal::linux_backend
