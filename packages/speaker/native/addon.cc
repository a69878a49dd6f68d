// ironlb_packet: AF_PACKET sockets for the speaker (packet-layer.md). Linux only.
#include <napi.h>

#include "fd_closer.h"
#include "interface_info.h"
#include "raw_socket.h"

namespace ironlb {

// stats() -> { liveSockets, pendingCloses }: lets tests prove nothing leaks.
static Napi::Value Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("liveSockets", Napi::Number::New(env, static_cast<double>(RawSocket::LiveCount())));
  out.Set("pendingCloses", Napi::Number::New(env, static_cast<double>(PendingCloses())));
  return out;
}

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("RawSocket", RawSocket::Define(env));
  exports.Set("interfaceInfo", Napi::Function::New(env, InterfaceInfo, "interfaceInfo"));
  exports.Set("stats", Napi::Function::New(env, Stats, "stats"));
  return exports;
}

}  // namespace ironlb

// NODE_API_MODULE pastes the init function's name into an identifier, so it must be unqualified.
static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return ironlb::Init(env, exports); }

NODE_API_MODULE(ironlb_packet, InitModule)
