/*
 * models/report/report.c - text report, report.json and the Linux-format counter files.
 *
 * Formats follow the kernel and tools that print them (kernel-facts §10):
 * net/core/net-procfs.c softnet_seq_show and dev_seq_printf_stats,
 * net/ipv4/proc.c snmp_seq_show_ipstats / icmp / udp, ethtool -S's
 * "NIC statistics:" layout, iproute2 ss.c print_skmeminfo.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "models/apps/app.h"
#include "models/kernel/cpu.h"
#include "models/core/dev.h"
#include "models/lib/inet_addr.h"
#include "models/core/neigh.h"
#include "models/netfilter/netfilter.h"
#include "models/netfilter/nf_conntrack.h"
#include "models/sched/sch_generic.h"
#include "models/core/netdevice.h"
#include "models/report/report.h"
#include "models/report/proc_netstat.h"
#include "models/report/report_util.h"
#include "models/subsys.h"
#include "models/scenario.h"
#include "models/ipv4/sock.h"
#include "models/core/xsk.h"
#include "models/ipv4/udp.h"
#include "models/apps/traffic.h"
#include "sim/units.h"

/* Calls @fn for every lock of @h that was taken: qdisc root locks and busylocks, socket locks. */
static void for_each_lock(const struct host *h,
			  void (*fn)(const char *owner, const char *lock,
				     const struct sim_spinlock *l, void *arg),
			  void *arg)
{
	char owner[64];

	for (uint32_t d = 0; d < h->ndevs; d++) {
		const struct net_device *dev = h->devs[d];

		for (uint32_t i = 0; dev->txq && i < dev->ntxq; i++) {
			const struct Qdisc *q = dev->txq[i].qdisc;

			if (!q || (i && q == dev->txq[0].qdisc) || !q->root_lock.acquired)
				continue;
			snprintf(owner, sizeof(owner), "%s:%x:", dev->name, q->handle >> 16);
			fn(owner, "qdisc_lock", &q->root_lock, arg);
			if (q->busylock.acquired)
				fn(owner, "busylock", &q->busylock, arg);
		}
	}
	for (uint32_t s = 0; s < h->nsocks; s++) {
		const struct sock *sk = h->socks[s];

		if (sk->rq_lock.acquired)
			fn(sk->name, "sk_receive_queue.lock", &sk->rq_lock, arg);
		if (sk->kind == SOCK_UDP && udp_sk(sk)->reader_lock.acquired)
			fn(sk->name, "reader_queue.lock", &udp_sk(sk)->reader_lock, arg);
	}
}

static void text_lock(const char *owner, const char *lock, const struct sim_spinlock *l, void *arg)
{
	if (!l->contended && !l->bounced)
		return;
	fprintf(arg, "  lock %s %s: acquired %llu contended %llu bounced %llu spin %.1f us\n",
		owner, lock, U(l->acquired), U(l->contended), U(l->bounced),
		sim_time_sec(l->spin_ps) * 1e6);
}

static void json_lock(const char *owner, const char *lock, const struct sim_spinlock *l, void *arg)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "owner", owner);
	cJSON_AddStringToObject(o, "lock", lock);
	cJSON_AddNumberToObject(o, "acquired", (double)l->acquired);
	cJSON_AddNumberToObject(o, "contended", (double)l->contended);
	cJSON_AddNumberToObject(o, "bounced", (double)l->bounced);
	cJSON_AddNumberToObject(o, "spin_ns", (double)l->spin_ps / 1000.0);
	cJSON_AddItemToArray(arg, o);
}

static cJSON *json_locks(const struct host *h)
{
	cJSON *a = cJSON_CreateArray();

	for_each_lock(h, json_lock, a);
	return a;
}

/* The drivers' lines (adaptive moderation in force). */
static void text_devs(const struct host *h, FILE *f)
{
	for (uint32_t d = 0; d < h->ndevs; d++)
		if (h->devs[d]->ethtool_ops->report_text)
			h->devs[d]->ethtool_ops->report_text(h->devs[d], f);
}

/* nf_conntrack_count of max, `conntrack -S` drop/early_drop/invalid summed over the CPUs. */
static void text_conntrack(const struct nf_conntrack_net *cn, FILE *f)
{
	uint64_t drop = 0, early = 0, invalid = 0;

	for (uint32_t c = 0; c < (cn->p.ncpus ? cn->p.ncpus : 1); c++) {
		drop += cn->stat[c].drop;
		early += cn->stat[c].early_drop;
		invalid += cn->stat[c].invalid;
	}
	fprintf(f, "  conntrack: count %u of max %u, drop %llu, early_drop %llu, invalid %llu\n",
		cn->count, cn->p.max, U(drop), U(early), U(invalid));
}

static void text_host(const struct world *w, const struct host *h, FILE *f)
{
	(void)w;
	fprintf(f, "Host %s (profile %s, %.3g GHz)\n", h->name, h->profile, h->clock_hz / 1e9);
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
	if (h->nf && h->nf->ct)
		text_conntrack(h->nf->ct, f);
	fprintf(f, "  softnet_stat: cpu processed dropped time_squeeze received_rps "
		   "flow_limit_count\n");
	for (uint32_t c = 0; c < h->ncpus; c++) {
		const struct softnet_data *sd = h->cpus[c].sd;

		fprintf(f, "    %u %llu %llu %llu %llu %llu\n", c,
			(unsigned long long)sd->processed, (unsigned long long)sd->dropped,
			(unsigned long long)sd->time_squeeze, (unsigned long long)sd->received_rps,
			(unsigned long long)sd->flow_limit_count);
	}
	text_devs(h, f);
	for_each_lock(h, text_lock, f);
	for (uint32_t s = 0; s < h->nsocks; s++) {
		const struct sock *sk = h->socks[s];

		if (sk->kind == SOCK_XDP)
			fprintf(f,
				"  xsk %s on %s queue %u: rx %llu rx_dropped %llu rx_ring_full "
				"%llu "
				"rx_fill_ring_empty_descs %llu\n",
				sk->name, xdp_sk(sk)->dev->name, xdp_sk(sk)->queue_id,
				U(xdp_sk(sk)->rx_packets), U(xdp_sk(sk)->rx_dropped),
				U(xdp_sk(sk)->rx_ring_full),
				U(xdp_sk(sk)->rx_fill_ring_empty_descs));
		else if (sk->kind == SOCK_PACKET)
			fprintf(f, "  tap %s on %s: tp_packets %llu tp_drops %llu\n", sk->name,
				pkt_sk(sk)->tap_dev->name,
				(unsigned long long)(pkt_sk(sk)->tp_packets + pkt_sk(sk)->tp_drops),
				(unsigned long long)pkt_sk(sk)->tp_drops);
		else
			fprintf(f, "  socket %s: rcvbuf %u, drops %llu\n", sk->name, sk->sk_rcvbuf,
				(unsigned long long)sk->sk_drops);
	}
	for (uint32_t a = 0; a < h->napps; a++) {
		const struct app *ap = h->apps[a];

		if (ap->sender || ap->echo) {
			fprintf(f,
				"  app %s (cpu %u): %llu calls, %llu sent, %llu blocked on sndbuf, "
				"errors",
				ap->name, ap->thread.cpu->id, U(ap->calls), U(ap->sent),
				U(ap->blocks));
			for (int k = 0; k < APP_ERR_NR; k++)
				if (k < APP_ERR_ALWAYS || ap->errors[k])
					fprintf(f, " %s %llu", app_err_name[k], U(ap->errors[k]));
			fputc('\n', f);
			if (ap->await_reply)
				fprintf(f,
					"  app %s: round trip ns p50 %.0f p90 %.0f p99 %.0f max "
					"%.0f "
					"(%llu replies after warm-up, %llu timed out)\n",
					ap->name, (double)sim_hist_quantile(&ap->rtt, 0.5) / 1e3,
					(double)sim_hist_quantile(&ap->rtt, 0.9) / 1e3,
					(double)sim_hist_quantile(&ap->rtt, 0.99) / 1e3,
					(double)ap->rtt.max / 1e3, U(ap->rtt.count),
					U(ap->timeouts));
			continue;
		}
		if (ap->e2e.count)
			fprintf(f,
				"  app %s: end-to-end ns p50 %.0f p99 %.0f max %.0f (%llu "
				"datagrams "
				"after warm-up)\n",
				ap->name, (double)sim_hist_quantile(&ap->e2e, 0.5) / 1e3,
				(double)sim_hist_quantile(&ap->e2e, 0.99) / 1e3,
				(double)ap->e2e.max / 1e3, U(ap->e2e.count));
		fprintf(f, "  app %s (cpu %u): %llu calls, %llu datagrams, %llu sleeps\n", ap->name,
			ap->thread.cpu->id, (unsigned long long)ap->calls,
			(unsigned long long)ap->msgs, (unsigned long long)ap->sleeps);
	}
	fprintf(f, "\n");
}

/* What made the run: the file and its hash, the overrides, each host's profile. */
static void text_provenance(const struct world *w, FILE *f)
{
	fprintf(f, "  file %s, sha256 %s\n", w->scenario_file, w->scenario_sha256);
	fprintf(f, "  overrides:%s", w->noverrides ? "" : " none");
	for (uint32_t i = 0; i < w->noverrides; i++)
		fprintf(f, " %s", w->overrides[i]);
	fprintf(f, "\n  profiles:");
	for (uint32_t i = 0; i < w->nhosts; i++)
		fprintf(f, "%s %s %s", i ? "," : "", w->hosts[i]->name, w->hosts[i]->profile);
	fprintf(f, "\n\n");
}

/* ---- report.txt ---- */

/* Whether an entry has a part of the world's sections in report.txt / report.json. */
static bool has_world_text(const struct host_subsys_ops *o)
{
	return o->world_text;
}

static bool has_world_json(const struct host_subsys_ops *o)
{
	return o->world_json;
}

void report_text(const struct world *w, FILE *f)
{
	const struct host_subsys_ops *v[SUBSYS_MAX];
	size_t n = subsys_by_rank(world_subsys(w), offsetof(struct host_subsys_ops, world_rank),
				  has_world_text, v);
	char dur[32], warm[32], end[32];
	bool hosts = false;

	sim_fmt_time(dur, sizeof(dur), w->duration);
	sim_fmt_time(warm, sizeof(warm), w->warmup);
	fprintf(f, "skbsim %s: scenario '%s', seed %llu, %s simulated (%s warm-up)\n",
		SKBSIM_VERSION, w->name, (unsigned long long)w->seed, dur, warm);
	if (!w->complete) {
		sim_fmt_time(end, sizeof(end), w->end);
		fprintf(f, "PARTIAL: stopped by %s at %s of simulated time\n", w->stop_reason, end);
	}
	text_provenance(w, f);
	for (size_t i = 0; i <= n; i++) {
		if (!hosts && (i == n || v[i]->world_rank > SUBSYS_RANK_HOSTS)) {
			for (uint32_t k = 0; k < w->nhosts; k++)
				text_host(w, w->hosts[k], f);
			hosts = true;
		}
		if (i < n)
			v[i]->world_text(w, f);
	}
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

static cJSON *json_softnet(const struct host *h)
{
	cJSON *a = cJSON_CreateArray();

	for (uint32_t c = 0; c < h->ncpus; c++) {
		const struct softnet_data *sd = h->cpus[c].sd;
		cJSON *o = cJSON_CreateObject();

		cJSON_AddNumberToObject(o, "cpu", c);
		JNUM(o, sd, processed);
		JNUM(o, sd, dropped);
		JNUM(o, sd, time_squeeze);
		JNUM(o, sd, received_rps);
		JNUM(o, sd, flow_limit_count);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static cJSON *json_devs(const struct host *h)
{
	cJSON *a = cJSON_CreateArray();

	for (uint32_t d = 0; d < h->ndevs; d++)
		cJSON_AddItemToArray(a, h->devs[d]->ethtool_ops->report_json(h->devs[d]));
	return a;
}

/* getsockopt(XDP_STATISTICS) of an AF_XDP socket, and its binding and rings. */
static cJSON *json_xsk(const struct xdp_sock *xs)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "dev", xs->dev->name);
	JNUM(o, xs, queue_id);
	JNUM(o, xs, rx_ring_size);
	JNUM(o, xs, fill_ring_size);
	JNUM(o, xs, rx_packets);
	JNUM(o, xs, rx_dropped);
	JNUM(o, xs, rx_ring_full);
	JNUM(o, xs, rx_fill_ring_empty_descs);
	return o;
}

static cJSON *json_socks(const struct host *h)
{
	cJSON *a = cJSON_CreateArray();

	for (uint32_t s = 0; s < h->nsocks; s++) {
		const struct sock *sk = h->socks[s];
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", sk->name);
		cJSON_AddStringToObject(o, "kind",
					sk->kind == SOCK_UDP   ? "udp"
					: sk->kind == SOCK_XDP ? "xdp"
							       : "packet");
		JNUM(o, sk, sk_rcvbuf);
		JNUM(o, sk, sk_rmem_alloc);
		JNUM(o, sk, sk_drops);
		cJSON_AddNumberToObject(o, "queued", (double)sk->qlen.cur);
		if (sk->kind == SOCK_XDP)
			cJSON_AddItemToObject(o, "xdp_statistics", json_xsk(xdp_sk(sk)));
		if (sk->kind == SOCK_PACKET) {
			cJSON_AddNumberToObject(
				o, "tp_packets",
				(double)(pkt_sk(sk)->tp_packets + pkt_sk(sk)->tp_drops));
			JNUM(o, pkt_sk(sk), tp_drops);
		}
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static cJSON *json_apps(const struct host *h)
{
	cJSON *a = cJSON_CreateArray();

	for (uint32_t i = 0; i < h->napps; i++) {
		const struct app *ap = h->apps[i];
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", ap->name);
		cJSON_AddNumberToObject(o, "cpu", ap->thread.cpu->id);
		JNUM(o, ap, calls);
		JNUM(o, ap, msgs);
		JNUM(o, ap, bytes);
		JNUM(o, ap, sleeps);
		cJSON_AddNumberToObject(o, "voluntary_switches", (double)ap->thread.nvcsw);
		cJSON_AddNumberToObject(o, "involuntary_switches", (double)ap->thread.nivcsw);
		if (!ap->sender)
			cJSON_AddItemToObject(o, "latency_ns", report_json_lat(&ap->e2e));
		if (ap->sender || ap->echo) {
			cJSON *e = cJSON_CreateObject();

			JNUM(o, ap, sent);
			JNUM(o, ap, blocks);
			if (ap->await_reply) {
				cJSON_AddItemToObject(o, "rtt_ns", report_json_lat(&ap->rtt));
				JNUM(o, ap, timeouts);
			}
			for (int k = 0; k < APP_ERR_NR; k++)
				cJSON_AddNumberToObject(e, app_err_name[k], (double)ap->errors[k]);
			cJSON_AddItemToObject(o, "errors", e);
		}
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static cJSON *json_sockstat(const struct host *h);

/* nf_conntrack_count and `conntrack -S` summed over the CPUs (a host that tracks connections). */
static cJSON *json_conntrack(const struct nf_conntrack_net *cn)
{
	struct ip_conntrack_stat sum = { 0 };
	cJSON *o = cJSON_CreateObject();

	for (uint32_t c = 0; c < (cn->p.ncpus ? cn->p.ncpus : 1); c++) {
		sum.invalid += cn->stat[c].invalid;
		sum.drop += cn->stat[c].drop;
		sum.early_drop += cn->stat[c].early_drop;
	}
	cJSON_AddNumberToObject(o, "count", cn->count);
	cJSON_AddNumberToObject(o, "max", cn->p.max);
	cJSON_AddNumberToObject(o, "invalid", (double)sum.invalid);
	cJSON_AddNumberToObject(o, "drop", (double)sum.drop);
	cJSON_AddNumberToObject(o, "early_drop", (double)sum.early_drop);
	return o;
}

static cJSON *json_hosts(const struct world *w)
{
	cJSON *a = cJSON_CreateArray();

	for (uint32_t i = 0; i < w->nhosts; i++) {
		const struct host *h = w->hosts[i];
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", h->name);
		cJSON_AddStringToObject(o, "profile", h->profile);
		cJSON_AddNumberToObject(o, "clock_hz", h->clock_hz);
		cJSON_AddItemToObject(o, "snmp", json_snmp(h));
		cJSON_AddItemToObject(o, "softnet_stat", json_softnet(h));
		cJSON_AddItemToObject(o, "devices", json_devs(h));
		cJSON_AddItemToObject(o, "sockets", json_socks(h));
		cJSON_AddItemToObject(o, "sockstat", json_sockstat(h));
		cJSON_AddItemToObject(o, "locks", json_locks(h));
		cJSON_AddItemToObject(o, "apps", json_apps(h));
		if (h->nf && h->nf->ct)
			cJSON_AddItemToObject(o, "conntrack", json_conntrack(h->nf->ct));
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static cJSON *json_provenance(const struct world *w)
{
	cJSON *o = cJSON_CreateObject(), *ov = cJSON_CreateArray(), *pr = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "skbsim_version", SKBSIM_VERSION);
	cJSON_AddStringToObject(o, "scenario_file", w->scenario_file);
	cJSON_AddStringToObject(o, "scenario_sha256", w->scenario_sha256);
	cJSON_AddNumberToObject(o, "seed", (double)w->seed);
	for (uint32_t i = 0; i < w->noverrides; i++)
		cJSON_AddItemToArray(ov, cJSON_CreateString(w->overrides[i]));
	cJSON_AddItemToObject(o, "overrides", ov);
	for (uint32_t i = 0; i < w->nhosts; i++)
		cJSON_AddStringToObject(pr, w->hosts[i]->name, w->hosts[i]->profile);
	cJSON_AddItemToObject(o, "profiles", pr);
	return o;
}

cJSON *report_json(const struct world *w)
{
	const struct host_subsys_ops *v[SUBSYS_MAX];
	size_t n = subsys_by_rank(world_subsys(w), offsetof(struct host_subsys_ops, world_rank),
				  has_world_json, v);
	cJSON *r = cJSON_CreateObject();
	bool hosts = false;

	cJSON_AddStringToObject(r, "skbsim_version", SKBSIM_VERSION);
	cJSON_AddStringToObject(r, "scenario", w->name);
	cJSON_AddNumberToObject(r, "seed", (double)w->seed);
	cJSON_AddNumberToObject(r, "duration_s", sim_time_sec(w->duration));
	cJSON_AddNumberToObject(r, "warmup_s", sim_time_sec(w->warmup));
	cJSON_AddBoolToObject(r, "complete", w->complete);
	cJSON_AddNumberToObject(r, "time_reached_s", sim_time_sec(w->end));
	if (w->complete)
		cJSON_AddNullToObject(r, "stopped_by");
	else
		cJSON_AddStringToObject(r, "stopped_by", w->stop_reason);
	cJSON_AddItemToObject(r, "provenance", json_provenance(w));
	for (size_t i = 0; i <= n; i++) {
		if (!hosts && (i == n || v[i]->world_rank > SUBSYS_RANK_HOSTS)) {
			cJSON_AddItemToObject(r, "hosts", json_hosts(w));
			hosts = true;
		}
		if (i < n)
			v[i]->world_json(w, r);
	}
	cJSON_AddNumberToObject(r, "events", (double)w->q.fired);
	return r;
}

/* ---- Linux-format files ---- */

static void write_softnet_stat(const struct host *h, FILE *f)
{
	for (uint32_t c = 0; c < h->ncpus; c++) {
		const struct softnet_data *sd = h->cpus[c].sd;
		uint32_t in = sd->input_pkt_queue.qlen, pq = sd->process_queue.qlen;

		fprintf(f,
			"%08x %08x %08x %08x %08x %08x %08x %08x %08x %08x %08x %08x %08x %08x "
			"%08x\n",
			(uint32_t)sd->processed, (uint32_t)sd->dropped, (uint32_t)sd->time_squeeze,
			0, 0, 0, 0, 0, 0, (uint32_t)sd->received_rps,
			(uint32_t)sd->flow_limit_count, in + pq, c, in, pq);
	}
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

/* One /proc/net/dev line (dev_seq_printf_stats). */
/* The host's devices as the kernel lists them: lo (registered first in a namespace), then the rest. */
static const struct net_device *dev_in_kernel_order(const struct host *h, uint32_t i)
{
	uint32_t n = 0;

	if (h->lo && !i)
		return h->lo;
	if (h->lo)
		i--;
	for (uint32_t d = 0; d < h->ndevs; d++)
		if (h->devs[d] != h->lo && n++ == i)
			return h->devs[d];
	return NULL;
}

static void write_net_dev(const struct host *h, FILE *f)
{
	const struct net_device *v;

	fprintf(f,
		"Inter-|   Receive                                                |  Transmit\n");
	fprintf(f, " face |bytes    packets errs drop fifo frame compressed multicast|bytes    "
		   "packets errs drop fifo colls carrier compressed\n");
	for (uint32_t i = 0; (v = dev_in_kernel_order(h, i)); i++)
		netdev_show_proc_net_dev(v, f);
}

static void fn_bql(const void *a, FILE *f)
{
	netdev_show_bql(a, f);
}

/* `tc -s qdisc show`: every device's root qdisc by ifindex, lo first (mq on a multi-queue device, with its children). */
static void write_tc_qdisc(const struct host *h, FILE *f)
{
	const struct net_device *v;

	for (uint32_t d = 0; (v = dev_in_kernel_order(h, d)); d++)
		qdisc_dump(v->qdisc, v->name, "root", f);
}

/*
 * `tc -s class show`: the classes of every device's classful root (prio,
 * htb) and of their classful children; empty when there are none.
 */
static void write_tc_class(const struct host *h, FILE *f)
{
	for (uint32_t d = 0; d < h->ndevs; d++)
		qdisc_dump_classes(h->devs[d]->qdisc, h->devs[d]->name, f);
}

static void fn_tc_class(const void *a, FILE *f)
{
	write_tc_class(a, f);
}

/* UDP sockets of @h holding a port (sock_prot_inuse_get: the hashed ones). */
static uint32_t udp_inuse(const struct host *h)
{
	uint32_t n = 0;

	for (uint32_t s = 0; s < h->nsocks; s++)
		n += h->socks[s]->kind == SOCK_UDP && h->socks[s]->bound;
	return n;
}

/* proto_memory_allocated(&udp_prot): the machine's pages, never negative. */
static long long udp_mem_pages(const struct host *h)
{
	int64_t m = h->machine->udp_memory_allocated;

	return m > 0 ? (long long)m : 0;
}

/*
 * /proc/net/sockstat (net/ipv4/proc.c sockstat_seq_show): the lines this
 * model keeps. "UDP: mem" is the machine's (every namespace's) count in
 * pages, without what the CPUs' reserves hold.
 */
static void write_sockstat(const struct host *h, FILE *f)
{
	fprintf(f, "sockets: used %u\n", h->nsocks);
	fprintf(f, "UDP: inuse %u mem %lld\n", udp_inuse(h), udp_mem_pages(h));
	fprintf(f, "UDPLITE: inuse 0\n");
}

static void fn_sockstat(const void *a, FILE *f)
{
	write_sockstat(a, f);
}

static cJSON *json_sockstat(const struct host *h)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "sockets_used", h->nsocks);
	cJSON_AddNumberToObject(o, "udp_inuse", udp_inuse(h));
	cJSON_AddNumberToObject(o, "udp_mem_pages", (double)udp_mem_pages(h));
	return o;
}

/*
 * ss -u -a -m -n, rendered as iproute2 6.1's misc/ss.c does when stdout is
 * not a terminal (render_calc_width() "compact output"): each column is as
 * wide as its longest field (header included) plus its left delimiter;
 * "Local Address:" and "Peer Address:" are right-aligned, the others
 * left-aligned; the skmem text is the last (Process) column's field,
 * newline included. Sockets are UNCONN with peer 0.0.0.0:* (the model
 * keeps no peer of a connected socket).
 */
enum { SS_STATE, SS_RECVQ, SS_SENDQ, SS_LADDR, SS_LPORT, SS_PADDR, SS_PPORT, SS_PROC, SS_NCOL };

static const struct {
	const char *header; /* the column's header */
	bool right;	    /* ALIGN_RIGHT */
	const char *ldelim; /* printed before the field, counted in the width */
} ss_cols[SS_NCOL] = {
	{ "State", false, "" },		 { "Recv-Q", false, " " }, { "Send-Q", false, " " },
	{ "Local Address:", true, " " }, { "Port", false, "" },	   { "Peer Address:", true, " " },
	{ "Port", false, "" },		 { "Process", false, "" },
};

/* The fields of @sk's row. */
static void ss_fields(const struct sock *sk, char fld[SS_NCOL][96])
{
	char a[16];

	inet_fmt(a, sk->rcv_saddr);
	snprintf(fld[SS_STATE], 96, "UNCONN");
	snprintf(fld[SS_RECVQ], 96, "%-6u", sk->sk_rmem_alloc);
	snprintf(fld[SS_SENDQ], 96, "%-6u", sk->sk_wmem_alloc);
	snprintf(fld[SS_LADDR], 96, "%s:", a);
	snprintf(fld[SS_LPORT], 96, "%u", sk->num);
	snprintf(fld[SS_PADDR], 96, "0.0.0.0:");
	snprintf(fld[SS_PPORT], 96, "*");
	snprintf(fld[SS_PROC], 96, "\n\t skmem:(r%u,rb%u,t%u,tb%u,f%lld,w0,o0,bl0,d%llu)",
		 sk->sk_rmem_alloc, sk->sk_rcvbuf, sk->sk_wmem_alloc, sk->sk_sndbuf,
		 (long long)sk->sk_forward_alloc, U(sk->sk_drops));
}

/* One line of fields @fld in columns of @width (ss.c render()). */
static void ss_line(FILE *f, const char *const fld[SS_NCOL], const size_t width[SS_NCOL])
{
	for (int c = 0; c < SS_NCOL; c++) {
		size_t len = strlen(fld[c]), printed = strlen(ss_cols[c].ldelim);
		size_t pad = width[c] > len + printed ? width[c] - len - printed : 0;

		fputs(ss_cols[c].ldelim, f);
		fprintf(f, "%*s%s%*s", ss_cols[c].right ? (int)pad : 0, "", fld[c],
			ss_cols[c].right ? 0 : (int)pad, "");
	}
	fputc('\n', f);
}

static void write_ss(const struct host *h, FILE *f)
{
	char fld[SS_NCOL][96];
	const char *row[SS_NCOL];
	size_t width[SS_NCOL];

	for (int c = 0; c < SS_NCOL; c++)
		width[c] = strlen(ss_cols[c].header);
	for (uint32_t s = 0; s < h->nsocks; s++) {
		if (h->socks[s]->kind != SOCK_UDP)
			continue;
		ss_fields(h->socks[s], fld);
		for (int c = 0; c < SS_NCOL; c++)
			if (strlen(fld[c]) > width[c])
				width[c] = strlen(fld[c]);
	}
	for (int c = 1; c < SS_NCOL; c++)
		width[c] += strlen(ss_cols[c].ldelim);
	for (int c = 0; c < SS_NCOL; c++)
		row[c] = ss_cols[c].header;
	ss_line(f, row, width);
	for (uint32_t s = 0; s < h->nsocks; s++) {
		if (h->socks[s]->kind != SOCK_UDP)
			continue;
		ss_fields(h->socks[s], fld);
		for (int c = 0; c < SS_NCOL; c++)
			row[c] = fld[c];
		ss_line(f, row, width);
	}
}

/*
 * /proc/interrupts as kernel/irq/proc.c show_interrupts prints it (prec 3:
 * "%*d: ", "%10u " per CPU, chip and name) and the x86 "RES" and "CAL" lines
 * for the reschedule IPIs and the function-call IPIs that RPS and remote
 * wake-ups send (arch_show_interrupts); an IPI a polling idle CPU takes as a
 * flag is not counted, as in the kernel.
 */
static void write_interrupts(const struct host *h, FILE *f)
{
	fprintf(f, "%*s", 3 + 8, "");
	for (uint32_t c = 0; c < h->ncpus; c++)
		fprintf(f, "CPU%-8u", c);
	fprintf(f, "\n");
	for (uint32_t d = 0, irq = 64; d < h->ndevs; d++)
		if (h->devs[d]->ethtool_ops->show_interrupts)
			h->devs[d]->ethtool_ops->show_interrupts(h->devs[d], d, &irq, f);
	fprintf(f, "%*s: ", 3, "RES");
	for (uint32_t c = 0; c < h->ncpus; c++)
		fprintf(f, "%10llu ", U(h->cpus[c].ipi_resched.count));
	fprintf(f, "  Rescheduling interrupts\n");
	fprintf(f, "%*s: ", 3, "CAL");
	for (uint32_t c = 0; c < h->ncpus; c++)
		fprintf(f, "%10llu ", U(h->cpus[c].sd->csd.count + h->cpus[c].ipi_call.count));
	fprintf(f, "  Function call interrupts\n");
}

static void fn_ethtool_c(const void *a, FILE *f)
{
	const struct net_device *dev = a;

	dev->ethtool_ops->get_coalesce(dev, f);
}

/* A file or directory name under the results directory: one safe path component. */
static bool safe_component(const char *s)
{
	return cfg_name_check(s, 255) == CFG_NAME_OK;
}

/*
 * Create @dir/[@host/]@name: new (O_EXCL), never through a symlink
 * (O_NOFOLLOW), and only from names that cannot leave @dir.
 */
static int write_file(const char *dir, const char *host, const char *name,
		      void (*fn)(const void *arg, FILE *f), const void *arg, struct sim_error *err)
{
	char path[4096];
	FILE *f = NULL;
	int fd = -1;

	snprintf(path, sizeof(path), "%s/%s%s%s", dir, host ? host : "", host ? "/" : "", name);
	SIM_BUG_ON((host && !safe_component(host)) || !safe_component(name));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
	if (fd >= 0)
		f = fdopen(fd, "w");
	if (!f) {
		if (fd >= 0)
			close(fd);
		return sim_error_set(err, "cannot write '%s': %s", path, strerror(errno));
	}
	fn(arg, f);
	if (fclose(f))
		return sim_error_set(err, "cannot write '%s': %s", path, strerror(errno));
	return 0;
}

static void fn_softnet(const void *a, FILE *f)
{
	write_softnet_stat(a, f);
}
static void fn_snmp(const void *a, FILE *f)
{
	write_snmp(a, f);
}
static void fn_net_dev(const void *a, FILE *f)
{
	write_net_dev(a, f);
}
static void fn_ethtool(const void *a, FILE *f)
{
	const struct net_device *dev = a;

	dev->ethtool_ops->get_ethtool_stats(dev, f);
}
static void fn_fdb(const void *a, FILE *f)
{
	const struct net_device *dev = a;

	dev->ethtool_ops->show_fdb(dev, f);
}
static void fn_ss(const void *a, FILE *f)
{
	write_ss(a, f);
}
static void fn_interrupts(const void *a, FILE *f)
{
	write_interrupts(a, f);
}
static void fn_tc(const void *a, FILE *f)
{
	write_tc_qdisc(a, f);
}
static void fn_neigh(const void *a, FILE *f)
{
	neigh_write(a, f);
}
static void fn_iptables(const void *a, FILE *f)
{
	nf_write_listing(a, f);
}
static void fn_conntrack_S(const void *a, FILE *f)
{
	nf_conntrack_write_stats(a, f);
}
static void fn_ct_count(const void *a, FILE *f)
{
	fprintf(f, "%u\n", ((const struct nf_conntrack_net *)a)->count);
}
static void fn_netstat(const void *a, FILE *f)
{
	proc_netstat_write(a, f);
}
static void fn_text(const void *a, FILE *f)
{
	report_text(a, f);
}
static void fn_json(const void *a, FILE *f)
{
	cJSON *j = report_json(a);
	char *s = cJSON_Print(j);

	fputs(s, f);
	fputc('\n', f);
	cJSON_free(s);
	cJSON_Delete(j);
}

const char *const report_host_files[] = {
	"softnet_stat",	      "snmp",  "net_dev",  "ss",       "interrupts", "tc_qdisc",
	"tc_class",	      "neigh", "iptables", "sockstat", "netstat",    "conntrack_S",
	"nf_conntrack_count", NULL
};
const char *const report_host_prefixes[] = { "ethtool_S_", "ethtool_c_", "byte_queue_limits_",
					     "bridge_fdb_", NULL };
const char *const report_top_suffixes[] = { ".pcap", ".pcapng", ".csv", ".html", NULL };

static int write_host_files(const struct host *h, const char *dir, struct sim_error *err)
{
	char path[4096], name[64];

	snprintf(path, sizeof(path), "%s/%s", dir, h->name);
	SIM_BUG_ON(!safe_component(h->name));
	if (mkdir(path, 0777))
		return sim_error_set(err, "cannot create '%s': %s", path, strerror(errno));
	if (write_file(dir, h->name, "softnet_stat", fn_softnet, h, err) ||
	    write_file(dir, h->name, "snmp", fn_snmp, h, err) ||
	    write_file(dir, h->name, "netstat", fn_netstat, h, err) ||
	    write_file(dir, h->name, "net_dev", fn_net_dev, h, err) ||
	    write_file(dir, h->name, "ss", fn_ss, h, err) ||
	    write_file(dir, h->name, "interrupts", fn_interrupts, h, err) ||
	    write_file(dir, h->name, "tc_qdisc", fn_tc, h, err) ||
	    write_file(dir, h->name, "tc_class", fn_tc_class, h, err) ||
	    write_file(dir, h->name, "neigh", fn_neigh, h, err) ||
	    write_file(dir, h->name, "sockstat", fn_sockstat, h, err))
		return -1;
	if (h->nf && write_file(dir, h->name, "iptables", fn_iptables, h->nf, err))
		return -1;
	if (h->nf && h->nf->ct &&
	    (write_file(dir, h->name, "conntrack_S", fn_conntrack_S, h->nf->ct, err) ||
	     write_file(dir, h->name, "nf_conntrack_count", fn_ct_count, h->nf->ct, err)))
		return -1;
	for (uint32_t d = 0; d < h->ndevs; d++) {
		const struct ethtool_ops *ops = h->devs[d]->ethtool_ops;

		snprintf(name, sizeof(name), "bridge_fdb_%s", h->devs[d]->name);
		if (ops->show_fdb && write_file(dir, h->name, name, fn_fdb, h->devs[d], err))
			return -1;
		if (!ops->get_ethtool_stats)
			continue;
		snprintf(name, sizeof(name), "ethtool_S_%s", h->devs[d]->name);
		if (write_file(dir, h->name, name, fn_ethtool, h->devs[d], err))
			return -1;
		snprintf(name, sizeof(name), "ethtool_c_%s", h->devs[d]->name);
		if (ops->get_coalesce &&
		    write_file(dir, h->name, name, fn_ethtool_c, h->devs[d], err))
			return -1;
		snprintf(name, sizeof(name), "byte_queue_limits_%s", h->devs[d]->name);
		if (h->devs[d]->bql && write_file(dir, h->name, name, fn_bql, h->devs[d], err))
			return -1;
	}
	return 0;
}

int report_write_files(const struct world *w, const char *dir, struct sim_error *err)
{
	if (write_file(dir, NULL, "report.json", fn_json, w, err) ||
	    write_file(dir, NULL, "report.txt", fn_text, w, err))
		return -1;
	for (uint32_t i = 0; i < w->nhosts; i++)
		if (write_host_files(w->hosts[i], dir, err))
			return -1;
	return 0;
}
