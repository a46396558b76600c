// A clean shutdown on SIGTERM/SIGINT for a process that runs the control
// thread: the signals are blocked and read from a signalfd the loop watches, so
// "stop" happens on the loop's thread between two iterations (the socket file is
// removed, state is already on disk), never inside a signal handler.
//
// Construct it in main() before starting any other thread: threads inherit the
// blocked mask, and a thread that does not block the signal would take it and
// die with the default action instead.
#pragma once

#include <signal.h>

#include <initializer_list>

#include "control/control_thread/control_thread.hh"

namespace sstpgw::control_thread {

class stop_on_signals {
 public:
  // Throws std::runtime_error if the signalfd cannot be made.
  explicit stop_on_signals(control_thread& loop, std::initializer_list<int> signals = {SIGTERM, SIGINT});
  ~stop_on_signals();
  stop_on_signals(const stop_on_signals&) = delete;
  stop_on_signals& operator=(const stop_on_signals&) = delete;

  // The signal that stopped the loop, 0 if none yet.
  int received() const { return received_; }

 private:
  control_thread& loop_;
  sigset_t set_{};
  sigset_t old_{};
  int fd_ = -1;
  int received_ = 0;
};

}  // namespace sstpgw::control_thread
