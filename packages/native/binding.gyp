{
  "targets": [
    {
      "target_name": "nic_native",
      "sources": [
        "src/addon.cc",
        "src/args.cc",
        "src/errors.cc",
        "src/memory.cc",
        "src/hugepage.cc",
        "src/pagemap.cc",
        "src/fence.cc",
        "src/fd.cc",
        "src/eventfd.cc",
        "src/timerfd.cc",
        "src/watcher.cc",
        "src/epoll.cc",
        "src/unix_socket.cc",
        "src/vfio.cc",
        "src/uio.cc",
        "src/thread.cc",
        "src/netif.cc",
        "src/packet.cc",
        "src/tap.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wno-unused-parameter", "-O2"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++1y", "-std=gnu++17"]
    }
  ]
}
