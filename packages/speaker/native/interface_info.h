// Interface facts read through ioctl on a socket of the caller's network namespace,
// which stays right even when /sys belongs to another namespace (nsenter --net).
#pragma once

#include <napi.h>

namespace ironlb {

// interfaceInfo(name) -> { name, ifindex, mac: Buffer, hwType, flags, mtu }
Napi::Value InterfaceInfo(const Napi::CallbackInfo& info);

}  // namespace ironlb
