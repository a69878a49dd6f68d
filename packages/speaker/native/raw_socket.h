// One AF_PACKET SOCK_RAW socket bound to one interface and one ethertype, read through
// the Node event loop with uv_poll (packet-layer.md, "Sockets").
#pragma once

#include <napi.h>
#include <uv.h>

#include <string>

namespace ironlb {

class RawSocket;

// The part of a socket that must outlive the JS object until libuv has finished closing
// the poll handle; freed in the uv_close callback.
struct SocketCore {
  uv_poll_t poll;
  int fd = -1;
  napi_async_cleanup_hook_handle hook = nullptr;
  RawSocket* owner = nullptr;
  std::string iface;
  bool closing = false;
  // POLLERR wake-ups in a row that found no socket error, nothing on the error queue and
  // no frame (OnPoll): bounded, so an error we cannot see or clear never spins the loop.
  int empty_error_wakes = 0;
};

class RawSocket : public Napi::ObjectWrap<RawSocket> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit RawSocket(const Napi::CallbackInfo& info);
  ~RawSocket() override;

  // Number of sockets whose poll handle has not finished closing (all environments).
  static size_t LiveCount();

 private:
  Napi::Value Send(const Napi::CallbackInfo& info);
  Napi::Value AddMembership(const Napi::CallbackInfo& info);
  Napi::Value DropMembership(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value JsRef(const Napi::CallbackInfo& info);
  Napi::Value JsUnref(const Napi::CallbackInfo& info);
  Napi::Value EnableTxTimestamps(const Napi::CallbackInfo& info);
  Napi::Value Membership(const Napi::CallbackInfo& info, bool add);

  static void OnPoll(uv_poll_t* handle, int status, int events);
  static void OnEnvCleanup(napi_async_cleanup_hook_handle handle, void* arg);
  static void OnPollClosed(uv_handle_t* handle);
  static void Shutdown(SocketCore* core);

  int ReadFrames();
  static void OnPollError(SocketCore* core, int status);
  void ReportError(int err, const char* syscall, bool stopped = false);
  bool CallJs(Napi::FunctionReference& fn, std::initializer_list<napi_value> args);

  SocketCore* core_ = nullptr;
  Napi::FunctionReference on_frame_;
  Napi::FunctionReference on_error_;
  Napi::AsyncContext* async_context_ = nullptr;
  std::string iface_;
  int ifindex_ = 0;
  bool self_ref_ = false;
};

}  // namespace ironlb
