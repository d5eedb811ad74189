/*
 * tests/test_units.c - unit parsers and formatters: tables of valid and invalid inputs.
 *
 * Every invalid input must return -1 and leave the output untouched; every
 * formatter output must parse back to (nearly) the formatted value.
 */
#include <check.h>
#include <math.h>

#include "sim/units.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

START_TEST(test_time_valid)
{
	static const struct {
		const char *s;	 /* input */
		sim_time_t want; /* ps */
	} t[] = {
		{ "0", 0 },
		{ "0.0", 0 },
		{ "0s", 0 },
		{ "0ns", 0 },
		{ "250ps", 250 },
		{ "100ns", 100 * SIM_NS },
		{ "50us", 50 * SIM_US },
		{ "50\xc2\xb5s", 50 * SIM_US },
		{ "50\xce\xbcs", 50 * SIM_US },
		{ "1.5ms", 1500 * SIM_US },
		{ "2s", 2 * SIM_SEC },
		{ "50 us", 50 * SIM_US },
		{ "1e3ns", SIM_US },
		{ "1E-3s", SIM_MS },
		{ "1e+2us", 100 * SIM_US },
		{ ".5us", 500 * SIM_NS },
		{ "5.us", 5 * SIM_US },
		{ "0.1us", 100 * SIM_NS },
		{ "1.5ps", 2 },
		{ "2.5ps", 3 },
		{ "0.4ps", 0 },
		{ "6.7ns", 6700 },
		{ "333ps", 333 },
		{ "9e6s", 9000000 * SIM_SEC },
		{ "007ms", 7 * SIM_MS },
	};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		sim_time_t v = -1;

		ck_assert_msg(sim_parse_time(t[i].s, &v) == 0, "'%s' rejected", t[i].s);
		ck_assert_msg(v == t[i].want, "'%s': got %lld want %lld", t[i].s, (long long)v,
			      (long long)t[i].want);
	}
}
END_TEST

START_TEST(test_time_invalid)
{
	static const char *const bad[] = {
		"",	  "50",	    "1.5",    "1e3",	"-1us",	  "+1us",      " 50us",	 "50us ",
		"50 ",	  "50  us", "50uS",   "50 sec", "us",	  ".us",       ".",	 "1e400s",
		"nan",	  "nanus",  "infs",   "inf",	"0x10us", "50usx",     "1e7s",	 "50m",
		"5e",	  "5eus",   "1..2us", "1.2.3s", "50\tus", "1,5ms",     "50 s s", "5e-400s",
		"1 e3ns", "Ms",	    "50S",    "50MS",	"50u s",  "\xc2\xb5s",
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		sim_time_t v = 12345;

		ck_assert_msg(sim_parse_time(bad[i], &v) == -1, "'%s' accepted", bad[i]);
		ck_assert_int_eq(v, 12345);
	}
	ck_assert_int_eq(sim_parse_time(NULL, &(sim_time_t){ 0 }), -1);
}
END_TEST

START_TEST(test_size)
{
	static const struct {
		const char *s; /* input */
		uint64_t want; /* bytes */
	} ok[] = {
		{ "1500", 1500 },
		{ "1500B", 1500 },
		{ "0", 0 },
		{ "0B", 0 },
		{ "64KB", 64000 },
		{ "1.5MB", 1500000 },
		{ "15GB", 15000000000ull },
		{ "256KiB", 262144 },
		{ "4MiB", 4194304 },
		{ "1GiB", 1073741824 },
		{ "1.5KiB", 1536 },
		{ "1.1KB", 1100 },
		{ "0.001KB", 1 },
		{ "1 GiB", 1073741824 },
		{ "16e3", 16000 },
		{ "1e19", 10000000000000000000ull },
	};
	static const char *const bad[] = {
		"",	"B",   "1.5B", "1.5", "0.1KiB",	 "-1",	   "1kB",   "1KIB", "1Kib",
		"2e19", "1TB", "1 B ", "1b",  "1 KiB B", "1e-400", "0x100", "1iB",
	};

	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		uint64_t v = 7;

		ck_assert_msg(sim_parse_size(ok[i].s, &v) == 0, "'%s' rejected", ok[i].s);
		ck_assert_msg(v == ok[i].want, "'%s': got %llu", ok[i].s, (unsigned long long)v);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		uint64_t v = 7;

		ck_assert_msg(sim_parse_size(bad[i], &v) == -1, "'%s' accepted", bad[i]);
		ck_assert_uint_eq(v, 7);
	}
}
END_TEST

/* A parser of doubles with its valid and invalid tables. */
struct dcase {
	const char *s; /* input */
	double want;   /* value in the base unit */
};

static void check_double_parser(int (*parse)(const char *, double *), const char *what,
				const struct dcase *ok, size_t nok, const char *const *bad,
				size_t nbad)
{
	for (size_t i = 0; i < nok; i++) {
		double v = -1;

		ck_assert_msg(parse(ok[i].s, &v) == 0, "%s '%s' rejected", what, ok[i].s);
		ck_assert_msg(fabs(v - ok[i].want) <= 1e-12 * ok[i].want, "%s '%s': got %.17g",
			      what, ok[i].s, v);
	}
	for (size_t i = 0; i < nbad; i++) {
		double v = -1;

		ck_assert_msg(parse(bad[i], &v) == -1, "%s '%s' accepted", what, bad[i]);
		ck_assert(v == -1);
	}
}

START_TEST(test_bitrate)
{
	static const struct dcase ok[] = {
		{ "10Gbit", 10e9 },  { "100Mbit", 100e6 },
		{ "1.5kbit", 1500 }, { "1.5Kbit", 1500 },
		{ "5bit", 5 },	     { "1Tbit", 1e12 },
		{ "10Gbps", 10e9 },  { "100Mbps", 100e6 },
		{ "5bps", 5 },	     { "3kbps", 3000 },
		{ "3Kbps", 3000 },   { "2 Tbps", 2e12 },
		{ "0bit", 0 },	     { "25.78125Gbit", 25.78125e9 },
		{ "1e3Mbit", 1e9 },
	};
	static const char *const bad[] = {
		"10",	  "",	   "10gbit", "10GBit", "10Gb", "10G",	  "10 Gbit/s",
		"-1Gbit", "10GiB", "10mbit", "10MBps", "Gbit", "10Gbit ", "1e400Gbit",
	};

	check_double_parser(sim_parse_bitrate, "bitrate", ok, ARRAY_SIZE(ok), bad, ARRAY_SIZE(bad));
}
END_TEST

START_TEST(test_pktrate)
{
	static const struct dcase ok[] = {
		{ "1.5Mpps", 1.5e6 },	   { "100kpps", 1e5 }, { "100Kpps", 1e5 },
		{ "500pps", 500 },	   { "1e6pps", 1e6 },  { "1Gpps", 1e9 },
		{ "14.88 Mpps", 14.88e6 },
	};
	static const char *const bad[] = {
		"100", "1mpps", "1Mpp", "1Mpps ", "1MPPS", "pps", "-5pps", "1 M pps",
	};

	check_double_parser(sim_parse_pktrate, "pktrate", ok, ARRAY_SIZE(ok), bad, ARRAY_SIZE(bad));
}
END_TEST

START_TEST(test_freq)
{
	static const struct dcase ok[] = {
		{ "3GHz", 3e9 },   { "2.4GHz", 2.4e9 }, { "800MHz", 800e6 },
		{ "100kHz", 1e5 }, { "50Hz", 50 },	{ "3 GHz", 3e9 },
	};
	static const char *const bad[] = {
		"3", "3Ghz", "3ghz", "3KHz", "3 G Hz", "3GHZ", "-3GHz", "3GHz.",
	};

	check_double_parser(sim_parse_freq, "freq", ok, ARRAY_SIZE(ok), bad, ARRAY_SIZE(bad));
}
END_TEST

START_TEST(test_fraction)
{
	static const struct dcase ok[] = {
		{ "5%", 0.05 },	    { "0.05", 0.05 }, { "0", 0 },
		{ "1", 1 },	    { "100%", 1 },    { "0%", 0 },
		{ "12.5%", 0.125 }, { "5 %", 0.05 },  { "1e-3", 0.001 },
	};
	static const char *const bad[] = {
		"1.5", "101%", "-0.1", "%", "5%%", "5 percent", "", "2", "0.5x", "inf", "nan%",
	};

	check_double_parser(sim_parse_fraction, "fraction", ok, ARRAY_SIZE(ok), bad,
			    ARRAY_SIZE(bad));
}
END_TEST

START_TEST(test_format)
{
	static const struct {
		sim_time_t t;	  /* ps */
		const char *want; /* text */
	} tt[] = {
		{ 50 * SIM_US, "50us" },
		{ 1500 * SIM_US, "1.5ms" },
		{ 0, "0s" },
		{ 250, "250ps" },
		{ 1, "1ps" },
		{ 999, "999ps" },
		{ 1000, "1ns" },
		{ 1234567, "1.235us" },
		{ 999999, "1us" },
		{ 2 * SIM_SEC, "2s" },
		{ 3600 * SIM_SEC, "3600s" },
		{ -50 * SIM_US, "-50us" },
		{ SIM_NEVER, "never" },
		{ 6700, "6.7ns" },
	};
	static const struct {
		uint64_t b;	  /* bytes */
		const char *want; /* text */
	} st[] = {
		{ 262144, "256KiB" },	   { 4194304, "4MiB" },
		{ 1500, "1500B" },	   { 0, "0B" },
		{ 1073741824, "1GiB" },	   { 1572864, "1536KiB" },
		{ 1000000, "976.562KiB" }, { 64, "64B" },
		{ 10240, "10KiB" },
	};
	static const struct {
		double v;	  /* bit/s or packets/s */
		const char *want; /* text */
		int pkt;	  /* 1 for a packet rate */
	} rt[] = {
		{ 10e9, "10Gbit", 0 },	    { 100e6, "100Mbit", 0 },
		{ 1500, "1.5kbit", 0 },	    { 0, "0bit", 0 },
		{ 999.9996e6, "1Gbit", 0 }, { 25.78125e9, "25.781Gbit", 0 },
		{ 1.5e6, "1.5Mpps", 1 },    { 100e3, "100kpps", 1 },
		{ 500, "500pps", 1 },	    { 14.88e6, "14.88Mpps", 1 },
		{ 0.5, "0.5pps", 1 },	    { 2e12, "2Tbit", 0 },
	};
	char buf[64];

	for (size_t i = 0; i < ARRAY_SIZE(tt); i++) {
		sim_fmt_time(buf, sizeof(buf), tt[i].t);
		ck_assert_str_eq(buf, tt[i].want);
	}
	for (size_t i = 0; i < ARRAY_SIZE(st); i++) {
		sim_fmt_size(buf, sizeof(buf), st[i].b);
		ck_assert_str_eq(buf, st[i].want);
	}
	for (size_t i = 0; i < ARRAY_SIZE(rt); i++) {
		if (rt[i].pkt)
			sim_fmt_pktrate(buf, sizeof(buf), rt[i].v);
		else
			sim_fmt_bitrate(buf, sizeof(buf), rt[i].v);
		ck_assert_str_eq(buf, rt[i].want);
	}
	/* Truncation and zero-length buffers. */
	sim_fmt_bitrate(buf, 4, 10e9);
	ck_assert_str_eq(buf, "10G");
	buf[0] = 'x';
	sim_fmt_time(buf, 0, 5);
	sim_fmt_size(buf, 0, 5);
	sim_fmt_bitrate(buf, 0, 5);
	sim_fmt_pktrate(buf, 0, 5);
	ck_assert_int_eq(buf[0], 'x');
}
END_TEST

/* Formatted values parse back to within the formatter's rounding (3 decimals). */
START_TEST(test_round_trip)
{
	uint64_t x = 88172645463325252ull;
	char buf[64];

	for (int i = 0; i < 5000; i++) {
		sim_time_t t, back;
		uint64_t b, bback;
		double r, rback;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		t = (sim_time_t)(x >> (24 + x % 40));
		b = x >> (x % 64);
		r = (double)(x >> (x % 64));
		sim_fmt_time(buf, sizeof(buf), t);
		ck_assert_msg(sim_parse_time(buf, &back) == 0, "'%s'", buf);
		ck_assert_msg(fabs((double)(back - t)) <= 0.0005 * (double)t + 0.5, "%lld -> '%s'",
			      (long long)t, buf);
		sim_fmt_size(buf, sizeof(buf), b);
		if (sim_parse_size(buf, &bback) == 0)
			ck_assert_msg(fabs((double)bback - (double)b) <= 0.0005 * (double)b,
				      "%llu -> '%s'", (unsigned long long)b, buf);
		sim_fmt_bitrate(buf, sizeof(buf), r);
		ck_assert_msg(sim_parse_bitrate(buf, &rback) == 0, "'%s'", buf);
		ck_assert(fabs(rback - r) <= 0.0005 * r);
		sim_fmt_pktrate(buf, sizeof(buf), r);
		ck_assert_msg(sim_parse_pktrate(buf, &rback) == 0, "'%s'", buf);
		ck_assert(fabs(rback - r) <= 0.0005 * r);
	}
}
END_TEST

Suite *units_suite(void);

Suite *units_suite(void)
{
	Suite *s = suite_create("units");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_time_valid);
	tcase_add_test(tc, test_time_invalid);
	tcase_add_test(tc, test_size);
	tcase_add_test(tc, test_bitrate);
	tcase_add_test(tc, test_pktrate);
	tcase_add_test(tc, test_freq);
	tcase_add_test(tc, test_fraction);
	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_round_trip);
	suite_add_tcase(s, tc);
	return s;
}
