// Timers on a boost::asio event loop. Deadlines are on the injected clock;
// the loop waits the same span of its own steady time.

#ifndef TESSERA_AGENT_SUPERVISOR_ASIO_TIMER_FACTORY_H_
#define TESSERA_AGENT_SUPERVISOR_ASIO_TIMER_FACTORY_H_

#include <memory>

#include <boost/asio/io_context.hpp>

#include "agent/supervisor/timer.h"
#include "base/clock.h"

namespace tessera::agent {

class AsioTimerFactory final : public TimerFactory {
 public:
  // Not owned: `loop` and `clock` must outlive every timer made.
  AsioTimerFactory(boost::asio::io_context& loop, const Clock& clock);

  std::unique_ptr<Timer> MakeTimer() override;

 private:
  boost::asio::io_context& loop_;
  const Clock& clock_;
};

}  // namespace tessera::agent

#endif  // TESSERA_AGENT_SUPERVISOR_ASIO_TIMER_FACTORY_H_
