// LibfprintReader: the fingerprint module of a Linux board, through libfprint-2 (the first
// reader it finds that can identify). libfprint runs its own GLib main loop, on a thread
// of this class: every libfprint call is made there, and results are posted to the core's
// io_context, where listeners and enrolments hear them, as the HAL requires.
//
// The reader identifies continuously against the enrolled prints (one identify per
// finger, armed again after each); set_enrolled() and enrol() cancel the identify in
// progress first, because a reader does one operation at a time. Templates are libfprint's
// serialized prints ("FP3..."); prints of another reader or driver are skipped (they can
// never match). See docs/plans/libfprint-backend.md for libfprint's behaviour.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "hal/fingerprint_reader.h"

namespace vto::hal::linux_backend {

class LibfprintReader final : public FingerprintReader {
 public:
  // Starts the GLib thread, finds and opens the reader. Without one the reader stays
  // inert (logged); available() says whether it is in use.
  explicit LibfprintReader(boost::asio::io_context& io);
  ~LibfprintReader() override;
  LibfprintReader(const LibfprintReader&) = delete;
  LibfprintReader& operator=(const LibfprintReader&) = delete;

  void set_enrolled(std::vector<EnrolledPrint> prints) override;
  ListenerId add_listener(Listener fn) override { return listeners_.add(std::move(fn)); }
  void remove_listener(ListenerId id) override { listeners_.remove(id); }
  void enrol(EnrolDone done) override;
  void cancel_enrol() override;

  // The reader's driver and name once open ("virtual_device_storage: ..."), empty before.
  std::string description() const;

  struct Glib;  // the state owned by the GLib thread

 private:
  boost::asio::io_context& io_;
  Listeners<const FingerScan&> listeners_;
  std::shared_ptr<Glib> glib_;
};

}  // namespace vto::hal::linux_backend
