{
  "targets": [
    {
      "target_name": "mg_spawn",
      "sources": ["mg_spawn.c", "io_loop.c"],
      "cflags_c": ["-std=gnu11", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Werror=implicit-function-declaration"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
