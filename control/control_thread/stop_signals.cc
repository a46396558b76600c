#include "control/control_thread/stop_signals.hh"

#include <poll.h>
#include <pthread.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "dataplane/common/log.hh"

namespace sstpgw::control_thread {

stop_on_signals::stop_on_signals(control_thread& loop, std::initializer_list<int> signals) : loop_(loop) {
  sigemptyset(&set_);
  for (int s : signals) sigaddset(&set_, s);
  if (int rc = ::pthread_sigmask(SIG_BLOCK, &set_, &old_); rc != 0)
    throw std::runtime_error(std::string("blocking stop signals: ") + std::strerror(rc));
  fd_ = ::signalfd(-1, &set_, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd_ < 0) {
    const int err = errno;
    ::pthread_sigmask(SIG_SETMASK, &old_, nullptr);
    throw std::runtime_error(std::string("signalfd: ") + std::strerror(err));
  }
  loop_.watch_fd(fd_, POLLIN, [this](short) {
    signalfd_siginfo si{};
    while (::read(fd_, &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
      received_ = static_cast<int>(si.ssi_signo);
      log(log_level::info, "control", "{} received: shutting down", ::sigabbrev_np(received_));
      loop_.request_stop();
    }
  });
}

stop_on_signals::~stop_on_signals() {
  loop_.unwatch_fd(fd_);
  ::close(fd_);
  ::pthread_sigmask(SIG_SETMASK, &old_, nullptr);
}

}  // namespace sstpgw::control_thread
