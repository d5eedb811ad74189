/*
 * tests/test_sha256.c - SHA-256 against the FIPS 180-4 / NIST example vectors.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "sim/sha256.h"

static const struct {
	const char *msg;  /* message */
	const char *want; /* digest, hex */
} vectors[] = {
	{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
	{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqr"
	  "lmnopqrsmnopqrstnopqrstu",
	  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
};

START_TEST(test_vectors)
{
	char hex[SHA256_HEX];

	sha256_hex(vectors[_i].msg, strlen(vectors[_i].msg), hex);
	ck_assert_str_eq(hex, vectors[_i].want);
}
END_TEST

/* One million 'a', fed in uneven pieces so that blocks straddle update calls. */
START_TEST(test_million_a)
{
	static char a[2000];
	uint8_t d[SHA256_DIGEST];
	struct sha256 s;
	char hex[SHA256_HEX];
	size_t done = 0, step = 1;

	memset(a, 'a', sizeof(a));
	sha256_init(&s);
	while (done < 1000000) {
		size_t n = step < 1000000 - done ? step : 1000000 - done;

		sha256_update(&s, a, n);
		done += n;
		step = step % 997 + 61;
	}
	sha256_final(&s, d);
	for (int i = 0; i < SHA256_DIGEST; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	ck_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
END_TEST

Suite *sha256_suite(void);
Suite *sha256_suite(void)
{
	Suite *s = suite_create("sha256");
	TCase *tc = tcase_create("sha256");

	tcase_add_loop_test(tc, test_vectors, 0, (int)(sizeof(vectors) / sizeof(vectors[0])));
	tcase_add_test(tc, test_million_a);
	suite_add_tcase(s, tc);
	return s;
}
