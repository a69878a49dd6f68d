#include "fd_closer.h"

#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>

namespace ironlb {
namespace {

// Enough concurrent closers that a burst of closes shares grace periods; idle threads
// sleep on the condition variable and cost nothing.
constexpr size_t kMaxThreads = 32;
constexpr size_t kStackSize = 64 * 1024;

struct Closer {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<int> queue;
  size_t threads = 0;
  size_t idle = 0;
  std::atomic<size_t> pending{0};
};

// Deliberately leaked: detached workers may still be waiting on it while the process exits,
// and a static destructor would pull the mutex out from under them.
Closer* GetCloser() {
  static Closer* closer = new Closer();
  return closer;
}

void* Work(void* arg) {
  Closer* c = static_cast<Closer*>(arg);
  std::unique_lock<std::mutex> lock(c->mu);
  for (;;) {
    c->idle++;
    c->cv.wait(lock, [c] { return !c->queue.empty(); });
    c->idle--;
    int fd = c->queue.front();
    c->queue.pop_front();
    lock.unlock();
    // On Linux the fd is released even when close() reports EINTR, so never retry.
    close(fd);
    c->pending.fetch_sub(1);
    lock.lock();
  }
  return nullptr;
}

bool SpawnWorker(Closer* c) {
  pthread_attr_t attr;
  if (pthread_attr_init(&attr) != 0) return false;
  pthread_attr_setstacksize(&attr, kStackSize);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_t tid;
  int rc = pthread_create(&tid, &attr, Work, c);
  pthread_attr_destroy(&attr);
  return rc == 0;
}

}  // namespace

void CloseFdAsync(int fd) {
  if (fd < 0) return;
  Closer* c = GetCloser();
  std::unique_lock<std::mutex> lock(c->mu);
  c->pending.fetch_add(1);
  c->queue.push_back(fd);
  if (c->queue.size() > c->idle && c->threads < kMaxThreads) {
    if (SpawnWorker(c)) {
      c->threads++;
    } else if (c->threads == 0) {
      // No thread could be started at all: close inline rather than leak.
      c->queue.pop_back();
      c->pending.fetch_sub(1);
      lock.unlock();
      close(fd);
      return;
    }
  }
  c->cv.notify_one();
}

size_t PendingCloses() { return GetCloser()->pending.load(); }

}  // namespace ironlb
