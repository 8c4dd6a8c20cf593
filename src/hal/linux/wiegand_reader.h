// A Wiegand card reader on two GPIO lines, read through libgpiod: both lines are requested
// for falling edges (consumer "openvto") and watched on a thread of this class, because the
// kernel (libgpiod 1.6 speaks the v1 uAPI) keeps only 16 events per line and a 34-bit frame
// can put 34 edges on one line: the thread wakes at each edge and drains the queues at
// once. Edges of both lines are put in order by their kernel timestamps before they are
// decoded (wiegand.h); cards, and frames that are no card, are posted to the core thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>

#include "core/result.h"
#include "hal/linux/board_file.h"

namespace vto::hal::linux_board {

class WiegandReader {
 public:
  using OnFrame = std::function<void(const Result<std::string>& card)>;
  // Requests `d0` and `d1` and starts the thread; refused naming the line that is not there.
  static Result<std::unique_ptr<WiegandReader>> open(boost::asio::io_context& io,
                                                     const GpioLine& d0, const GpioLine& d1,
                                                     OnFrame on_frame);
  ~WiegandReader();  // stops the thread, releases the lines; no frame is heard after it
  WiegandReader(const WiegandReader&) = delete;
  WiegandReader& operator=(const WiegandReader&) = delete;

  struct State;

 private:
  explicit WiegandReader(std::shared_ptr<State> state) : state_(std::move(state)) {}
  std::shared_ptr<State> state_;
};

}  // namespace vto::hal::linux_board
