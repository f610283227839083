// The declaration in include/CLibFuzzer.h is all this module provides; the function itself comes
// from libFuzzer, linked by -sanitize=fuzzer. SwiftPM needs one source file per C target.
#include "CLibFuzzer.h"
