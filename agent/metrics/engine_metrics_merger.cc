#include "agent/metrics/engine_metrics_merger.h"

#include <boost/asio/post.hpp>

#include "agent/metrics/exposition_relabel.h"
#include "agent/metrics/gzip.h"

namespace tessera::agent {

EngineMetricsMerger::EngineMetricsMerger(boost::asio::io_context& loop, Publish publish)
    : loop_(loop), publish_(std::move(publish)), thread_([this] { Run(); }) {}

EngineMetricsMerger::~EngineMetricsMerger() {
  {
    const std::scoped_lock lock(mutex_);
    stopping_ = true;
    *alive_ = false;
  }
  wake_.notify_all();
  thread_.join();
}

void EngineMetricsMerger::Merge(std::vector<Source> sources) {
  {
    const std::scoped_lock lock(mutex_);
    pending_ = std::move(sources);
  }
  wake_.notify_one();
}

void EngineMetricsMerger::Run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || pending_.has_value(); });
    if (stopping_) return;
    std::vector<Source> sources = std::move(*pending_);
    pending_.reset();
    lock.unlock();

    std::vector<RelabelledExposition> relabelled;
    relabelled.reserve(sources.size());
    int rejected = 0;
    for (const Source& source : sources) {
      relabelled.push_back(RelabelExposition(*source.exposition, source.labels));
      rejected += relabelled.back().malformed_lines;
    }
    std::vector<const RelabelledExposition*> merged_sources;
    merged_sources.reserve(relabelled.size());
    for (const RelabelledExposition& exposition : relabelled) merged_sources.push_back(&exposition);
    Merged merged;
    merged.text = std::make_shared<const std::string>(MergeExpositions(merged_sources, nullptr));
    merged.gzip = std::make_shared<const std::string>(GzipMember(*merged.text));
    merged.rejected_lines = rejected;

    lock.lock();
    if (stopping_) return;
    boost::asio::post(loop_, [this, alive = alive_, merged = std::move(merged)] {
      // Runs on the loop, where the destructor also runs: no race on alive.
      if (*alive) publish_(merged);
    });
  }
}

}  // namespace tessera::agent
