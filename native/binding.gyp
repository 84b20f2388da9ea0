{
  "targets": [
    {
      "target_name": "mg_spawn",
      "sources": ["mg_spawn.c"],
      "cflags_c": ["-std=gnu11", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
