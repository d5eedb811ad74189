/*
 * tests/test_world.c - see tests/test_world.h.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <unistd.h>
#include <stddef.h>
#include <string.h>

#include "sim/cfg.h"
#include "models/world.h"
#include "models/core/netdevice.h"
#include "models/ipv4/sock.h"
#include "tests/test_world.h"

struct world *test_world_run(const char *file, const char *yaml)
{
	struct sim_error err = { 0 };
	struct cfg c = { 0 };
	struct world *w;

	ck_assert_msg(cfg_load_string(&c, file, yaml, &err) == 0, "%s", err.msg);
	w = world_create(&c, -1, &err);
	cfg_release(&c);
	ck_assert_msg(w != NULL, "%s", err.msg);
	world_run(w);
	ck_assert(world_conserved(w));
	return w;
}

struct host *test_world_host(struct world *w, const char *name)
{
	for (uint32_t i = 0; i < w->nhosts; i++)
		if (!strcmp(w->hosts[i]->name, name))
			return w->hosts[i];
	ck_abort_msg("no host '%s'", name);
	return NULL;
}

struct sock *test_world_sock(struct host *h, const char *name)
{
	for (uint32_t i = 0; i < h->nsocks; i++)
		if (!strcmp(h->socks[i]->name, name))
			return h->socks[i];
	ck_abort_msg("host '%s' has no socket '%s'", h->name, name);
	return NULL;
}

struct net_device *test_world_dev(struct host *h, const char *name)
{
	for (uint32_t i = 0; i < h->ndevs; i++)
		if (!strcmp(h->devs[i]->name, name))
			return h->devs[i];
	ck_abort_msg("host '%s' has no device '%s'", h->name, name);
	return NULL;
}

void test_rm_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[1024];

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (unlink(p))
			test_rm_tree(p);
	}
	closedir(d);
	rmdir(dir);
}

uint64_t test_snmp_counter(const struct host *h, const char *name)
{
	const struct ip_mib *ip = &h->ip;
	const struct icmp_mib *ic = &h->icmp;
	static const struct {
		const char *name;
		size_t off;
		int mib; /* 0 ip, 1 icmp, 2 udp */
	} tbl[] = {
#define IPF(f) { "Ip." #f, offsetof(struct ip_mib, f), 0 }
#define ICF(f)                                                                                     \
	{                                                                                          \
		"Icmp." #f, offsetof(struct icmp_mib, f), 1                                        \
	}
#define UDF(f)                                                                                     \
	{                                                                                          \
		"Udp." #f, offsetof(struct udp_mib, f), 2                                          \
	}
		IPF(InReceives),	 IPF(InNoRoutes),
		IPF(InHdrErrors),	 IPF(InAddrErrors),
		IPF(ForwDatagrams),	 IPF(InDelivers),
		IPF(OutRequests),	 IPF(OutDiscards),
		IPF(OutNoRoutes),	 IPF(ReasmTimeout),
		IPF(ReasmReqds),	 IPF(ReasmOKs),
		IPF(ReasmFails),	 IPF(FragOKs),
		IPF(FragFails),		 IPF(FragCreates),
		IPF(OutTransmits),	 ICF(InMsgs),
		ICF(InDestUnreachs),	 ICF(InTimeExcds),
		ICF(OutDestUnreachs),	 ICF(OutRateLimitHost),
		ICF(OutRateLimitGlobal), ICF(OutTimeExcds),
		UDF(InDatagrams),	 UDF(NoPorts),
		UDF(InErrors),		 UDF(OutDatagrams),
		UDF(RcvbufErrors),	 UDF(SndbufErrors),
#undef IPF
#undef ICF
#undef UDF
	};
	if (!strcmp(name, "IpExt.InNoRoutes"))
		return ip->InNoRoutes;
	if (!strcmp(name, "Icmp.OutMsgs"))
		return ic->OutDestUnreachs + ic->OutTimeExcds;
	for (size_t i = 0; i < sizeof(tbl) / sizeof(tbl[0]); i++) {
		const char *base = tbl[i].mib == 0   ? (const char *)ip
				   : tbl[i].mib == 1 ? (const char *)ic
						     : (const char *)&h->udp;

		if (!strcmp(tbl[i].name, name))
			return *(const uint64_t *)(const void *)(base + tbl[i].off);
	}
	return UINT64_MAX; /* not modelled */
}

FILE *test_ref_open(const char *path)
{
	FILE *f = fopen(path, "r");

	ck_assert_msg(f != NULL, "%s is missing", path);
	return f;
}

bool test_ref_next(FILE *f, bool has_ns, struct ref_row *r)
{
	char line[512];

	while (fgets(line, sizeof(line), f)) {
		r->ns[0] = 0;
		if (has_ns ? sscanf(line, "%63[^,],%15[^,],%95[^,],%255[^\r\n]", r->c, r->ns, r->k,
				    r->val) == 4
			   : sscanf(line, "%63[^,],%95[^,],%255[^\r\n]", r->c, r->k, r->val) == 3)
			return true;
	}
	return false;
}
