#ifndef KEEL_CLIBFUZZER_H
#define KEEL_CLIBFUZZER_H

#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver, for programs that define their own `main` (libclang_rt.fuzzer, LLVM 11 and
/// later). It parses libFuzzer's command line and calls `callback` once per input.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
