#include "raw_socket.h"

#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <linux/net_tstamp.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <vector>

#include "errno_error.h"
#include "fd_closer.h"

namespace ironlb {
namespace {

std::atomic<size_t> live_cores{0};

// A flood of frames must not starve the rest of the loop: poll is level-triggered, so
// whatever is left after this many frames wakes us again on the next iteration.
constexpr int kMaxFramesPerWake = 256;

// POLLERR wake-ups in a row with nothing to show for them (no SO_ERROR, empty error queue,
// no frame) before the socket gives up: stop polling and tell JS (onError with
// `stopped: true`) so the owner reopens it, instead of spinning the event loop.
constexpr int kMaxEmptyErrorWakes = 8;

// Reads and discards everything on the socket's error queue (MSG_ERRQUEUE), e.g. transmit
// timestamps; returns how many messages it took off. We never ask for their contents: we
// only need the queue empty, because the kernel signals POLLERR for as long as it is not.
int DrainErrorQueue(int fd) {
  int drained = 0;
  for (int i = 0; i < kMaxFramesPerWake; i++) {
    uint8_t data[256];
    uint8_t control[512];
    iovec iov{data, sizeof data};
    msghdr msg;
    std::memset(&msg, 0, sizeof msg);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n = recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;  // EAGAIN: empty
    }
    drained++;
  }
  return drained;
}

// Large enough for any frame on a 64 KiB-MTU interface (loopback); ARP and NDP are tiny.
constexpr size_t kRecvBufferSize = 65536;
thread_local uint8_t recv_buffer[kRecvBufferSize];

bool ParseFilter(Napi::Env env, Napi::Value value, std::vector<sock_filter>* out) {
  if (!value.IsArray()) {
    Napi::TypeError::New(env, "filter must be an array of {code, jt, jf, k}").ThrowAsJavaScriptException();
    return false;
  }
  Napi::Array arr = value.As<Napi::Array>();
  uint32_t n = arr.Length();
  if (n == 0 || n > BPF_MAXINSNS) {
    Napi::RangeError::New(env, "filter must have 1..4096 instructions").ThrowAsJavaScriptException();
    return false;
  }
  out->resize(n);
  for (uint32_t i = 0; i < n; i++) {
    Napi::Value v = arr.Get(i);
    if (!v.IsObject()) {
      Napi::TypeError::New(env, "filter instruction must be an object").ThrowAsJavaScriptException();
      return false;
    }
    Napi::Object ins = v.As<Napi::Object>();
    Napi::Value code = ins.Get("code"), jt = ins.Get("jt"), jf = ins.Get("jf"), k = ins.Get("k");
    if (!code.IsNumber() || !jt.IsNumber() || !jf.IsNumber() || !k.IsNumber()) {
      Napi::TypeError::New(env, "filter instruction fields code, jt, jf, k must be numbers").ThrowAsJavaScriptException();
      return false;
    }
    (*out)[i].code = static_cast<uint16_t>(code.As<Napi::Number>().Uint32Value());
    (*out)[i].jt = static_cast<uint8_t>(jt.As<Napi::Number>().Uint32Value());
    (*out)[i].jf = static_cast<uint8_t>(jf.As<Napi::Number>().Uint32Value());
    (*out)[i].k = k.As<Napi::Number>().Uint32Value();
  }
  return true;
}

}  // namespace

size_t RawSocket::LiveCount() { return live_cores.load(); }

Napi::Function RawSocket::Define(Napi::Env env) {
  return DefineClass(env, "RawSocket",
                     {
                         InstanceMethod<&RawSocket::Send>("send"),
                         InstanceMethod<&RawSocket::AddMembership>("addMembership"),
                         InstanceMethod<&RawSocket::DropMembership>("dropMembership"),
                         InstanceMethod<&RawSocket::Close>("close"),
                         InstanceMethod<&RawSocket::JsRef>("ref"),
                         InstanceMethod<&RawSocket::JsUnref>("unref"),
                         InstanceMethod<&RawSocket::EnableTxTimestamps>("enableTxTimestamps"),
                     });
}

// new RawSocket({ iface, protocol, filter?, onFrame(frame, pkttype), onError(err) })
RawSocket::RawSocket(const Napi::CallbackInfo& info) : Napi::ObjectWrap<RawSocket>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) {
    Napi::TypeError::New(env, "RawSocket(options)").ThrowAsJavaScriptException();
    return;
  }
  Napi::Object opts = info[0].As<Napi::Object>();
  Napi::Value iface = opts.Get("iface"), protocol = opts.Get("protocol");
  Napi::Value on_frame = opts.Get("onFrame"), on_error = opts.Get("onError");
  if (!iface.IsString() || !protocol.IsNumber() || !on_frame.IsFunction() || !on_error.IsFunction()) {
    Napi::TypeError::New(env, "RawSocket options need iface: string, protocol: number, onFrame and onError functions")
        .ThrowAsJavaScriptException();
    return;
  }
  iface_ = iface.As<Napi::String>().Utf8Value();
  uint32_t ethertype = protocol.As<Napi::Number>().Uint32Value();
  std::vector<sock_filter> filter;
  Napi::Value filter_value = opts.Get("filter");
  if (!filter_value.IsUndefined() && !ParseFilter(env, filter_value, &filter)) return;

  ifindex_ = static_cast<int>(if_nametoindex(iface_.c_str()));
  if (ifindex_ == 0) {
    ErrnoError(env, errno != 0 ? errno : ENODEV, "if_nametoindex", iface_).ThrowAsJavaScriptException();
    return;
  }
  // Protocol 0: the socket receives nothing until bind(), so no frame slips past the
  // filter in between (packet-layer.md).
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    ErrnoError(env, errno, "socket(AF_PACKET)", iface_).ThrowAsJavaScriptException();
    return;
  }
  auto fail = [&](const char* syscall) {
    int err = errno;
    CloseFdAsync(fd);
    ErrnoError(env, err, syscall, iface_).ThrowAsJavaScriptException();
  };
  if (!filter.empty()) {
    sock_fprog prog{static_cast<unsigned short>(filter.size()), filter.data()};
    if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) < 0) {
      fail("setsockopt(SO_ATTACH_FILTER)");
      return;
    }
  }
#ifdef PACKET_IGNORE_OUTGOING
  // Our own transmissions would otherwise come back to us; best effort (Linux >= 4.20),
  // ReadFrames also drops PACKET_OUTGOING.
  int one = 1;
  setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
#endif
  sockaddr_ll sll;
  std::memset(&sll, 0, sizeof sll);
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(static_cast<uint16_t>(ethertype));
  sll.sll_ifindex = ifindex_;
  if (bind(fd, reinterpret_cast<sockaddr*>(&sll), sizeof sll) < 0) {
    fail("bind");
    return;
  }

  struct ifreq ifr;
  std::memset(&ifr, 0, sizeof ifr);
  std::strncpy(ifr.ifr_name, iface_.c_str(), IFNAMSIZ - 1);
  if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
    fail("ioctl(SIOCGIFHWADDR)");
    return;
  }

  SocketCore* core = new SocketCore();
  core->fd = fd;
  core->iface = iface_;
  core->owner = this;
  core->poll.data = core;
  live_cores.fetch_add(1);
  uv_loop_t* loop = nullptr;
  napi_get_uv_event_loop(env, &loop);
  int rc = uv_poll_init_socket(loop, &core->poll, fd);
  if (rc != 0) {
    live_cores.fetch_sub(1);
    delete core;
    errno = -rc;
    fail("uv_poll_init_socket");
    return;
  }
  core_ = core;
  rc = uv_poll_start(&core->poll, UV_READABLE, OnPoll);
  napi_status hook_status = napi_add_async_cleanup_hook(env, OnEnvCleanup, core, &core->hook);
  if (rc != 0 || hook_status != napi_ok) {
    core_ = nullptr;
    core->owner = nullptr;
    Shutdown(core);
    ErrnoError(env, rc != 0 ? -rc : ENOMEM, "uv_poll_start", iface_).ThrowAsJavaScriptException();
    return;
  }

  on_frame_ = Napi::Persistent(on_frame.As<Napi::Function>());
  on_error_ = Napi::Persistent(on_error.As<Napi::Function>());
  async_context_ = new Napi::AsyncContext(env, "IronlbPacketSocket");
  // An open socket keeps itself alive like any Node handle: forgetting the JS object must
  // not silently stop the responder.
  ObjectWrap::Ref();
  self_ref_ = true;

  Napi::Object self = info.This().As<Napi::Object>();
  self.Set("iface", iface_);
  self.Set("ifindex", Napi::Number::New(env, ifindex_));
  self.Set("hwType", Napi::Number::New(env, ifr.ifr_hwaddr.sa_family));
  self.Set("mac", Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<uint8_t*>(ifr.ifr_hwaddr.sa_data), 6));
}

RawSocket::~RawSocket() {
  if (core_ != nullptr) {
    core_->owner = nullptr;
    Shutdown(core_);
    core_ = nullptr;
  }
  delete async_context_;
}

// Order matters: stop polling, start uv_close, and only then give up the fd, so libuv
// never watches a closed (or reused) descriptor. uv_poll_stop removes it from epoll at once.
void RawSocket::Shutdown(SocketCore* core) {
  if (core->closing) return;
  core->closing = true;
  uv_poll_stop(&core->poll);
  uv_close(reinterpret_cast<uv_handle_t*>(&core->poll), OnPollClosed);
  CloseFdAsync(core->fd);
  core->fd = -1;
}

void RawSocket::OnPollClosed(uv_handle_t* handle) {
  SocketCore* core = static_cast<SocketCore*>(handle->data);
  if (core->hook != nullptr) napi_remove_async_cleanup_hook(core->hook);
  live_cores.fetch_sub(1);
  delete core;
}

// The environment is going away (worker exit, process teardown) with the socket open.
void RawSocket::OnEnvCleanup(napi_async_cleanup_hook_handle handle, void* arg) {
  SocketCore* core = static_cast<SocketCore*>(arg);
  core->hook = handle;
  if (core->owner != nullptr) {
    core->owner->core_ = nullptr;
    core->owner = nullptr;
  }
  Shutdown(core);  // no-op if already closing; OnPollClosed removes the hook either way
}

void RawSocket::OnPoll(uv_poll_t* handle, int status, int events) {
  SocketCore* core = static_cast<SocketCore*>(handle->data);
  RawSocket* self = core->owner;
  if (core->closing || self == nullptr) return;
  Napi::HandleScope scope(self->Env());
  if (status < 0) {
    OnPollError(core, status);
    return;
  }
  core->empty_error_wakes = 0;
  self->ReadFrames();
}

// libuv turns POLLERR into status UV_EBADF and stops the handle (uv__poll_io), whatever
// the cause; the kernel sets POLLERR on a packet socket while sk_err is set or its error
// queue is not empty (datagram_poll). So: SO_ERROR first (reading it clears it), else drain
// the error queue; and read frames, which libuv did not report while POLLERR was up. Only
// a wake-up that explains nothing counts towards kMaxEmptyErrorWakes.
void RawSocket::OnPollError(SocketCore* core, int status) {
  RawSocket* self = core->owner;
  int soerr = 0;
  socklen_t len = sizeof soerr;
  if (getsockopt(core->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0) soerr = errno;
  if (soerr != 0) {
    // A real error (ENETDOWN when the link goes down…): report it and keep listening; the
    // socket stays bound to the ifindex and works again when the link returns.
    core->empty_error_wakes = 0;
    self->ReportError(soerr, "poll");
    if (!core->closing) uv_poll_start(&core->poll, UV_READABLE, OnPoll);
    return;
  }
  int drained = DrainErrorQueue(core->fd);
  int frames = self->ReadFrames();
  // The frame callback may have closed the socket; the core lives until uv_close is done.
  if (core->closing || core->owner == nullptr) return;
  if (drained > 0 || frames > 0) {
    core->empty_error_wakes = 0;
  } else if (++core->empty_error_wakes >= kMaxEmptyErrorWakes) {
    // The poll stays stopped (libuv stopped it): better a socket that says it is deaf than
    // one that spins the event loop. The owner is expected to close and reopen it.
    core->empty_error_wakes = 0;
    self->ReportError(EIO, "poll", true);
    return;
  }
  uv_poll_start(&core->poll, UV_READABLE, OnPoll);
}

// Returns the number of frames handed to JS (-1 if the socket was closed meanwhile).
int RawSocket::ReadFrames() {
  SocketCore* core = core_;
  if (core == nullptr) return -1;
  int delivered = 0;
  for (int i = 0; i < kMaxFramesPerWake; i++) {
    sockaddr_ll from;
    socklen_t from_len = sizeof from;
    ssize_t n = recvfrom(core->fd, recv_buffer, kRecvBufferSize, MSG_TRUNC, reinterpret_cast<sockaddr*>(&from), &from_len);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return delivered;  // wake-ups can be spurious
      ReportError(errno, "recvfrom");
      return core->closing ? -1 : delivered;
    }
    if (from.sll_pkttype == PACKET_OUTGOING) continue;
    delivered++;
    size_t len = static_cast<size_t>(n) < kRecvBufferSize ? static_cast<size_t>(n) : kRecvBufferSize;
    Napi::Env env = Env();
    Napi::Buffer<uint8_t> frame = Napi::Buffer<uint8_t>::Copy(env, recv_buffer, len);
    bool ok = CallJs(on_frame_, {frame, Napi::Number::New(env, from.sll_pkttype)});
    // The callback may have closed us (and the JS object may be collectable): touch
    // nothing of `this` once the core says so.
    if (!ok || core->closing) return core->closing ? -1 : delivered;
  }
  return delivered;
}

// `stopped`: the socket no longer receives (its poll is stopped); JS sees `stopped: true`.
void RawSocket::ReportError(int err, const char* syscall, bool stopped) {
  Napi::Error e = ErrnoError(Env(), err, syscall, iface_);
  if (stopped) {
    e.Set("stopped", Napi::Boolean::New(Env(), true));
    e.Set("message", Napi::String::New(Env(), e.Message() + "; POLLERR kept coming without a socket error, so receiving stopped: reopen the socket"));
  }
  CallJs(on_error_, {e.Value()});
}

// MakeCallback (not Call) so promise jobs and nextTicks queued by the handler run before
// we return to libuv. A throwing handler becomes an uncaught exception, as for any
// event-emitter callback.
bool RawSocket::CallJs(Napi::FunctionReference& fn, std::initializer_list<napi_value> args) {
  Napi::Env env = Env();
  if (fn.IsEmpty() || async_context_ == nullptr) return false;
  fn.MakeCallback(Value(), args, *async_context_);
  if (env.IsExceptionPending()) {
    Napi::Error err = env.GetAndClearPendingException();
    napi_fatal_exception(env, err.Value());
    return false;
  }
  return true;
}

Napi::Value RawSocket::Send(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsTypedArray() ||
      info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    Napi::TypeError::New(env, "send(frame: Uint8Array)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Uint8Array frame = info[0].As<Napi::Uint8Array>();
  if (frame.ByteLength() < ETH_HLEN) {
    Napi::RangeError::New(env, "frame shorter than an Ethernet header").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (core_ == nullptr) {
    ErrnoError(env, EBADF, "sendto", iface_).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const uint8_t* data = frame.Data();
  sockaddr_ll to;
  std::memset(&to, 0, sizeof to);
  to.sll_family = AF_PACKET;
  to.sll_ifindex = ifindex_;
  std::memcpy(&to.sll_protocol, data + 12, 2);  // already in network order
  to.sll_halen = ETH_ALEN;
  std::memcpy(to.sll_addr, data, ETH_ALEN);
  ssize_t n;
  do {
    n = sendto(core_->fd, data, frame.ByteLength(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    ErrnoError(env, errno, "sendto", iface_).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  return Napi::Number::New(env, static_cast<double>(n));
}

Napi::Value RawSocket::Membership(const Napi::CallbackInfo& info, bool add) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().ByteLength() != ETH_ALEN ||
      info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    Napi::TypeError::New(env, "membership needs a 6-byte Uint8Array MAC").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const char* syscall = add ? "setsockopt(PACKET_ADD_MEMBERSHIP)" : "setsockopt(PACKET_DROP_MEMBERSHIP)";
  if (core_ == nullptr) {
    ErrnoError(env, EBADF, syscall, iface_).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  packet_mreq mreq;
  std::memset(&mreq, 0, sizeof mreq);
  mreq.mr_ifindex = ifindex_;
  mreq.mr_type = PACKET_MR_MULTICAST;
  mreq.mr_alen = ETH_ALEN;
  std::memcpy(mreq.mr_address, info[0].As<Napi::Uint8Array>().Data(), ETH_ALEN);
  if (setsockopt(core_->fd, SOL_PACKET, add ? PACKET_ADD_MEMBERSHIP : PACKET_DROP_MEMBERSHIP, &mreq, sizeof mreq) < 0) {
    ErrnoError(env, errno, syscall, iface_).ThrowAsJavaScriptException();
  }
  return env.Undefined();
}

Napi::Value RawSocket::AddMembership(const Napi::CallbackInfo& info) { return Membership(info, true); }
Napi::Value RawSocket::DropMembership(const Napi::CallbackInfo& info) { return Membership(info, false); }

Napi::Value RawSocket::Close(const Napi::CallbackInfo& info) {
  if (core_ != nullptr) {
    SocketCore* core = core_;
    core_ = nullptr;
    core->owner = nullptr;
    Shutdown(core);
  }
  on_frame_.Reset();
  on_error_.Reset();
  if (self_ref_) {
    self_ref_ = false;
    ObjectWrap::Unref();
  }
  return info.Env().Undefined();
}

Napi::Value RawSocket::JsRef(const Napi::CallbackInfo& info) {
  if (core_ != nullptr) uv_ref(reinterpret_cast<uv_handle_t*>(&core_->poll));
  return info.Env().Undefined();
}

Napi::Value RawSocket::JsUnref(const Napi::CallbackInfo& info) {
  if (core_ != nullptr) uv_unref(reinterpret_cast<uv_handle_t*>(&core_->poll));
  return info.Env().Undefined();
}

// Test hook (not part of the PacketSocket port): asks for a software transmit timestamp
// of every frame sent, which the kernel queues on the socket's error queue. That is the
// one way to make it signal POLLERR with SO_ERROR == 0 on purpose.
Napi::Value RawSocket::EnableTxTimestamps(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int flags = SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE;
  if (core_ == nullptr || setsockopt(core_->fd, SOL_SOCKET, SO_TIMESTAMPING, &flags, sizeof flags) < 0) {
    ErrnoError(env, core_ == nullptr ? EBADF : errno, "setsockopt(SO_TIMESTAMPING)", iface_).ThrowAsJavaScriptException();
  }
  return env.Undefined();
}

}  // namespace ironlb
