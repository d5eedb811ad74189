/*
 * tests/fuzz/fuzz.h - what the libFuzzer targets share.
 *
 * Each target is one LLVMFuzzerTestOneInput() built with clang
 * -fsanitize=fuzzer,address,undefined (make fuzz). Bad input must give an
 * error record and free everything (LeakSanitizer checks), never a crash, a
 * sanitizer report, a hang (-timeout) or a huge allocation (-rss_limit_mb).
 */
#ifndef TESTS_FUZZ_FUZZ_H
#define TESTS_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated copy of the input (it may hold NULs: the text ends at the first). */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
