// Errors thrown to JS carry the errno name as `code` (e.g. 'EPERM'), the negative errno
// as `errno` (Node's SystemError convention), the failing `syscall` and the interface.
#pragma once

#include <napi.h>

#include <string>

namespace ironlb {

Napi::Error ErrnoError(Napi::Env env, int err, const char* syscall, const std::string& iface);

}  // namespace ironlb
