{
  # One addon, built with the compiler's baseline flags for the target so it loads on every CPU of
  # that architecture. The SIMD kernels opt in per function with target attributes and are only
  # called after CPUID/XGETBV say the CPU and the OS support them (see cpu_features.cc).
  # Deliberately no environment-variable expansion here: the build must not depend on the shell.
  "targets": [
    {
      "target_name": "ringmem_kernel",
      "sources": [
        "addon.cc",
        "bind_args.cc",
        "bind_scan.cc",
        "bind_many.cc",
        "bind_compact.cc",
        "bind_ingest.cc",
        "bind_memory.cc",
        "dispatch.cc",
        "cpu_features.cc",
        "topk.cc",
        "ingest.cc",
        "compact.cc",
        "compact_avx512.cc",
        "scan_scalar.cc",
        "scan_avx2.cc",
        "scan_avx512.cc",
        "scan_neon.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++20"],
      "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-fvisibility=hidden", "-Wall", "-Wextra"],
      "cflags": ["-O3"],
      "conditions": [
        ["OS=='mac'", {
          "xcode_settings": {
            "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
            "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
            "GCC_OPTIMIZATION_LEVEL": "3",
            "MACOSX_DEPLOYMENT_TARGET": "11.0"
          }
        }],
        ["OS=='win'", {
          "msvs_settings": {
            "VCCLCompilerTool": { "ExceptionHandling": 1, "AdditionalOptions": ["/std:c++17"] }
          }
        }]
      ]
    }
  ]
}
