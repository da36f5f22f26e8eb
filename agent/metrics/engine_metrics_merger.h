// Relabels and merges the engines' expositions on a thread of its own.
//
// With 64 workers the engines' metrics are 2.5 MiB of text a scrape period;
// parsing and merging them on the agent's event loop would stall everything
// queued behind it, /metrics requests included. Here the loop hands over the
// raw bodies once per scrape round, and gets the merged text back as one
// immutable string to serve until the next round, compressed as well for
// scrapers that accept gzip.

#ifndef TESSERA_AGENT_METRICS_ENGINE_METRICS_MERGER_H_
#define TESSERA_AGENT_METRICS_ENGINE_METRICS_MERGER_H_

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>

namespace tessera::agent {

class EngineMetricsMerger {
 public:
  struct Source {
    // Added to every sample (see RelabelExposition).
    std::vector<std::pair<std::string, std::string>> labels;
    std::shared_ptr<const std::string> exposition;
  };
  struct Merged {
    std::shared_ptr<const std::string> text;
    std::shared_ptr<const std::string> gzip;  // one gzip member of `text`
    int rejected_lines = 0;                   // malformed lines skipped
  };
  // Runs on `loop` with each merge's result.
  using Publish = std::function<void(Merged merged)>;

  // `loop` must outlive the merger.
  EngineMetricsMerger(boost::asio::io_context& loop, Publish publish);
  EngineMetricsMerger(const EngineMetricsMerger&) = delete;
  EngineMetricsMerger& operator=(const EngineMetricsMerger&) = delete;
  // Joins the thread; a result not yet published is dropped.
  ~EngineMetricsMerger();

  // Merges `sources` in the background. A call while an earlier merge waits
  // to start replaces it: only the newest state is worth publishing.
  void Merge(std::vector<Source> sources);

 private:
  void Run();

  boost::asio::io_context& loop_;
  Publish publish_;
  // Cleared in the destructor; results posted to the loop check it first.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::mutex mutex_;
  std::condition_variable wake_;
  std::optional<std::vector<Source>> pending_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace tessera::agent

#endif  // TESSERA_AGENT_METRICS_ENGINE_METRICS_MERGER_H_
