#include "interface_info.h"

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "errno_error.h"

namespace ironlb {

Napi::Value InterfaceInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    Napi::TypeError::New(env, "interfaceInfo(name: string)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string name = info[0].As<Napi::String>().Utf8Value();
  if (name.empty() || name.size() >= IFNAMSIZ) {
    ErrnoError(env, ENODEV, "interfaceInfo", name).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  // An AF_UNIX socket needs no capability, its ioctls fall through to dev_ioctl in the
  // socket's namespace, and closing it is cheap (unlike AF_PACKET).
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    ErrnoError(env, errno, "socket", name).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  struct ifreq ifr;
  std::memset(&ifr, 0, sizeof ifr);
  std::memcpy(ifr.ifr_name, name.data(), name.size());

  Napi::Object out = Napi::Object::New(env);
  out.Set("name", name);
  const char* failed = nullptr;
  int err = 0;
  if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
    failed = "ioctl(SIOCGIFINDEX)";
    err = errno;
  } else {
    out.Set("ifindex", Napi::Number::New(env, ifr.ifr_ifindex));
    if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
      failed = "ioctl(SIOCGIFHWADDR)";
      err = errno;
    } else {
      out.Set("hwType", Napi::Number::New(env, ifr.ifr_hwaddr.sa_family));
      out.Set("mac", Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<uint8_t*>(ifr.ifr_hwaddr.sa_data), 6));
      if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
        failed = "ioctl(SIOCGIFFLAGS)";
        err = errno;
      } else {
        out.Set("flags", Napi::Number::New(env, static_cast<uint16_t>(ifr.ifr_flags)));
        if (ioctl(fd, SIOCGIFMTU, &ifr) < 0) {
          failed = "ioctl(SIOCGIFMTU)";
          err = errno;
        } else {
          out.Set("mtu", Napi::Number::New(env, ifr.ifr_mtu));
        }
      }
    }
  }
  close(fd);
  if (failed != nullptr) {
    ErrnoError(env, err, failed, name).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  return out;
}

}  // namespace ironlb
