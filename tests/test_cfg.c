/*
 * tests/test_cfg.c - the configuration tree: loader, --set, typed getters, unknown keys.
 *
 * Most tests are rows of one table: a YAML text loaded as "t.yaml", --set
 * options applied to it ("!KEY" is an --unset KEY), a script of reader actions, and the exact message
 * expected (NULL for success). A script is a list of actions separated by ';',
 * each "op:arg:arg..." with an optional "=VALUE" that the value read must
 * print as (integers and times as integers, other numbers with %g, booleans
 * as true/false, enums as the index):
 *
 *   map:K seq:K get:K  descend into key K (cfg_get_map, cfg_get_seq, cfg_get)
 *   item:I pop         descend into list item I; go back up one level
 *   nmap:W nseq:W      cfg_node_map / cfg_node_seq on the current node
 *   str:K bool:K frac:K  u64:K:MIN:MAX  dbl:K:MIN:MAX  time:K:MIN:MAX
 *   size:K:MIN:MAX bitrate:K:MIN:MAX pktrate:K:MIN:MAX freq:K:MIN:MAX
 *   enum:K:a|b|c  has:K  req:K:WHAT  unknown:WHAT
 *   nu64:W:MIN:MAX ndbl:W:MIN:MAX ntime:W:MIN:MAX nsize:W:MIN:MAX nstr:W
 *
 * MIN and MAX are written in the getter's own units ("1us", "4KiB", "1Gbit").
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/cfg.h"
#include "sim/units.h"

#define MAX_SETS  4
#define MAX_ARGS  6
#define MAX_DEPTH 16

struct cfg_case {
	const char *yaml;
	const char *sets[MAX_SETS];
	const char *script;
	const char *want; /* the full error message, or NULL */
};

static const struct cfg_case cases[] = {
	/* --- the loader --- */
	{ "a: 1\nb: 2\na: 3\n", { NULL }, "", "t.yaml:3:1: duplicate key 'a'" },
	{ "nic:\n  rx: 1\n  rx: 2\n", { NULL }, "", "t.yaml:3:3: duplicate key 'rx'" },
	{ "base: &b {x: 1}\nnic:\n  <<: *b\n",
	  { NULL },
	  "",
	  "t.yaml:3:3: merge keys ('<<') are not supported" },
	{ "'<<': 1\n", { NULL }, "unknown:scenario", "t.yaml:1:1: unknown key '<<' in scenario" },
	{ "- a\n- b\n", { NULL }, "", "t.yaml:1:1: the top level must be a mapping" },
	{ "# nothing\n\nhello\n", { NULL }, "", "t.yaml:3:1: the top level must be a mapping" },
	{ "", { NULL }, "", "t.yaml:1:1: the top level must be a mapping" },
	{ "---\n", { NULL }, "", "t.yaml:2:1: the top level must be a mapping" },
	{ "a: [1, 2\n", { NULL }, "", "t.yaml:2:1: yaml: did not find expected ',' or ']'" },
	{ "a: 1\n b: 2\n",
	  { NULL },
	  "",
	  "t.yaml:2:3: yaml: mapping values are not allowed in this context" },
	{ "a:\n\tb: 1\n",
	  { NULL },
	  "",
	  "t.yaml:2:1: yaml: found character that cannot start any token" },
	{ "a: \"x\n", { NULL }, "", "t.yaml:2:1: yaml: found unexpected end of stream" },
	{ "a: 1\nbb: x\xff\n", { NULL }, "", "t.yaml:2:6: yaml: invalid leading UTF-8 octet" },
	{ "a: *x\n", { NULL }, "", "t.yaml:1:4: yaml: found undefined alias 'x'" },
	{ "a: &x [1, *x]\n", { NULL }, "", "t.yaml:1:11: yaml: found undefined alias 'x'" },
	{ "? [a]\n: 1\n", { NULL }, "", "t.yaml:1:3: mapping keys must be scalars" },
	{ "{[a]: 1}\n", { NULL }, "", "t.yaml:1:2: mapping keys must be scalars" },
	{ "l: &l [1]\n*l : 2\n", { NULL }, "", "t.yaml:2:1: mapping keys must be scalars" },
	{ "a: 1\n---\nb: 2\n", { NULL }, "", "t.yaml:2:1: only one YAML document is supported" },
	{ "a: 1\n...\n", { NULL }, "u64:a:0:9=1", NULL },

	/* --- scalars and null --- */
	{ "a:\nb: ~\nc: null\nd: 'null'\ne: \"\"\n",
	  { NULL },
	  "str:a=;str:b=;str:c=;str:d=null;str:e=;unknown:scenario",
	  NULL },
	{ "rx_ring:\n",
	  { NULL },
	  "u64:rx_ring:64:4096",
	  "t.yaml:1:9: 'rx_ring' must be an integer, got ''" },
	{ "text: |\n  two\n  lines\n", { NULL }, "str:text=two\nlines\n", NULL },

	/* --- integers --- */
	{ "rx_ring: 1024\n", { NULL }, "u64:rx_ring:64:4096=1024;unknown:scenario", NULL },
	{ "rx_ring: \"1024\"\n", { NULL }, "u64:rx_ring:64:4096=1024", NULL },
	{ "mask: 0xff\nbig: 0XFFFFFFFFFFFFFFFF\n",
	  { NULL },
	  "u64:mask:0:1000=255;u64:big:0:18446744073709551615=18446744073709551615",
	  NULL },
	{ "rx_ring: 10\n",
	  { NULL },
	  "u64:rx_ring:64:4096",
	  "t.yaml:1:10: 'rx_ring' must be between 64 and 4096, got '10'" },
	{ "rx_ring: 5000\n",
	  { NULL },
	  "u64:rx_ring:64:4096",
	  "t.yaml:1:10: 'rx_ring' must be between 64 and 4096, got '5000'" },
	{ "n: 18446744073709551616\n",
	  { NULL },
	  "u64:n:1:18446744073709551615",
	  "t.yaml:1:4: 'n' must be between 1 and 18446744073709551615, got "
	  "'18446744073709551616'" },
	{ "rx_ring: 10.5\n",
	  { NULL },
	  "u64:rx_ring:64:4096",
	  "t.yaml:1:10: 'rx_ring' must be an integer, got '10.5'" },
	{ "rx_ring: -1\n",
	  { NULL },
	  "u64:rx_ring:0:4096",
	  "t.yaml:1:10: 'rx_ring' must be an integer, got '-1'" },
	{ "rx_ring: +1\n",
	  { NULL },
	  "u64:rx_ring:0:4096",
	  "t.yaml:1:10: 'rx_ring' must be an integer, got '+1'" },
	{ "rx_ring: 0x\n",
	  { NULL },
	  "u64:rx_ring:0:4096",
	  "t.yaml:1:10: 'rx_ring' must be an integer, got '0x'" },
	{ "rx_ring: 1k\n",
	  { NULL },
	  "u64:rx_ring:0:4096",
	  "t.yaml:1:10: 'rx_ring' must be an integer, got '1k'" },
	{ "rx_ring: ' 1'\n",
	  { NULL },
	  "u64:rx_ring:0:4096",
	  "t.yaml:1:10: 'rx_ring' must be an integer, got ' 1'" },

	/* --- shapes --- */
	{ "rx_ring: [1]\n",
	  { NULL },
	  "u64:rx_ring:64:4096",
	  "t.yaml:1:10: 'rx_ring' must be a scalar" },
	{ "rx_ring:\n  a: 1\n",
	  { NULL },
	  "u64:rx_ring:64:4096",
	  "t.yaml:2:3: 'rx_ring' must be a scalar" },
	{ "name: [rx]\n", { NULL }, "str:name", "t.yaml:1:7: 'name' must be a scalar" },
	{ "nic: 5\n", { NULL }, "map:nic", "t.yaml:1:6: 'nic' must be a mapping" },
	{ "nic: [5]\n", { NULL }, "map:nic", "t.yaml:1:6: 'nic' must be a mapping" },
	{ "hosts: {a: 1}\n", { NULL }, "seq:hosts", "t.yaml:1:8: 'hosts' must be a list" },
	{ "hosts:\n  - rx\n",
	  { NULL },
	  "seq:hosts;item:0;nmap:host",
	  "t.yaml:2:5: 'host' must be a mapping" },
	{ "cpus: 4\n", { NULL }, "get:cpus;nseq:cpus", "t.yaml:1:7: 'cpus' must be a list" },
	{ "hosts:\n  - name: rx\n", { NULL }, "seq:hosts;item:0;nmap:host;str:name=rx", NULL },

	/* --- booleans --- */
	{ "a: yes\nb: No\nc: ON\nd: off\ne: True\nf: FALSE\n",
	  { NULL },
	  "bool:a=true;bool:b=false;bool:c=true;bool:d=false;bool:e=true;bool:f=false;"
	  "unknown:scenario",
	  NULL },
	{ "gro: maybe\n",
	  { NULL },
	  "bool:gro",
	  "t.yaml:1:6: 'gro' must be true or false, got 'maybe'" },
	{ "gro: 1\n", { NULL }, "bool:gro", "t.yaml:1:6: 'gro' must be true or false, got '1'" },
	{ "gro: y\n", { NULL }, "bool:gro", "t.yaml:1:6: 'gro' must be true or false, got 'y'" },

	/* --- numbers --- */
	{ "w: 0.5\nx: -0.25\ny: 1e3\nz: .5\n",
	  { NULL },
	  "dbl:w:0:1=0.5;dbl:x:-1:1=-0.25;dbl:y:0:10000=1000;dbl:z:0:1=0.5",
	  NULL },
	{ "weight: abc\n",
	  { NULL },
	  "dbl:weight:0:1",
	  "t.yaml:1:9: 'weight' must be a number, got 'abc'" },
	{ "weight: inf\n",
	  { NULL },
	  "dbl:weight:0:1",
	  "t.yaml:1:9: 'weight' must be a number, got 'inf'" },
	{ "weight: +0.5\n",
	  { NULL },
	  "dbl:weight:0:1",
	  "t.yaml:1:9: 'weight' must be a number, got '+0.5'" },
	{ "weight: \" 0.5\"\n",
	  { NULL },
	  "dbl:weight:0:1",
	  "t.yaml:1:9: 'weight' must be a number, got ' 0.5'" },
	{ "weight: 1e\n",
	  { NULL },
	  "dbl:weight:0:1",
	  "t.yaml:1:9: 'weight' must be a number, got '1e'" },
	{ "weight: 2\n",
	  { NULL },
	  "dbl:weight:0:1.5",
	  "t.yaml:1:9: 'weight' must be between 0 and 1.5, got '2'" },
	{ "weight: 1e999\n",
	  { NULL },
	  "dbl:weight:0:1",
	  "t.yaml:1:9: 'weight' must be between 0 and 1, got '1e999'" },

	/* --- quantities --- */
	{ "poll: 50us\nzero: 0\n", { NULL }, "time:poll:1ns:1s=50000000;time:zero:0:1s=0", NULL },
	{ "poll: 50\n",
	  { NULL },
	  "time:poll:1ns:1s",
	  "t.yaml:1:7: 'poll' must be a time like '50us' (units: ps, ns, us, ms, s), got '50'" },
	{ "poll: 5s\n",
	  { NULL },
	  "time:poll:1us:1s",
	  "t.yaml:1:7: 'poll' must be between 1us and 1s, got '5s'" },
	{ "ring_bytes: 256KiB\n", { NULL }, "size:ring_bytes:1B:1GiB=262144", NULL },
	{ "ring_bytes: 256k\n",
	  { NULL },
	  "size:ring_bytes:1B:1GiB",
	  "t.yaml:1:13: 'ring_bytes' must be a size like '256KiB' (units: B, KB, KiB, MB, MiB, "
	  "GB, GiB), got '256k'" },
	{ "ring_bytes: 1GiB\n",
	  { NULL },
	  "size:ring_bytes:4KiB:1MiB",
	  "t.yaml:1:13: 'ring_bytes' must be between 4KiB and 1MiB, got '1GiB'" },
	{ "rate: 10Gbit\nr2: 100Mbps\n",
	  { NULL },
	  "bitrate:rate:1Mbit:1Tbit=1e+10;bitrate:r2:0bit:1Tbit=1e+08",
	  NULL },
	{ "rate: 10G\n",
	  { NULL },
	  "bitrate:rate:1Mbit:1Tbit",
	  "t.yaml:1:7: 'rate' must be a bit rate like '10Gbit' (units: bit, kbit, Mbit, Gbit, "
	  "Tbit, bps, Mbps, Gbps), got '10G'" },
	{ "rate: 1Tbit\n",
	  { NULL },
	  "bitrate:rate:1Mbit:100Gbit",
	  "t.yaml:1:7: 'rate' must be between 1Mbit and 100Gbit, got '1Tbit'" },
	{ "pps: 1.5Mpps\n", { NULL }, "pktrate:pps:1pps:1Gpps=1.5e+06", NULL },
	{ "pps: 1.5M\n",
	  { NULL },
	  "pktrate:pps:1pps:1Gpps",
	  "t.yaml:1:6: 'pps' must be a packet rate like '1.5Mpps' (units: pps, kpps, Mpps, Gpps), "
	  "got "
	  "'1.5M'" },
	{ "pps: 500pps\n",
	  { NULL },
	  "pktrate:pps:1kpps:1.5Mpps",
	  "t.yaml:1:6: 'pps' must be between 1kpps and 1.5Mpps, got '500pps'" },
	{ "cpu_freq: 3GHz\n", { NULL }, "freq:cpu_freq:1MHz:5GHz=3e+09", NULL },
	{ "cpu_freq: 3G\n",
	  { NULL },
	  "freq:cpu_freq:1MHz:5GHz",
	  "t.yaml:1:11: 'cpu_freq' must be a frequency like '3GHz' (units: Hz, kHz, MHz, GHz), "
	  "got '3G'" },
	{ "cpu_freq: 10GHz\n",
	  { NULL },
	  "freq:cpu_freq:1MHz:2.4GHz",
	  "t.yaml:1:11: 'cpu_freq' must be between 1MHz and 2.4GHz, got '10GHz'" },
	{ "cpu_freq: 10Hz\n",
	  { NULL },
	  "freq:cpu_freq:500Hz:100kHz",
	  "t.yaml:1:11: 'cpu_freq' must be between 500Hz and 100kHz, got '10Hz'" },
	{ "loss: 5%\nl2: 0.05\n", { NULL }, "frac:loss=0.05;frac:l2=0.05", NULL },
	{ "loss: 5\n",
	  { NULL },
	  "frac:loss",
	  "t.yaml:1:7: 'loss' must be a fraction like '5%' or '0.05', got '5'" },
	{ "loss: 150%\n",
	  { NULL },
	  "frac:loss",
	  "t.yaml:1:7: 'loss' must be a fraction like '5%' or '0.05', got '150%'" },

	/* --- enums --- */
	{ "qdisc: fq\n", { NULL }, "enum:qdisc:pfifo|fq|fq_codel=1", NULL },
	{ "qdisc: fq_codle\n",
	  { NULL },
	  "enum:qdisc:pfifo|fq|fq_codel",
	  "t.yaml:1:8: 'qdisc' must be one of pfifo, fq, fq_codel, got 'fq_codle' (did you mean "
	  "'fq_codel'?)" },
	{ "qdisc: htb\n",
	  { NULL },
	  "enum:qdisc:pfifo|fq|fq_codel",
	  "t.yaml:1:8: 'qdisc' must be one of pfifo, fq, fq_codel, got 'htb'" },
	{ "qdisc: FQ\n",
	  { NULL },
	  "enum:qdisc:pfifo|fq|fq_codel",
	  "t.yaml:1:8: 'qdisc' must be one of pfifo, fq, fq_codel, got 'FQ' (did you mean 'fq'?)" },

	/* --- required keys --- */
	{ "a: 1\n", { NULL }, "req:hosts:scenario", "t.yaml:1:1: scenario needs 'hosts'" },
	{ "host:\n  name: rx\n",
	  { NULL },
	  "map:host;req:name:host;req:nic:host 'rx'",
	  "t.yaml:2:3: host 'rx' needs 'nic'" },
	{ "hosts: [1]\n", { NULL }, "req:hosts:scenario;unknown:scenario", NULL },

	/* --- unknown keys and suggestions --- */
	{ "rx_rign: 512\n",
	  { NULL },
	  "u64:rx_ring:64:4096;unknown:nic 'eth0'",
	  "t.yaml:1:1: unknown key 'rx_rign' in nic 'eth0' (did you mean 'rx_ring'?)" },
	{ "a: 1\nzzz: 2\n",
	  { NULL },
	  "u64:a:0:9;str:name;u64:a:0:9;bool:gro;unknown:scenario",
	  "t.yaml:2:1: unknown key 'zzz' in scenario (known: a, name, gro)" },
	{ "zzz: 2\n", { NULL }, "unknown:scenario", "t.yaml:1:1: unknown key 'zzz' in scenario" },
	{ "bbbb: 1\ncccc: 2\na: 3\n",
	  { NULL },
	  "str:a;unknown:scenario",
	  "t.yaml:1:1: unknown key 'bbbb' in scenario (known: a)" },
	{ "host:\n  nic:\n    rx_ring: 512\n    tx_rnig: 512\n",
	  { NULL },
	  "map:host;map:nic;u64:rx_ring:64:4096;u64:tx_ring:64:4096;unknown:nic 'eth0'",
	  "t.yaml:4:5: unknown key 'tx_rnig' in nic 'eth0' (did you mean 'tx_ring'?)" },
	{ "host: {nic: {x: 1}}\n", { NULL }, "map:host;map:nic;pop;unknown:host 'rx'", NULL },
	{ "host: {nic: {x: 1}}\n",
	  { NULL },
	  "map:host;map:nic;unknown:nic 'eth0'",
	  "t.yaml:1:14: unknown key 'x' in nic 'eth0'" },
	{ "gro: yes\ngso: no\n",
	  { NULL },
	  "has:gro=true;has:gso=true;has:tso=false;unknown:scenario",
	  NULL },
	{ "cpus: 4\n", { NULL }, "get:cpus;pop;unknown:scenario", NULL },

	/* --- nodes in hand --- */
	{ "cpus: [1, x, 3]\n",
	  { NULL },
	  "seq:cpus;item:0;nu64:cpu:0:63=1;pop;item:1;nu64:cpu:0:63",
	  "t.yaml:1:11: 'cpu' must be an integer, got 'x'" },
	{ "cpus: [1, [2]]\n",
	  { NULL },
	  "seq:cpus;item:1;nu64:cpu:0:63",
	  "t.yaml:1:11: 'cpu' must be a scalar" },
	{ "cpus: [100]\n",
	  { NULL },
	  "seq:cpus;item:0;nu64:cpu:0:63",
	  "t.yaml:1:8: 'cpu' must be between 0 and 63, got '100'" },
	{ "w: [0.5, 2]\n",
	  { NULL },
	  "seq:w;item:0;ndbl:weight:0:1=0.5;pop;item:1;ndbl:weight:0:1",
	  "t.yaml:1:10: 'weight' must be between 0 and 1, got '2'" },
	{ "t: [1ms, 2]\n",
	  { NULL },
	  "seq:t;item:0;ntime:delay:0:1s=1000000000;pop;item:1;"
	  "ntime:delay:0:1s",
	  "t.yaml:1:10: 'delay' must be a time like '50us' (units: ps, ns, us, ms, s), got '2'" },
	{ "s: [1KiB, 2x]\n",
	  { NULL },
	  "seq:s;item:0;nsize:mtu:0:1MiB=1024;pop;item:1;nsize:mtu:0:1MiB",
	  "t.yaml:1:11: 'mtu' must be a size like '256KiB' (units: B, KB, KiB, MB, MiB, GB, GiB), "
	  "got '2x'" },
	{ "n: [rx, {a: 1}]\n",
	  { NULL },
	  "seq:n;item:0;nstr:host=rx;pop;item:1;nstr:host",
	  "t.yaml:1:9: 'host' must be a scalar" },

	/* --- aliases --- */
	{ "ring: &r 512\nnic:\n  rx_ring: *r\n",
	  { NULL },
	  "u64:ring:64:4096=512;map:nic;u64:rx_ring:64:4096=512",
	  NULL },
	{ "base: &b\n  rx_ring: 10\nnic: *b\n",
	  { NULL },
	  "map:nic;u64:rx_ring:64:4096",
	  "t.yaml:2:12: 'rx_ring' must be between 64 and 4096, got '10'" },
	{ "base: &b {x: 1, y: 2}\nnic: *b\n",
	  { NULL },
	  "map:base;str:x;str:y;unknown:base;pop;map:nic;str:x;unknown:nic",
	  "t.yaml:1:17: unknown key 'y' in nic (did you mean 'x'?)" },
	{ "a: &x 1\nb: &x 2\nc: *x\n", { NULL }, "u64:c:0:9=2", NULL },
	{ "&k name: rx\nother: *k\n", { NULL }, "str:name=rx;str:other=name", NULL },
	{ "k: &k name\n*k : rx\n", { NULL }, "str:name=rx;str:k=name;unknown:scenario", NULL },
	{ "l: &l [1, 2]\nm: *l\n", { NULL }, "seq:m;item:1;nu64:x:0:9=2", NULL },

	/* --- --set on mappings --- */
	{ "nic:\n  rx_ring: 512\n",
	  { "nic/rx_ring=1024" },
	  "map:nic;u64:rx_ring:64:4096=1024",
	  NULL },
	{ "nic:\n  rx_ring: 512\n",
	  { "nic/rx_ring=10" },
	  "map:nic;u64:rx_ring:64:4096",
	  "--set:1:13: 'rx_ring' must be between 64 and 4096, got '10'" },
	{ "nic:\n  rx_ring: 512\n",
	  { "seed=1", "nic/rx_ring=10" },
	  "map:nic;u64:rx_ring:64:4096",
	  "--set:2:13: 'rx_ring' must be between 64 and 4096, got '10'" },
	{ "nic:\n  rx_ring: 512\n",
	  { "nic/rx_ring=" },
	  "map:nic;u64:rx_ring:64:4096",
	  "--set:1:13: 'rx_ring' must be an integer, got ''" },
	{ "nic:\n  rx_ring: 512\n",
	  { "nic/tx_ring=256" },
	  "map:nic;u64:rx_ring:64:4096=512;u64:tx_ring:64:4096=256;unknown:nic 'eth0'",
	  NULL },
	{ "nic:\n  rx_ring: 512\n",
	  { "nic/tx_rnig=256" },
	  "map:nic;u64:rx_ring:64:4096;u64:tx_ring:64:4096;unknown:nic 'eth0'",
	  "--set:1:5: unknown key 'tx_rnig' in nic 'eth0' (did you mean 'tx_ring'?)" },
	{ "nic:\n  rx_ring: 512\n",
	  { "nic/zzz=256", "seed=3", "nic/zzz=512" },
	  "map:nic;u64:rx_ring:64:4096;unknown:nic 'eth0'",
	  "--set:3:5: unknown key 'zzz' in nic 'eth0' (known: rx_ring)" },
	{ "nic:\n  rx_ring: 512\n  zzz: 1\n",
	  { "nic/zzz=256" },
	  "map:nic;u64:rx_ring:64:4096;unknown:nic 'eth0'",
	  "t.yaml:3:3: unknown key 'zzz' in nic 'eth0' (known: rx_ring)" },
	{ "a: 1\n", { "seed=7" }, "u64:seed:0:100=7;u64:a:0:9=1;unknown:scenario", NULL },
	{ "a: 1\n", { "name=a=b" }, "str:name=a=b", NULL },
	{ "a: x\n", { "a=y" }, "str:a=y", NULL },
	{ "base: &b {x: 1}\nnic: *b\n",
	  { "nic/x=2" },
	  "map:base;u64:x:0:9=1;pop;map:nic;u64:x:0:9=2",
	  NULL },

	/* --- --set on lists --- */
	{ "hosts:\n  - name: rx\n    cpus: 4\n  - name: tx\n    cpus: 2\n",
	  { "hosts/1/cpus=8" },
	  "seq:hosts;item:0;u64:cpus:1:64=4;pop;item:1;u64:cpus:1:64=8",
	  NULL },
	{ "hosts:\n  - name: rx\n    cpus: 4\n  - name: tx\n    cpus: 2\n",
	  { "hosts/rx/cpus=6" },
	  "seq:hosts;item:0;u64:cpus:1:64=6;pop;item:1;u64:cpus:1:64=2",
	  NULL },
	{ "hosts:\n  - name: rx\n    cpus: 4\n",
	  { "hosts/rx/cpus=0" },
	  "seq:hosts;item:0;u64:cpus:1:64",
	  "--set:1:15: 'cpus' must be between 1 and 64, got '0'" },
	{ "hosts:\n  - name: rx\n",
	  { "hosts/rx/gro=yes" },
	  "seq:hosts;item:0;bool:gro=true",
	  NULL },
	{ "cpus: [1, 2, 3]\n", { "cpus/2=7" }, "seq:cpus;item:2;nu64:cpu:0:63=7", NULL },
	{ "cpus: [1, 2, 3]\n",
	  { "cpus/2=x" },
	  "seq:cpus;item:2;nu64:cpu:0:63",
	  "--set:1:8: 'cpu' must be an integer, got 'x'" },
	{ "l:\n  - name: '1'\n    v: a\n  - name: '0'\n    v: b\n",
	  { "l/0/v=z" },
	  "seq:l;item:0;str:v=z;pop;item:1;str:v=b",
	  NULL },
	{ "l:\n  - name: '7'\n    v: a\n", { "l/7/v=z" }, "seq:l;item:0;str:v=z", NULL },
	{ "hosts:\n  - name: rx\n    nics:\n      - name: eth0\n        mtu: 1500\n",
	  { "hosts/rx/nics/eth0/mtu=9000" },
	  "seq:hosts;item:0;seq:nics;item:0;u64:mtu:68:9000=9000",
	  NULL },

	/* --- --set errors --- */
	{ "a: 1\n", { "nic" }, "", "--set:1:1: expected KEY=VALUE, got 'nic'" },
	{ "a: 1\n", { "=5" }, "", "--set:1:1: expected KEY=VALUE, got '=5'" },
	{ "a: 1\n", { "a//b=5" }, "", "--set:1:1: expected KEY=VALUE, got 'a//b=5'" },
	{ "a: 1\n", { "a/=5" }, "", "--set:1:1: expected KEY=VALUE, got 'a/=5'" },
	{ "a: 1\n", { "/a=5" }, "", "--set:1:1: expected KEY=VALUE, got '/a=5'" },
	{ "a: 1\n", { "a=2", "b" }, "", "--set:2:1: expected KEY=VALUE, got 'b'" },
	/* a missing middle key is created as a mapping; its reader reports it as unknown */
	{ "x: 1\n",
	  { "nics/rx_ring=1" },
	  "u64:x:0:9=1;unknown:scenario",
	  "--set:1:1: unknown key 'nics' in scenario (known: x)" },
	{ "nic: {rx_ring: 1}\n",
	  { "nic/ring/size=1" },
	  "map:nic;u64:rx_ring:0:9=1;unknown:nic 'eth0'",
	  "--set:1:5: unknown key 'ring' in nic 'eth0' (known: rx_ring)" },
	{ "a: 1\n", { "costs/ipi_send=0" }, "map:costs;u64:ipi_send:0:9=0", NULL },
	{ "nic: {rx_ring: 1}\n",
	  { "nic/rx_ring/size=1" },
	  "",
	  "--set:1:13: no key 'size' in 'nic/rx_ring'" },
	{ "a: 1\n", { "a/b=2" }, "", "--set:1:3: no key 'b' in 'a'" },
	{ "hosts:\n  - name: rx\n",
	  { "hosts/lo/cpus=1" },
	  "",
	  "--set:1:7: no item 'lo' in list 'hosts'" },
	{ "hosts:\n  - name: rx\n",
	  { "hosts/1/cpus=1" },
	  "",
	  "--set:1:7: no item '1' in list 'hosts'" },
	{ "hosts:\n  - name: rx\n    nics: [{name: eth0}]\n",
	  { "hosts/rx/nics/eth1/mtu=1" },
	  "",
	  "--set:1:15: no item 'eth1' in list 'hosts/rx/nics'" },
	{ "hosts:\n  - name: rx\n",
	  { "hosts/0/nic/mtu=1" },
	  "seq:hosts;item:0;map:nic;u64:mtu:68:9000",
	  "--set:1:17: 'mtu' must be between 68 and 9000, got '1'" },
	{ "nic: {rx_ring: 1}\n",
	  { "nic=5" },
	  "",
	  "--set:1:1: 'nic' is a mapping; --set replaces only scalars and lists" },
	{ "hosts:\n  - name: rx\n",
	  { "hosts/rx=1" },
	  "",
	  "--set:1:7: 'hosts/rx' is a mapping; --set replaces only scalars and lists" },
	{ "a: {b: [1, 2]}\n",
	  { "a/b=1" },
	  "",
	  "--set:1:3: 'a/b' is a list; give a list like '[0, 1]'" },

	/* --- --set with a list value --- */
	{ "a: {b: [1, 2]}\n",
	  { "a/b=[3, 4,5]" },
	  "map:a;seq:b;item:0;nu64:x:0:9=3;pop;item:1;nu64:x:0:9=4;pop;item:2;nu64:x:0:9=5",
	  NULL },
	{ "a: {b: [1, 2]}\n", { "a/b=[]" }, "map:a;seq:b;nseq:b", NULL },
	{ "a: {b: [1, 2]}\n", { "a/b=[ ]" }, "map:a;seq:b;nseq:b", NULL },
	{ "a: 1\n",
	  { "l=['x, y', \"z\"]" },
	  "",
	  "--set:1:3: expected a list like '[0, 1]', got '['x, y', \"z\"]'" },
	{ "a: 1\n", { "l=['x', \"z\"]" }, "seq:l;item:1;nstr:l=z;pop;pop;u64:a:0:9=1", NULL },
	{ "a: 1\n", { "a=[1,2]" }, "u64:a:0:9", "--set:1:3: 'a' must be a scalar" },
	{ "a: 1\n",
	  { "l=[1,x]" },
	  "seq:l;item:1;nu64:cpu:0:9",
	  "--set:1:6: 'cpu' must be an integer, got 'x'" },
	{ "a: 1\n",
	  { "l=[1, 'x']" },
	  "seq:l;item:1;nu64:cpu:0:9",
	  "--set:1:7: 'cpu' must be an integer, got 'x'" },
	{ "a: 1\n", { "l=[1,2" }, "", "--set:1:3: expected a list like '[0, 1]', got '[1,2'" },
	{ "a: 1\n", { "l=[1,,2]" }, "", "--set:1:3: expected a list like '[0, 1]', got '[1,,2]'" },
	{ "a: 1\n",
	  { "l=[1,[2]]" },
	  "",
	  "--set:1:3: expected a list like '[0, 1]', got '[1,[2]]'" },
	{ "a: 1\n", { "l=[1]]" }, "", "--set:1:3: expected a list like '[0, 1]', got '[1]]'" },
	{ "a: 1\n",
	  { "l=[{a: 1}]" },
	  "",
	  "--set:1:3: expected a list like '[0, 1]', got '[{a: 1}]'" },
	{ "hosts:\n  - name: rx\n    irq: [0]\n",
	  { "hosts/rx/irq=[2,3]", "hosts/rx/irq/1=4" },
	  "seq:hosts;item:0;seq:irq;item:0;nu64:c:0:9=2;pop;item:1;nu64:c:0:9=4",
	  NULL },
	{ "nic: {rx_ring: 1}\n",
	  { "nic=[1]" },
	  "",
	  "--set:1:1: 'nic' is a mapping; --set replaces only scalars and lists" },

	/* --- --unset --- */
	{ "a: 1\nb: 2\n", { "!a" }, "u64:a:0:9=0;u64:b:0:9=2;unknown:scenario", NULL },
	{ "nic:\n  rx_ring: 512\n  tx_ring: 64\n",
	  { "!nic/rx_ring" },
	  "map:nic;u64:rx_ring:0:4096=0;u64:tx_ring:0:4096=64;unknown:nic 'eth0'",
	  NULL },
	{ "nic:\n  rx_ring: 512\n  zzz: 1\n",
	  { "!nic/zzz" },
	  "map:nic;u64:rx_ring:0:4096=512;unknown:nic 'eth0'",
	  NULL },
	{ "hosts:\n  - name: rx\n  - name: tx\n    cpus: 2\n",
	  { "!hosts/rx" },
	  "seq:hosts;item:0;str:name=tx;u64:cpus:1:9=2",
	  NULL },
	{ "cpus: [1, 2, 3]\n", { "!cpus/0" }, "seq:cpus;item:0;nu64:c:0:9=2", NULL },
	{ "nic:\n  rx_ring: 512\n",
	  { "!nic/rx_ring", "nic/rx_ring=8" },
	  "map:nic;u64:rx_ring:0:4096=8",
	  NULL },
	{ "nic:\n  rx_ring: 512\n",
	  { "nic/rx_ring=8", "!nic" },
	  "has:nic=false;unknown:scenario",
	  NULL },
	{ "a: 1\n", { "!b" }, "", "--unset:1:1: no key 'b' in scenario" },
	{ "a: 1\n", { "a=2", "!a/b" }, "", "--unset:2:3: no key 'b' in 'a'" },
	{ "nic: {rx_ring: 1}\n", { "!nic/tx_ring" }, "", "--unset:1:5: no key 'tx_ring' in 'nic'" },
	{ "nic: {rx_ring: 1}\n", { "!nc/tx_ring" }, "", "--unset:1:1: no key 'nc' in scenario" },
	{ "hosts:\n  - name: rx\n",
	  { "!hosts/tx/cpus" },
	  "",
	  "--unset:1:7: no item 'tx' in list 'hosts'" },
	{ "hosts:\n  - name: rx\n",
	  { "!hosts/1" },
	  "",
	  "--unset:1:7: no item '1' in list 'hosts'" },
	{ "a: 1\n", { "!a=1" }, "", "--unset:1:1: expected KEY, got 'a=1'" },
	{ "a: 1\n", { "!" }, "", "--unset:1:1: expected KEY, got ''" },
	{ "a: 1\n", { "!a//b" }, "", "--unset:1:1: expected KEY, got 'a//b'" },
};

/* --- the script interpreter --- */

struct run {
	const struct cfg_node *stack[MAX_DEPTH];
	int depth;
	struct sim_error err;
	char got[256]; /* the value read, printed */
};

static const struct cfg_node *cur(const struct run *r)
{
	return r->stack[r->depth];
}

static void push(struct run *r, const struct cfg_node *n)
{
	ck_assert_msg(n != NULL, "descending into a missing node");
	ck_assert_int_lt(r->depth + 1, MAX_DEPTH);
	r->stack[++r->depth] = n;
}

static uint64_t arg_u64(const char *s)
{
	return strtoull(s, NULL, 0);
}

/* Parse MIN or MAX with the unit parser of the getter @op. */
static double arg_real(const char *op, const char *s)
{
	double v = 0;
	int rc = 0;

	if (strstr(op, "bitrate"))
		rc = sim_parse_bitrate(s, &v);
	else if (strstr(op, "pktrate"))
		rc = sim_parse_pktrate(s, &v);
	else if (strstr(op, "freq"))
		rc = sim_parse_freq(s, &v);
	else
		v = strtod(s, NULL);
	ck_assert_msg(rc == 0, "bad bound '%s'", s);
	return v;
}

static sim_time_t arg_time(const char *s)
{
	sim_time_t t = 0;

	ck_assert_msg(sim_parse_time(s, &t) == 0, "bad time bound '%s'", s);
	return t;
}

static uint64_t arg_size(const char *s)
{
	uint64_t v = 0;

	ck_assert_msg(sim_parse_size(s, &v) == 0, "bad size bound '%s'", s);
	return v;
}

/* The NULL-terminated list "a|b|c" split in place into @names. */
static const char *const *split_names(char *list, const char **names, size_t max)
{
	size_t n = 0;
	char *save = NULL;

	for (char *t = strtok_r(list, "|", &save); t && n + 1 < max; t = strtok_r(NULL, "|", &save))
		names[n++] = t;
	names[n] = NULL;
	return names;
}

/* Getters that descend or check shapes. */
static int run_shape(struct run *r, const char *op, char **a, int *handled)
{
	const struct cfg_node *n = NULL;
	int rc = 0;

	*handled = 1;
	if (!strcmp(op, "map") || !strcmp(op, "seq")) {
		rc = op[0] == 'm' ? cfg_get_map(cur(r), a[0], &n, &r->err)
				  : cfg_get_seq(cur(r), a[0], &n, &r->err);
		if (!rc)
			push(r, n);
	} else if (!strcmp(op, "get"))
		push(r, cfg_get(cur(r), a[0]));
	else if (!strcmp(op, "item"))
		push(r, cur(r)->items[arg_u64(a[0])]);
	else if (!strcmp(op, "pop"))
		r->depth--;
	else if (!strcmp(op, "nmap"))
		rc = cfg_node_map(cur(r), a[0], &r->err);
	else if (!strcmp(op, "nseq"))
		rc = cfg_node_seq(cur(r), a[0], &r->err);
	else if (!strcmp(op, "req"))
		rc = cfg_require(cur(r), a[0], a[1], &r->err);
	else if (!strcmp(op, "unknown"))
		rc = cfg_check_unknown(cur(r), a[0], &r->err);
	else if (!strcmp(op, "has"))
		snprintf(r->got, sizeof(r->got), "%s", cfg_has(cur(r), a[0]) ? "true" : "false");
	else
		*handled = 0;
	ck_assert_int_ge(r->depth, 0);
	return rc;
}

/* Getters of integers and strings. */
static int run_exact(struct run *r, const char *op, char **a, int *handled)
{
	const struct cfg_node *m = cur(r);
	unsigned long long u = 0;
	const char *s = NULL;
	sim_time_t t = 0;
	bool b = false;
	int rc = 0, e = 0;

	*handled = 1;
	if (!strcmp(op, "u64")) {
		uint64_t v = 0;

		rc = cfg_get_u64(m, a[0], &v, 0, arg_u64(a[1]), arg_u64(a[2]), &r->err);
		u = v;
	} else if (!strcmp(op, "nu64")) {
		uint64_t v = 0;

		rc = cfg_node_u64(m, a[0], &v, arg_u64(a[1]), arg_u64(a[2]), &r->err);
		u = v;
	} else if (!strcmp(op, "size")) {
		uint64_t v = 0;

		rc = cfg_get_size(m, a[0], &v, 0, arg_size(a[1]), arg_size(a[2]), &r->err);
		u = v;
	} else if (!strcmp(op, "nsize")) {
		uint64_t v = 0;

		rc = cfg_node_size(m, a[0], &v, arg_size(a[1]), arg_size(a[2]), &r->err);
		u = v;
	} else if (!strcmp(op, "time") || !strcmp(op, "ntime")) {
		rc = op[0] == 'n'
			     ? cfg_node_time(m, a[0], &t, arg_time(a[1]), arg_time(a[2]), &r->err)
			     : cfg_get_time(m, a[0], &t, 0, arg_time(a[1]), arg_time(a[2]),
					    &r->err);
		u = (unsigned long long)t;
	} else if (!strcmp(op, "str") || !strcmp(op, "nstr")) {
		rc = op[0] == 'n' ? cfg_node_str(m, a[0], &s, &r->err)
				  : cfg_get_str(m, a[0], &s, "(default)", &r->err);
	} else if (!strcmp(op, "bool")) {
		rc = cfg_get_bool(m, a[0], &b, false, &r->err);
		s = b ? "true" : "false";
	} else if (!strcmp(op, "enum")) {
		const char *names[8];

		rc = cfg_get_enum(m, a[0], split_names(a[1], names, 8), &e, -1, &r->err);
		u = (unsigned long long)e;
	} else {
		*handled = 0;
	}
	if (s)
		snprintf(r->got, sizeof(r->got), "%s", s);
	else
		snprintf(r->got, sizeof(r->got), "%llu", u);
	return rc;
}

/* Getters of floating-point quantities. */
static int run_real(struct run *r, const char *op, char **a, int *handled)
{
	const struct cfg_node *m = cur(r);
	double v = 0;
	int rc = 0;

	*handled = 1;
	if (!strcmp(op, "dbl"))
		rc = cfg_get_double(m, a[0], &v, 0, arg_real(op, a[1]), arg_real(op, a[2]),
				    &r->err);
	else if (!strcmp(op, "ndbl"))
		rc = cfg_node_double(m, a[0], &v, arg_real(op, a[1]), arg_real(op, a[2]), &r->err);
	else if (!strcmp(op, "bitrate"))
		rc = cfg_get_bitrate(m, a[0], &v, 0, arg_real(op, a[1]), arg_real(op, a[2]),
				     &r->err);
	else if (!strcmp(op, "pktrate"))
		rc = cfg_get_pktrate(m, a[0], &v, 0, arg_real(op, a[1]), arg_real(op, a[2]),
				     &r->err);
	else if (!strcmp(op, "freq"))
		rc = cfg_get_freq(m, a[0], &v, 0, arg_real(op, a[1]), arg_real(op, a[2]), &r->err);
	else if (!strcmp(op, "frac"))
		rc = cfg_get_fraction(m, a[0], &v, -1, &r->err);
	else
		*handled = 0;
	snprintf(r->got, sizeof(r->got), "%g", v);
	return rc;
}

/* Run one action "op:arg...[=want]"; the getter's return value. */
static int run_action(struct run *r, char *action)
{
	char *want = strchr(action, '='), *a[MAX_ARGS] = { NULL }, *save = NULL, *op;
	int handled = 0, rc, na = 0;

	if (want)
		*want++ = '\0';
	op = strtok_r(action, ":", &save);
	while (na < MAX_ARGS && (a[na] = strtok_r(NULL, ":", &save)))
		na++;
	r->got[0] = '\0';
	rc = run_shape(r, op, a, &handled);
	if (!handled)
		rc = run_exact(r, op, a, &handled);
	if (!handled)
		rc = run_real(r, op, a, &handled);
	ck_assert_msg(handled, "unknown action '%s'", op);
	ck_assert_int_eq(rc != 0, r->err.set != 0);
	if (!rc && want)
		ck_assert_str_eq(r->got, want);
	return rc;
}

static void run_script(struct run *r, const char *script)
{
	char buf[1024], *save = NULL;

	ck_assert_uint_lt(strlen(script), sizeof(buf));
	strcpy(buf, script);
	for (char *t = strtok_r(buf, ";", &save); t; t = strtok_r(NULL, ";", &save))
		if (run_action(r, t))
			return;
}

START_TEST(test_table)
{
	const struct cfg_case *tc = &cases[_i];
	struct run r = { .depth = 0 };
	struct cfg c;
	int rc = cfg_load_string(&c, "t.yaml", tc->yaml, &r.err);

	for (int i = 0; !rc && i < MAX_SETS && tc->sets[i]; i++)
		rc = tc->sets[i][0] == '!' ? cfg_apply_unset(&c, tc->sets[i] + 1, &r.err)
					   : cfg_apply_set(&c, tc->sets[i], &r.err);
	ck_assert_int_eq(rc != 0, r.err.set != 0);
	if (!rc) {
		r.stack[0] = c.root;
		run_script(&r, tc->script);
	}
	if (tc->want)
		ck_assert_msg(r.err.set, "case %d: no error, expected \"%s\"", _i, tc->want);
	else
		ck_assert_msg(!r.err.set, "case %d: unexpected \"%s\"", _i, r.err.msg);
	if (tc->want)
		ck_assert_str_eq(r.err.msg, tc->want);
	cfg_release(&c);
}
END_TEST

/* --- plain tests --- */

START_TEST(test_positions)
{
	const char *text = "# c\nhost:\n  name: \"rx\"\n  cpus: [1, 2]\n  x: ~\n";
	const struct cfg_node *host, *cpus;
	struct sim_error err = { 0 };
	struct cfg c;

	ck_assert_int_eq(cfg_load_string(&c, "p.yaml", text, &err), 0);
	ck_assert_str_eq(c.file, "p.yaml");
	ck_assert_uint_eq(c.root->type, CFG_MAP);
	ck_assert_uint_eq(c.root->key_line[0], 2);
	ck_assert_uint_eq(c.root->key_col[0], 1);
	host = c.root->items[0];
	ck_assert_str_eq(host->file, "p.yaml");
	ck_assert_uint_eq(host->line, 3);
	ck_assert_uint_eq(host->col, 3);
	ck_assert_uint_eq(host->n, 3);
	ck_assert_str_eq(host->keys[0], "name");
	ck_assert_uint_eq(host->items[0]->col, 9);
	ck_assert(host->items[0]->quoted);
	ck_assert_str_eq(host->items[0]->str, "rx");
	cpus = host->items[1];
	ck_assert_uint_eq(cpus->type, CFG_SEQ);
	ck_assert_uint_eq(cpus->line, 4);
	ck_assert_uint_eq(cpus->col, 9);
	ck_assert_uint_eq(cpus->items[1]->col, 13);
	ck_assert(!cpus->items[1]->quoted);
	ck_assert_str_eq(host->items[2]->str, "");
	cfg_release(&c);
}
END_TEST

START_TEST(test_set_position)
{
	struct sim_error err = { 0 };
	const struct cfg_node *n;
	struct cfg c;

	ck_assert_int_eq(cfg_load_string(&c, "t.yaml", "nic: {rx_ring: '512'}\n", &err), 0);
	ck_assert_int_eq(cfg_apply_set(&c, "seed=1", &err), 0);
	ck_assert_int_eq(cfg_apply_set(&c, "nic/rx_ring=1024", &err), 0);
	ck_assert_uint_eq(c.nsets, 2);
	n = cfg_get(cfg_get(c.root, "nic"), "rx_ring");
	ck_assert_str_eq(n->file, "--set");
	ck_assert_uint_eq(n->line, 2);
	ck_assert_uint_eq(n->col, 13);
	ck_assert(!n->quoted);
	ck_assert_str_eq(n->str, "1024");
	n = cfg_get(c.root, "seed");
	ck_assert_str_eq(n->file, "--set");
	ck_assert_uint_eq(n->line, 1);
	ck_assert_uint_eq(n->col, 6);
	/* A failed --set still counts. */
	ck_assert_int_eq(cfg_apply_set(&c, "bad", &err), -1);
	ck_assert_uint_eq(c.nsets, 3);
	cfg_release(&c);
}
END_TEST

START_TEST(test_set_without_file)
{
	struct sim_error err = { 0 };
	struct cfg c = { 0 };
	uint64_t v = 0;

	ck_assert_int_eq(cfg_apply_set(&c, "seed=5", &err), 0);
	ck_assert_int_eq(cfg_get_u64(c.root, "seed", &v, 0, 0, 9, &err), 0);
	ck_assert_uint_eq(v, 5);
	ck_assert_int_eq(cfg_check_unknown(c.root, "scenario", &err), 0);
	cfg_release(&c);
}
END_TEST

START_TEST(test_defaults)
{
	const char *const names[] = { "a", "b", NULL };
	const struct cfg_node *maps[2];
	struct sim_error err = { 0 };
	struct cfg c;

	ck_assert_int_eq(cfg_load_string(&c, "t.yaml", "x: 1\n", &err), 0);
	maps[0] = c.root;
	maps[1] = NULL;
	for (int i = 0; i < 2; i++) {
		const struct cfg_node *m = maps[i], *sub = m;
		const char *s = NULL;
		uint64_t u = 0;
		sim_time_t t = 0;
		double d = 0;
		bool b = false;
		int e = 0;

		ck_assert_int_eq(cfg_get_str(m, "k", &s, "def", &err), 0);
		ck_assert_str_eq(s, "def");
		ck_assert_int_eq(cfg_get_bool(m, "k", &b, true, &err), 0);
		ck_assert(b);
		ck_assert_int_eq(cfg_get_u64(m, "k", &u, 7, 0, 1, &err), 0);
		ck_assert_uint_eq(u, 7);
		ck_assert_int_eq(cfg_get_size(m, "k", &u, 8, 0, 1, &err), 0);
		ck_assert_uint_eq(u, 8);
		ck_assert_int_eq(cfg_get_time(m, "k", &t, 9, 0, 1, &err), 0);
		ck_assert_int_eq(t, 9);
		ck_assert_int_eq(cfg_get_double(m, "k", &d, 1.5, 0, 1, &err), 0);
		ck_assert_double_eq(d, 1.5);
		ck_assert_int_eq(cfg_get_bitrate(m, "k", &d, 2.5, 0, 1, &err), 0);
		ck_assert_double_eq(d, 2.5);
		ck_assert_int_eq(cfg_get_pktrate(m, "k", &d, 3.5, 0, 1, &err), 0);
		ck_assert_double_eq(d, 3.5);
		ck_assert_int_eq(cfg_get_freq(m, "k", &d, 4.5, 0, 1, &err), 0);
		ck_assert_double_eq(d, 4.5);
		ck_assert_int_eq(cfg_get_fraction(m, "k", &d, 0.25, &err), 0);
		ck_assert_double_eq(d, 0.25);
		ck_assert_int_eq(cfg_get_enum(m, "k", names, &e, 1, &err), 0);
		ck_assert_int_eq(e, 1);
		ck_assert_int_eq(cfg_get_map(m, "k", &sub, &err), 0);
		ck_assert_ptr_null(sub);
		sub = m;
		ck_assert_int_eq(cfg_get_seq(m, "k", &sub, &err), 0);
		ck_assert_ptr_null(sub);
		ck_assert(!cfg_has(m, "k"));
		ck_assert_ptr_null(cfg_get(m, "k"));
	}
	ck_assert_int_eq(err.set, 0);
	/* Asking for "k" made it known, which suggests it for "x". */
	ck_assert_int_eq(cfg_check_unknown(c.root, "scenario", &err), -1);
	ck_assert_str_eq(err.msg, "t.yaml:1:1: unknown key 'x' in scenario (did you mean 'k'?)");
	ck_assert_int_eq(cfg_check_unknown(NULL, "scenario", &err), 0);
	cfg_release(&c);
}
END_TEST

START_TEST(test_bad_value_keeps_default)
{
	struct sim_error err = { 0 };
	struct cfg c;
	uint64_t u = 0;

	ck_assert_int_eq(cfg_load_string(&c, "t.yaml", "a: x\nb: [1]\n", &err), 0);
	ck_assert_int_eq(cfg_get_u64(c.root, "a", &u, 42, 0, 100, &err), -1);
	ck_assert_uint_eq(u, 42);
	/* The first error wins. */
	ck_assert_int_eq(cfg_get_u64(c.root, "b", &u, 43, 0, 100, &err), -1);
	ck_assert_uint_eq(u, 43);
	ck_assert_str_eq(err.msg, "t.yaml:1:4: 'a' must be an integer, got 'x'");
	cfg_release(&c);
}
END_TEST

START_TEST(test_cfg_error)
{
	struct sim_error err = { 0 };
	struct cfg c;

	ck_assert_int_eq(cfg_load_string(&c, "t.yaml", "hosts:\n  - rx\n", &err), 0);
	ck_assert_int_eq(cfg_error(c.root->items[0]->items[0], &err, "host '%s' is %d", "rx", 1),
			 -1);
	ck_assert_str_eq(err.msg, "t.yaml:2:5: host 'rx' is 1");
	cfg_release(&c);
}
END_TEST

START_TEST(test_release_after_failure)
{
	struct sim_error err = { 0 };
	struct cfg c;

	ck_assert_int_eq(cfg_load_string(&c, "t.yaml", "a: [1, {b: &x 2}, *x, *y]\n", &err), -1);
	ck_assert_str_eq(err.msg, "t.yaml:1:23: yaml: found undefined alias 'y'");
	ck_assert_ptr_null(c.root);
	ck_assert_ptr_null(c.file);
	cfg_release(&c);
	cfg_release(&c);
}
END_TEST

/* The overrides are recorded in order, with the loaded text's SHA-256. */
START_TEST(test_provenance)
{
	struct sim_error err = { 0 };
	struct cfg c;

	/* sha256sum of the 5 bytes "a: 1\n" */
	ck_assert_int_eq(cfg_load_string(&c, "t.yaml", "a: 1\n", &err), 0);
	ck_assert_str_eq(c.sha256,
			 "37b128c59f1f5097f73f82691cb519f1f568667faab5ced1b4ab979d36837eae");
	ck_assert_int_eq(cfg_apply_set(&c, "b=2", &err), 0);
	ck_assert_int_eq(cfg_apply_unset(&c, "a", &err), 0);
	ck_assert_int_eq(cfg_apply_set(&c, "l=[1, 2]", &err), 0);
	ck_assert_uint_eq(c.noverrides, 3);
	ck_assert_str_eq(c.overrides[0], "--set b=2");
	ck_assert_str_eq(c.overrides[1], "--unset a");
	ck_assert_str_eq(c.overrides[2], "--set l=[1, 2]");
	/* a failed override is not recorded */
	ck_assert_int_eq(cfg_apply_unset(&c, "zz", &err), -1);
	ck_assert_uint_eq(c.noverrides, 3);
	cfg_release(&c);
}
END_TEST

/* --dump: the exact YAML, and loading it back gives the same YAML. */
START_TEST(test_dump)
{
	static const char text[] = "name: x # c\n"
				   "q: 'yes'\n"
				   "hosts:\n"
				   "  - name: rx\n"
				   "    cpus: 2\n"
				   "    irq: [0, 1]\n"
				   "    e: {}\n"
				   "    n: ~\n";
	static const char want[] = "name: x\n"
				   "q: 'yes'\n"
				   "hosts:\n"
				   "- name: rx\n"
				   "  cpus: 4\n"
				   "  irq: [2, 3]\n"
				   "  e: {}\n"
				   "  n:\n"
				   "  gro: off\n";
	struct sim_error err = { 0 };
	char *buf = NULL, *buf2 = NULL;
	size_t len = 0, len2 = 0;
	struct cfg c, c2;
	FILE *f;

	ck_assert_int_eq(cfg_load_string(&c, "t.yaml", text, &err), 0);
	ck_assert_int_eq(cfg_apply_set(&c, "hosts/rx/cpus=4", &err), 0);
	ck_assert_int_eq(cfg_apply_set(&c, "hosts/rx/irq=[2, 3]", &err), 0);
	ck_assert_int_eq(cfg_apply_set(&c, "hosts/rx/gro=off", &err), 0);
	f = open_memstream(&buf, &len);
	ck_assert_int_eq(cfg_dump(&c, f, &err), 0);
	fclose(f);
	ck_assert_str_eq(buf, want);
	ck_assert_int_eq(cfg_load_string(&c2, "d.yaml", buf, &err), 0);
	f = open_memstream(&buf2, &len2);
	ck_assert_int_eq(cfg_dump(&c2, f, &err), 0);
	fclose(f);
	ck_assert_str_eq(buf2, want);
	cfg_release(&c);
	cfg_release(&c2);
	free(buf);
	free(buf2);
}
END_TEST

START_TEST(test_load_file)
{
	char path[] = "/tmp/skbsim-cfg-XXXXXX", want[256];
	struct sim_error err = { 0 };
	struct cfg c;
	uint64_t v = 0;
	FILE *f;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	fputs("a: 1\nb: x\n", f);
	fclose(f);
	ck_assert_int_eq(cfg_load_file(&c, path, &err), 0);
	ck_assert_str_eq(c.file, path);
	ck_assert_int_eq(cfg_get_u64(c.root, "a", &v, 0, 0, 9, &err), 0);
	ck_assert_uint_eq(v, 1);
	ck_assert_int_eq(cfg_get_u64(c.root, "b", &v, 0, 0, 9, &err), -1);
	snprintf(want, sizeof(want), "%s:2:4: 'b' must be an integer, got 'x'", path);
	ck_assert_str_eq(err.msg, want);
	cfg_release(&c);
	unlink(path);
}
END_TEST

START_TEST(test_load_file_errors)
{
	struct sim_error err = { 0 };
	struct cfg c;

	ck_assert_int_eq(cfg_load_file(&c, "no/such/file.yaml", &err), -1);
	ck_assert_str_eq(err.msg, "cannot open 'no/such/file.yaml': No such file or directory");
	ck_assert_ptr_null(c.root);
	cfg_release(&c);
	sim_error_clear(&err);
	ck_assert_int_eq(cfg_load_file(&c, "/", &err), -1);
	ck_assert_str_eq(err.msg, "cannot read '/': Is a directory");
	cfg_release(&c);
}
END_TEST

/* An input nested @levels deep in flow lists under key "a". */
static char *nested(int levels)
{
	char *s = malloc((size_t)(2 * levels + 8));

	ck_assert_ptr_nonnull(s);
	strcpy(s, "a: ");
	memset(s + 3, '[', (size_t)levels);
	memset(s + 3 + levels, ']', (size_t)levels);
	strcpy(s + 3 + 2 * levels, "\n");
	return s;
}

START_TEST(test_depth_limit)
{
	struct sim_error err = { 0 };
	struct cfg c;
	char *ok = nested(256), *deep = nested(300);

	ck_assert_int_eq(cfg_load_string(&c, "t.yaml", ok, &err), 0);
	cfg_release(&c);
	ck_assert_int_eq(cfg_load_string(&c, "t.yaml", deep, &err), -1);
	/* The list at depth 257 starts in column 3 + 257. */
	ck_assert_str_eq(err.msg, "t.yaml:1:260: nesting is deeper than 256 levels");
	free(ok);
	free(deep);
}
END_TEST

START_TEST(test_alias_bomb)
{
	const char *text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
			   "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
			   "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
			   "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
			   "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
			   "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
			   "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n";
	struct sim_error err = { 0 };
	struct cfg c;

	ck_assert_int_eq(cfg_load_string(&c, "t.yaml", text, &err), -1);
	ck_assert_msg(strstr(err.msg, "t.yaml:6:") == err.msg, "%s", err.msg);
	ck_assert_msg(strstr(err.msg, ": more than 1048576 nodes (aliases expanded)"), "%s",
		      err.msg);
}
END_TEST

START_TEST(test_many_keys)
{
	char text[4096], key[16];
	struct sim_error err = { 0 };
	size_t len = 0;
	struct cfg c;

	for (int i = 0; i < 200; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "k%d: %d\n", i, i);
	ck_assert_int_eq(cfg_load_string(&c, "t.yaml", text, &err), 0);
	ck_assert_uint_eq(c.root->n, 200);
	for (int i = 0; i < 200; i += 2) {
		uint64_t v = 0;

		snprintf(key, sizeof(key), "k%d", i);
		ck_assert_int_eq(cfg_get_u64(c.root, key, &v, 0, 0, 1000, &err), 0);
		ck_assert_uint_eq(v, (uint64_t)i);
	}
	ck_assert_uint_eq(c.root->nknown, 100);
	ck_assert_int_eq(cfg_check_unknown(c.root, "scenario", &err), -1);
	ck_assert_str_eq(err.msg, "t.yaml:2:1: unknown key 'k1' in scenario (did you mean 'k0'?)");
	cfg_release(&c);
}
END_TEST

Suite *cfg_suite(void);

Suite *cfg_suite(void)
{
	Suite *s = suite_create("cfg");
	TCase *tc = tcase_create("table");
	TCase *tp = tcase_create("plain");

	tcase_add_loop_test(tc, test_table, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	suite_add_tcase(s, tc);
	tcase_add_test(tp, test_positions);
	tcase_add_test(tp, test_set_position);
	tcase_add_test(tp, test_set_without_file);
	tcase_add_test(tp, test_defaults);
	tcase_add_test(tp, test_bad_value_keeps_default);
	tcase_add_test(tp, test_cfg_error);
	tcase_add_test(tp, test_release_after_failure);
	tcase_add_test(tp, test_provenance);
	tcase_add_test(tp, test_dump);
	tcase_add_test(tp, test_load_file);
	tcase_add_test(tp, test_load_file_errors);
	tcase_add_test(tp, test_depth_limit);
	tcase_add_test(tp, test_alias_bomb);
	tcase_add_test(tp, test_many_keys);
	suite_add_tcase(s, tp);
	return s;
}
