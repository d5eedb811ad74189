/*
 * models/ipv4/inet_subsys.c - IPv4's per-namespace state as a subsystem
 * (models/subsys.h; net/ipv4/af_inet.c ipv4_mib_init_net, icmp_sk_init,
 * ipv4_frags_init_net): the reassembly queues, the ICMP rate limit's and
 * autobind's random streams, the ICMP peer table (sized and allocated by
 * models/apps/traffic_subsys.c, freed here), and the SNMP counters'
 * report (/proc/net/snmp, /proc/net/netstat).
 */
#include <stdlib.h>

#include "models/ipv4/icmp.h"
#include "models/ipv4/ip_fragment.h"
#include "models/report/proc_netstat.h"
#include "models/report/report_util.h"
#include "models/subsys.h"

static int inet_subsys_init(struct host *h, const struct cfg_node *n, struct sim_error *err)
{
	char stream[64];

	if (ipfrag_init(h))
		return cfg_error(n, err, "out of memory");
	snprintf(stream, sizeof(stream), "icmp/%s", h->name);
	sim_rng_init(&h->icmp_rng, h->w->seed, stream);
	h->icmp_global_stamp = -(sim_time_t)h->hz;
	snprintf(stream, sizeof(stream), "autobind/%s", h->name);
	sim_rng_init(&h->port_rng, h->w->seed, stream);
	return 0;
}

/* With the ICMP peer table (the traffic subsystem's world_late_init sizes it by the flows). */
static void inet_subsys_release(struct host *h)
{
	free(h->peers);
	ipfrag_release(h);
}

static void inet_subsys_estimate(const struct host *h, uint64_t *mem, double *pkts)
{
	(void)pkts;
	*mem += h->npeers_cap * sizeof(*h->peers);
}

/* ---- report: SNMP counters ---- */

static void inet_subsys_text(const struct host *h, FILE *f)
{
	fprintf(f,
		"  Udp: InDatagrams %llu NoPorts %llu InErrors %llu RcvbufErrors %llu "
		"InCsumErrors %llu\n",
		(unsigned long long)h->udp.InDatagrams, (unsigned long long)h->udp.NoPorts,
		(unsigned long long)h->udp.InErrors, (unsigned long long)h->udp.RcvbufErrors,
		(unsigned long long)h->udp.InCsumErrors);
	fprintf(f, "  Ip: InReceives %llu InHdrErrors %llu InAddrErrors %llu InDelivers %llu\n",
		(unsigned long long)h->ip.InReceives, (unsigned long long)h->ip.InHdrErrors,
		(unsigned long long)h->ip.InAddrErrors, (unsigned long long)h->ip.InDelivers);
	if (h->ip.OutRequests || h->ip.ForwDatagrams)
		fprintf(f,
			"  Udp: OutDatagrams %llu SndbufErrors %llu  Ip: OutRequests %llu "
			"OutDiscards %llu OutNoRoutes %llu ForwDatagrams %llu OutTransmits %llu\n",
			U(h->udp.OutDatagrams), U(h->udp.SndbufErrors), U(h->ip.OutRequests),
			U(h->ip.OutDiscards), U(h->ip.OutNoRoutes), U(h->ip.ForwDatagrams),
			U(h->ip.OutTransmits));
	if (h->ip.ReasmReqds || h->ip.FragCreates || h->ip.FragFails)
		fprintf(f,
			"  Ip: ReasmReqds %llu ReasmOKs %llu ReasmFails %llu ReasmTimeout %llu "
			"FragOKs %llu FragFails %llu FragCreates %llu\n",
			U(h->ip.ReasmReqds), U(h->ip.ReasmOKs), U(h->ip.ReasmFails),
			U(h->ip.ReasmTimeout), U(h->ip.FragOKs), U(h->ip.FragFails),
			U(h->ip.FragCreates));
	fprintf(f, "  Icmp: OutDestUnreachs %llu OutRateLimitGlobal %llu OutRateLimitHost %llu\n",
		(unsigned long long)h->icmp.OutDestUnreachs,
		(unsigned long long)h->icmp.OutRateLimitGlobal,
		(unsigned long long)h->icmp.OutRateLimitHost);
}

/* ---- report.json ---- */

static cJSON *json_snmp(const struct host *h)
{
	cJSON *o = cJSON_CreateObject(), *ip = cJSON_CreateObject(), *udp = cJSON_CreateObject();
	cJSON *icmp = cJSON_CreateObject();

	JNUM(ip, &h->ip, InReceives);
	JNUM(ip, &h->ip, InHdrErrors);
	JNUM(ip, &h->ip, InAddrErrors);
	JNUM(ip, &h->ip, InDiscards);
	JNUM(ip, &h->ip, InDelivers);
	JNUM(ip, &h->ip, InCsumErrors);
	JNUM(ip, &h->ip, InNoRoutes);
	JNUM(ip, &h->ip, ForwDatagrams);
	JNUM(ip, &h->ip, OutRequests);
	JNUM(ip, &h->ip, OutDiscards);
	JNUM(ip, &h->ip, OutNoRoutes);
	JNUM(ip, &h->ip, OutTransmits);
	JNUM(ip, &h->ip, ReasmTimeout);
	JNUM(ip, &h->ip, ReasmReqds);
	JNUM(ip, &h->ip, ReasmOKs);
	JNUM(ip, &h->ip, ReasmFails);
	JNUM(ip, &h->ip, FragOKs);
	JNUM(ip, &h->ip, FragFails);
	JNUM(ip, &h->ip, FragCreates);
	JNUM(udp, &h->udp, OutDatagrams);
	JNUM(udp, &h->udp, SndbufErrors);
	JNUM(icmp, &h->icmp, OutTimeExcds);
	JNUM(icmp, &h->icmp, InMsgs);
	JNUM(icmp, &h->icmp, InErrors);
	JNUM(icmp, &h->icmp, InDestUnreachs);
	JNUM(icmp, &h->icmp, InTimeExcds);
	JNUM(udp, &h->udp, InDatagrams);
	JNUM(udp, &h->udp, NoPorts);
	JNUM(udp, &h->udp, InErrors);
	JNUM(udp, &h->udp, RcvbufErrors);
	JNUM(udp, &h->udp, InCsumErrors);
	JNUM(udp, &h->udp, MemErrors);
	JNUM(icmp, &h->icmp, OutMsgs);
	JNUM(icmp, &h->icmp, OutDestUnreachs);
	JNUM(icmp, &h->icmp, OutRateLimitGlobal);
	JNUM(icmp, &h->icmp, OutRateLimitHost);
	cJSON_AddItemToObject(o, "Ip", ip);
	cJSON_AddItemToObject(o, "Icmp", icmp);
	cJSON_AddItemToObject(o, "Udp", udp);
	return o;
}

static void inet_subsys_json(const struct host *h, cJSON *o)
{
	cJSON_AddItemToObject(o, "snmp", json_snmp(h));
}

/* icmpmsg_put: the non-zero per-type counters, In then Out, one header and one value line. */
static void write_icmpmsg(FILE *f, const struct icmp_mib *ic)
{
	const struct {
		const char *name;
		uint64_t v;
	} t[] = {
		{ "InType3", ic->InDestUnreachs },
		{ "InType11", ic->InTimeExcds },
		{ "OutType3", ic->OutDestUnreachs },
		{ "OutType11", ic->OutTimeExcds },
	};
	bool any = false;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		any |= t[i].v != 0;
	if (!any)
		return;
	fputs("IcmpMsg:", f);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].v)
			fprintf(f, " %s", t[i].name);
	fputs("\nIcmpMsg:", f);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].v)
			fprintf(f, " %llu", U(t[i].v));
	fputc('\n', f);
}

static void write_snmp(const struct host *h, FILE *f)
{
	const struct ip_mib *ip = &h->ip;
	const struct udp_mib *u = &h->udp;
	const struct icmp_mib *ic = &h->icmp;

	fprintf(f, "Ip: Forwarding DefaultTTL InReceives InHdrErrors InAddrErrors ForwDatagrams "
		   "InUnknownProtos InDiscards InDelivers OutRequests OutDiscards OutNoRoutes "
		   "ReasmTimeout ReasmReqds ReasmOKs ReasmFails FragOKs FragFails FragCreates "
		   "OutTransmits\n");
	fprintf(f,
		"Ip: %d %u %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu "
		"%llu %llu %llu %llu %llu\n",
		h->sysctl.ip_forward ? 1 : 2, h->sysctl.ip_default_ttl, U(ip->InReceives),
		U(ip->InHdrErrors), U(ip->InAddrErrors), U(ip->ForwDatagrams),
		U(ip->InUnknownProtos), U(ip->InDiscards), U(ip->InDelivers), U(ip->OutRequests),
		U(ip->OutDiscards), U(ip->OutNoRoutes), U(ip->ReasmTimeout), U(ip->ReasmReqds),
		U(ip->ReasmOKs), U(ip->ReasmFails), U(ip->FragOKs), U(ip->FragFails),
		U(ip->FragCreates), U(ip->OutTransmits));
	fprintf(f, "Icmp: InMsgs InErrors InCsumErrors InDestUnreachs InTimeExcds InParmProbs "
		   "InSrcQuenchs InRedirects InEchos InEchoReps InTimestamps InTimestampReps "
		   "InAddrMasks InAddrMaskReps OutMsgs OutErrors OutRateLimitGlobal "
		   "OutRateLimitHost OutDestUnreachs OutTimeExcds OutParmProbs OutSrcQuenchs "
		   "OutRedirects OutEchos OutEchoReps OutTimestamps OutTimestampReps OutAddrMasks "
		   "OutAddrMaskReps\n");
	fprintf(f,
		"Icmp: %llu %llu 0 %llu %llu 0 0 0 0 0 0 0 0 0 %llu %llu %llu %llu %llu %llu 0 0 0 "
		"0 0 0 0 0 0\n",
		U(ic->InMsgs), U(ic->InErrors), U(ic->InDestUnreachs), U(ic->InTimeExcds),
		U(ic->OutMsgs), U(ic->OutErrors), U(ic->OutRateLimitGlobal),
		U(ic->OutRateLimitHost), U(ic->OutDestUnreachs), U(ic->OutTimeExcds));
	write_icmpmsg(f, ic);
	/* no TCP in the model: the RFC 2012 constants Linux prints, every counter 0 */
	fprintf(f,
		"Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails "
		"EstabResets CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors\n");
	fprintf(f, "Tcp: 1 200 120000 -1 0 0 0 0 0 0 0 0 0 0 0\n");
	for (int lite = 0; lite < 2; lite++) {
		const char *n = lite ? "UdpLite" : "Udp";

		fprintf(f,
			"%s: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors "
			"SndbufErrors InCsumErrors IgnoredMulti MemErrors\n",
			n);
		if (lite)
			fprintf(f, "%s: 0 0 0 0 0 0 0 0 0\n", n);
		else
			fprintf(f, "%s: %llu %llu %llu %llu %llu %llu %llu %llu %llu\n", n,
				U(u->InDatagrams), U(u->NoPorts), U(u->InErrors),
				U(u->OutDatagrams), U(u->RcvbufErrors), U(u->SndbufErrors),
				U(u->InCsumErrors), U(u->IgnoredMulti), U(u->MemErrors));
	}
}

static void fn_snmp(const void *a, FILE *f)
{
	write_snmp(a, f);
}

static void fn_netstat(const void *a, FILE *f)
{
	proc_netstat_write(a, f);
}

static int inet_subsys_files(const struct host *h, struct host_files *out, struct sim_error *err)
{
	return out->emit(out, 20, "snmp", fn_snmp, h, err) ||
			       out->emit(out, 30, "netstat", fn_netstat, h, err)
		       ? -1
		       : 0;
}

static const char *const inet_files[] = { "snmp", "netstat", NULL };

const struct host_subsys_ops inet_subsys = {
	.name = "inet",
	.boot = icmp_init,
	.init = inet_subsys_init,
	.release = inet_subsys_release,
	.estimate = inet_subsys_estimate,
	.text_rank = 10,
	.text = inet_subsys_text,
	.json_rank = 10,
	.json = inet_subsys_json,
	.files = inet_subsys_files,
	.file_names = inet_files,
};
