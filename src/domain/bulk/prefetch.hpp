// A producer on a thread of its own, running ahead of its consumer through a
// bounded queue: `batch` and `import` read and validate the next lines while
// the engine's thread writes the ones before. Items travel in blocks, so the
// threads meet once a block rather than once an item.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace dsr {

template <class T>
class Prefetch {
 public:
  // What the producer hands its items to.
  class Sink {
   public:
    void push(T&& item) {
      block_.push_back(std::move(item));
      if (block_.size() >= owner_.block_) flush();
    }
    // True once the consumer has gone: the producer should return.
    bool stopping() const { return owner_.stop_; }
    // Hands over the items pushed so far; call it before waiting for input.
    void flush() {
      if (!block_.empty()) owner_.put(std::move(block_));
      block_.clear();
    }

   private:
    friend class Prefetch;
    explicit Sink(Prefetch& owner) : owner_(owner) {}
    Prefetch& owner_;
    std::vector<T> block_;
  };

  // Runs produce(sink) on a new thread; at most `blocks` blocks of `block`
  // items wait for the consumer, so memory stays bounded.
  Prefetch(size_t block, size_t blocks, std::function<void(Sink&)> produce) : block_(block), blocks_(blocks) {
    thread_ = std::thread([this, produce = std::move(produce)] {
      Sink sink(*this);
      std::exception_ptr error;
      try {
        produce(sink);
      } catch (const Stopped&) {
      } catch (...) {
        error = std::current_exception();  // handed on after the items pushed before it
      }
      try {
        sink.flush();
      } catch (const Stopped&) {
      }
      {
        std::lock_guard<std::mutex> lock(mu_);
        error_ = error;
        done_ = true;
      }
      cv_.notify_all();
    });
  }
  Prefetch(const Prefetch&) = delete;
  Prefetch& operator=(const Prefetch&) = delete;
  // Stops the producer at its next hand-over (or when its input ends) and waits for it.
  ~Prefetch() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  // The next item in order, valid until the next call; nullptr at the end.
  // Rethrows what the producer threw. Spent blocks go back to the producer's
  // thread to be destroyed: memory is freed by the thread that allocated it
  // (freeing another thread's memory contends for its allocator's lock).
  T* next() {
    if (pos_ == current_.size()) {
      std::unique_lock<std::mutex> lock(mu_);
      if (!current_.empty()) spent_.push_back(std::move(current_));
      current_.clear();
      pos_ = 0;
      cv_.wait(lock, [&] { return !queue_.empty() || done_; });
      if (queue_.empty()) {
        if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
        return nullptr;
      }
      current_ = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      cv_.notify_all();
    }
    return &current_[pos_++];
  }
  // The item next() returns next if it is in the block at hand (else nullptr):
  // for a look ahead, such as a memory prefetch. Valid as next()'s result is.
  const T* peek() const { return pos_ < current_.size() ? &current_[pos_] : nullptr; }

 private:
  struct Stopped {};
  void put(std::vector<T>&& block) {
    std::deque<std::vector<T>> spent;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return queue_.size() < blocks_ || stop_; });
      if (stop_) throw Stopped{};
      queue_.push_back(std::move(block));
      spent.swap(spent_);
    }
    cv_.notify_all();
  }  // the spent blocks are destroyed here, on the producer's thread

  const size_t block_, blocks_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::vector<T>> queue_;
  std::deque<std::vector<T>> spent_;  // consumed, waiting to be destroyed by the producer
  bool done_ = false;
  std::atomic<bool> stop_ = false;
  std::exception_ptr error_;
  std::vector<T> current_;  // the consumer's block
  size_t pos_ = 0;
  std::thread thread_;      // last: starts once everything above exists
};

}  // namespace dsr
