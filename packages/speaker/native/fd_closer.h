// Closing an AF_PACKET socket is slow: packet_release() calls synchronize_net(), which
// waits for an RCU grace period (~12 ms measured on a 2-core VM). Doing that on the event
// loop would stall heartbeats and ARP answers while interfaces churn or the speaker shuts
// down, so fds are handed to a few background threads whose grace-period waits overlap.
#pragma once

#include <cstddef>

namespace ironlb {

// Takes ownership of `fd` and closes it off the calling thread.
void CloseFdAsync(int fd);

// Number of fds handed over and not yet closed (tests wait for it to reach 0).
size_t PendingCloses();

}  // namespace ironlb
