{
  # The speaker's AF_PACKET addon (packet-layer.md: "Why a native addon").
  # Built by node-gyp from the package's `install` script during `npm ci`.
  "targets": [
    {
      "target_name": "ironlb_packet",
      "sources": [
        "native/addon.cc",
        "native/errno_error.cc",
        "native/fd_closer.cc",
        "native/interface_info.cc",
        "native/raw_socket.cc"
      ],
      "dependencies": ["<!(node -p \"require('node-addon-api').targets\"):node_addon_api"],
      # NAPI 8 gives napi_add_async_cleanup_hook, which lets uv_close finish at env teardown.
      "defines": ["NAPI_VERSION=8"],
      "cflags_cc": ["-Wall", "-Wextra", "-Wno-unused-parameter"]
    }
  ]
}
