#pragma once

// Symbols of the public API are exported from the shared library; everything else stays hidden.
#if defined(_WIN32)
#define ONYXRT_API __declspec(dllexport)
#else
#define ONYXRT_API __attribute__((visibility("default")))
#endif
