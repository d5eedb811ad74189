/*
 * models/subsys.h - per-subsystem lifecycle and report hooks.
 *
 * Modelled on struct pernet_operations (include/net/net_namespace.h): each
 * part of the model that owns state in a host (a network namespace) or in
 * the world registers one const struct host_subsys_ops in the registry
 * host_subsys[] (models/subsys.c, one line per subsystem). scenario.c and
 * report.c only walk that table; they name no model and read no model's
 * private fields.
 *
 * Invariants:
 *  - Hooks run in table order (boot, init, world_init, world_link,
 *    world_late_init, start, warm-up reset, finish, estimates, files; the
 *    world phases each over the whole table), releases in reverse table order, as
 *    register_pernet_subsys() runs ->init in registration order and ->exit in
 *    reverse. A host's init hooks run after the host's own keys (name,
 *    profile, cpus, sysctl, costs, list limits, unknown keys) are read, so the
 *    order of initialisation is the order of the table, and so is the order
 *    in which random streams are created (a stream's draws do not depend on
 *    when it is created: sim/rng.h).
 *  - Report hooks run by rank (lower first, ties in table order): each walk
 *    (the world's sections of report.txt and report.json, a host's section of
 *    report.txt, a host's object in report.json) has its own rank field, so
 *    that one subsystem's part can sit where the report format (docs/report.md)
 *    puts it. A rank is only read when its hook is set.
 *  - Every hook is optional except name (REQUIRED, unique: tests/test_subsys.c
 *    checks the registry). release must accept a host whose init failed or
 *    never ran (pointers NULL, counts 0), as host teardown after a bad
 *    scenario needs.
 *  - Report hooks only read: no events, no draws, no allocation that
 *    outlives the call (results stay byte-identical with any report).
 *
 * The ranks in use (docs/architecture.md "Subsystems"):
 *
 *   world (report.txt top / report.json members): skb 10 (packets, drops,
 *     latency), cpu 20 (cpus), queues 30, headroom 40, [hosts 50: report.c],
 *     traffic 60
 *   host text (report.txt "Host" section): inet 10 (Udp/Ip/Icmp lines),
 *     netfilter 20 (conntrack), cpu 30 (softnet_stat), netdev 40 (drivers),
 *     [locks 50: report.c], sock 60, app 70
 *   host json (report.json "hosts" items): inet 10 (snmp), cpu 20
 *     (softnet_stat), netdev 30 (devices), sock 40 (sockets, sockstat),
 *     [locks 50: report.c], app 60, netfilter 70 (conntrack)
 *   host files (emit's rank): softnet_stat 10, snmp 20, netstat 30, net_dev
 *     40, ss 50, interrupts 60, tc_qdisc 70, tc_class 80, neigh 90, sockstat
 *     100, iptables 110, conntrack_S 120, nf_conntrack_count 130, each
 *     device's bridge_fdb_/ethtool_S_/ethtool_c_/byte_queue_limits_ 140
 */
#ifndef MODELS_SUBSYS_H
#define MODELS_SUBSYS_H

#include <stdio.h>

#include <cjson/cJSON.h>

#include "sim/cfg.h"
#include "sim/error.h"
#include "models/world.h"

/* The rank of report.c's own parts: the hosts among the world's sections, the locks of a host. */
#define SUBSYS_RANK_HOSTS 50
#define SUBSYS_RANK_LOCKS 50

/* struct lock_report: models/kernel/contention.h (through models/world.h). */

/* Called once per lock by a subsystem's locks hook. */
typedef void (*lock_report_fn)(const struct lock_report *l, void *arg);

/* Writes one Linux-format file's text. @arg is what the files hook passed. */
typedef void (*host_file_write_fn)(const void *arg, FILE *f);

/*
 * Handed to a files hook: emit(ctx, rank, name, write, arg, err) asks for
 * the file @name (one path component, at most 255 bytes) in the host's
 * directory, written by @write(@arg, f). The files are created once every
 * hook has asked, by rank (lower first, ties in the order asked), so that
 * a host's files are written in one order whatever the table's; @arg must
 * stay valid until then (the host's own state does). 0, or -1 with @err set
 * (the hook then returns -1 at once).
 */
struct host_files {
	int (*emit)(struct host_files *ctx, int rank, const char *name, host_file_write_fn write,
		    const void *arg, struct sim_error *err);
};

struct host_subsys_ops {
	const char *name; /* REQUIRED, unique: "cpu", "netdev", "sock" */

	/* ---- lifecycle ---- */
	/* Once per world, before any host is built: set the seams the subsystem installs. */
	void (*boot)(void);
	/*
	 * Build the subsystem's part of host @h from @h's scenario mapping @n:
	 * read its keys, allocate. 0, or -1 with @err set (located at the YAML
	 * node at fault; an error without a position gets @n's).
	 */
	int (*init)(struct host *h, const struct cfg_node *n, struct sim_error *err);
	/*
	 * Once every host is built, in table order: world-level parts read from
	 * the scenario's @root (traffic sources, capture names). 0 or -1 with @err.
	 */
	int (*world_init)(struct world *w, const struct cfg_node *root, struct sim_error *err);
	/* Then: join what hosts name of each other (veth peers, `links:`). */
	int (*world_link)(struct world *w, const struct cfg_node *root, struct sim_error *err);
	/* After the links are joined: checks and tables that need the whole world. */
	int (*world_late_init)(struct world *w, const struct cfg_node *root, struct sim_error *err);
	/* Schedule the host's first events (world_start, hosts in order). */
	void (*start)(struct host *h);
	/* Schedule the world-level first events, after every host's start. */
	void (*world_start)(struct world *w);
	/* End of the warm-up at @now: statistics restart. */
	void (*warmup_reset)(struct host *h, sim_time_t now);
	/* The run ended (or stopped) at @end: close time-weighted accounting. */
	void (*finish)(struct host *h, sim_time_t end);
	/* Free what init allocated (reverse table order). */
	void (*release)(struct host *h);
	/* Free the world-level parts (reverse table order, after every host's release). */
	void (*world_release)(struct world *w);

	/* ---- sizing ---- */
	/* skbs the host's queues may hold (the default `skb_pool`). */
	uint64_t (*skb_pool_need)(const struct host *h);
	/* Add the host's memory (bytes) and offered packets of the run to the estimates. */
	void (*estimate)(const struct host *h, uint64_t *mem_bytes, double *pkts);
	/* The same for the world-level parts, after every host's. */
	void (*world_estimate)(const struct world *w, uint64_t *mem_bytes, double *pkts);

	/* ---- report ---- */
	int world_rank; /* rank of world_text/world_json among the world's sections */
	/* report.txt sections of the whole world (each ends with its blank line). */
	void (*world_text)(const struct world *w, FILE *f);
	/* report.json members of the whole world, added to @root. */
	void (*world_json)(const struct world *w, cJSON *root);
	int text_rank; /* rank of text in a host's section */
	/* The subsystem's lines in host @h's section of report.txt. */
	void (*text)(const struct host *h, FILE *f);
	int json_rank; /* rank of json in a host's object */
	/* Add the subsystem's members to @h's object in report.json. */
	void (*json)(const struct host *h, cJSON *host_obj);
	/* Every spinlock of the subsystem in @h that was taken (report.txt, report.json "locks"). */
	void (*locks)(const struct host *h, lock_report_fn fn, void *arg);
	/* Write the subsystem's Linux-format files of @h through @out. 0 or -1 with @err. */
	int (*files)(const struct host *h, struct host_files *out, struct sim_error *err);
	/*
	 * The names files may write (NULL-terminated) and the prefixes of the
	 * per-device ones: what a results directory may hold (tools/results.c).
	 */
	const char *const *file_names;
	const char *const *file_prefixes;
};

/* The registry, in initialisation order, NULL-terminated (models/subsys.c). */
extern const struct host_subsys_ops *const host_subsys[];

/* Room for the entries of one table (a registry, or a test's). */
#define SUBSYS_MAX 32

/* The entries, each defined next to its subsystem. */
extern const struct host_subsys_ops skb_subsys;	     /* models/core/skb_subsys.c */
extern const struct host_subsys_ops pcap_subsys;     /* models/report/pcap_subsys.c */
extern const struct host_subsys_ops cpu_subsys;	     /* models/kernel/cpu_subsys.c */
extern const struct host_subsys_ops inet_subsys;     /* models/ipv4/inet_subsys.c */
extern const struct host_subsys_ops netdev_subsys;   /* models/core/netdev_subsys.c */
extern const struct host_subsys_ops route_subsys;    /* models/ipv4/route_subsys.c */
extern const struct host_subsys_ops nf_subsys;	     /* models/netfilter/nf_subsys.c */
extern const struct host_subsys_ops sock_subsys;     /* models/ipv4/sock_subsys.c */
extern const struct host_subsys_ops app_subsys;	     /* models/apps/app_subsys.c */
extern const struct host_subsys_ops traffic_subsys;  /* models/apps/traffic_subsys.c */
extern const struct host_subsys_ops queues_subsys;   /* models/report/queues.c */
extern const struct host_subsys_ops headroom_subsys; /* models/report/headroom.c */

/* The table a world runs with (host_subsys unless a test gave another). */
static inline const struct host_subsys_ops *const *world_subsys(const struct world *w)
{
	return w->subsys ? w->subsys : host_subsys;
}

/* Entries of a NULL-terminated table. */
size_t subsys_count(const struct host_subsys_ops *const *t);

/*
 * The entries of @t whose rank (the int at byte @rank_off of the ops) is
 * used, by rank then table order, into @out (room for subsys_count(t));
 * @has(ops) says whether an entry takes part. Returns how many.
 */
size_t subsys_by_rank(const struct host_subsys_ops *const *t, size_t rank_off,
		      bool (*has)(const struct host_subsys_ops *ops),
		      const struct host_subsys_ops **out);

/* Whether @name is a file or per-device prefix some entry of @t may write in a host directory. */
bool subsys_host_file_known(const struct host_subsys_ops *const *t, const char *name);

#endif
