#include "errno_error.h"

#include <uv.h>

#include <cerrno>
#include <cstring>

namespace ironlb {

Napi::Error ErrnoError(Napi::Env env, int err, const char* syscall, const std::string& iface) {
  // libuv's error codes are -errno on Unix, so uv_err_name gives the symbolic name
  // without depending on glibc's strerrorname_np.
  const char* name = uv_err_name(-err);
  std::string msg = std::string(syscall) + " on " + iface + ": " + std::strerror(err) + " (" + name + ")";
  if (err == EPERM || err == EACCES) {
    // The one operational mistake everybody makes: say exactly what is missing.
    msg += "; CAP_NET_RAW is required to open AF_PACKET sockets (run the speaker with hostNetwork and the NET_RAW capability)";
  }
  Napi::Error e = Napi::Error::New(env, msg);
  e.Set("code", Napi::String::New(env, name));
  e.Set("errno", Napi::Number::New(env, -err));
  e.Set("syscall", Napi::String::New(env, syscall));
  e.Set("iface", Napi::String::New(env, iface));
  return e;
}

}  // namespace ironlb
