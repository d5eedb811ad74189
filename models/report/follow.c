/*
 * models/report/follow.c - the --follow observer (models/report/follow.h).
 *
 * Kernel analogue: pwru's per-skb output (time, CPU, function, then
 * kfree_skb_reason's reason) and the skb tracepoints it reads.
 *
 * Simplified: a step's CPU is the CPU whose work ran the event (none for
 * the wire, DMA and a NIC's timers); the queue waits are the latency
 * stages' (docs/report.md), measured from entering one to entering the next.
 */
#include <stdlib.h>
#include <string.h>

#include "models/report/follow.h"
#include "models/core/neigh.h"
#include "models/core/observe.h"
#include "models/lib/inet_addr.h"
#include "models/ipv4/sock.h"
#include "models/kernel/cpu.h"

struct fw_step {
	sim_time_t t;	      /* ps */
	const struct host *h; /* namespace the packet was in */
	int32_t cpu;	      /* CPU doing the work, -1 for hardware */
	uint8_t ev;	      /* enum skb_ev */
	uint32_t arg;	      /* as enum skb_ev says */
};

struct fw_packet {
	uint64_t id;			   /* skb->id */
	bool done;			   /* delivered, dropped or consumed */
	uint8_t protocol;		   /* at birth */
	uint32_t saddr, daddr;		   /* at birth, host order */
	uint16_t sport, dport;		   /* at birth */
	uint32_t len;			   /* bytes at birth */
	const char *sock;		   /* socket it was delivered to, or NULL */
	uint32_t nsteps;		   /* entries */
	uint32_t lost;			   /* steps not kept */
	struct fw_step step[FOLLOW_STEPS]; /* the journey */
};

struct follow {
	struct skb_observer obs; /* in the world's list */
	struct world *w;	 /* followed world */
	uint32_t count;		 /* packets to follow */
	uint64_t every;		 /* follow every every-th birth */
	uint64_t born;		 /* births seen */
	uint32_t n;		 /* packets followed so far */
	uint32_t *active;	 /* [count] indexes of packets not done */
	uint32_t nactive;	 /* entries */
	struct fw_packet *p;	 /* [count] */
};

static struct fw_packet *fw_find(struct follow *f, uint64_t id)
{
	for (uint32_t i = 0; i < f->nactive; i++)
		if (f->p[f->active[i]].id == id)
			return &f->p[f->active[i]];
	return NULL;
}

static void fw_record(struct follow *f, struct fw_packet *p, const struct host *h, enum skb_ev ev,
		      uint32_t arg, sim_time_t t_mark)
{
	const struct cpu *c = f->w->this_cpu;
	bool end = ev == SKB_EV_DROP || ev == SKB_EV_DELIVER || ev == SKB_EV_CONSUME ||
		   ev == SKB_EV_XMIT;
	struct fw_step *s;

	if (p->nsteps == FOLLOW_STEPS - 1 && !end) {
		p->lost++;
		return;
	}
	s = &p->step[p->nsteps++];
	*s = (struct fw_step){ world_now(f->w), h, c ? (int32_t)c->id : -1, (uint8_t)ev, arg };
	if (ev == SKB_EV_LAT && t_mark < s->t) {
		s->t = t_mark; /* entered earlier than reported: the DMA's completion */
		s->cpu = -1;
	}
	if (!end)
		return;
	p->done = true;
	for (uint32_t i = 0; i < f->nactive; i++)
		if (&f->p[f->active[i]] == p) {
			f->active[i] = f->active[--f->nactive];
			break;
		}
}

static void fw_born(struct follow *f, const struct host *h, const struct sk_buff *skb)
{
	struct fw_packet *p;

	if (f->born++ % f->every || f->n >= f->count)
		return;
	p = &f->p[f->n];
	f->active[f->nactive++] = f->n++;
	p->id = skb->id;
	p->protocol = skb->eth_proto == ETH_P_ARP ? 0 : skb->protocol;
	p->saddr = skb->saddr;
	p->daddr = skb->daddr;
	p->sport = skb->sport;
	p->dport = skb->dport;
	p->len = skb->len;
	fw_record(f, p, h, SKB_EV_BORN, 0, 0);
}

static void fw_event(struct skb_observer *o, const struct host *h, const struct sk_buff *skb,
		     enum skb_ev ev, uint32_t arg)
{
	struct follow *f = container_of(o, struct follow, obs);

	if (!skb)
		return;
	if (ev == SKB_EV_BORN) {
		fw_born(f, h, skb);
		return;
	}
	if (!f->nactive)
		return;
	for (const struct sk_buff *s = skb; s; s = s->frag_next) {
		struct fw_packet *p = fw_find(f, s->id);

		if (!p)
			continue;
		if (skb->sk && skb->sk->kind == SOCK_UDP)
			p->sock = skb->sk->name; /* charged to it: queued there */
		fw_record(f, p, h, ev, arg, s->t_mark);
	}
}

static const struct skb_observer_ops fw_ops = { .name = "follow", .event = fw_event };

struct follow *follow_open(struct world *w, uint32_t count, uint64_t every, struct sim_error *err)
{
	struct follow *f = calloc(1, sizeof(*f));

	if (f) {
		f->p = calloc(count, sizeof(*f->p));
		f->active = calloc(count, sizeof(*f->active));
	}
	if (!f || !f->p || !f->active) {
		follow_free(f);
		sim_error_set(err, "out of memory");
		return NULL;
	}
	f->w = w;
	f->count = count;
	f->every = every ? every : 1;
	f->obs.ops = &fw_ops;
	skb_observer_add(w, &f->obs);
	return f;
}

/* ---- output ---- */

static void fw_us(FILE *out, sim_time_t ps)
{
	fprintf(out, "%12.6f", (double)ps / (double)SIM_US);
}

static void fw_header(const struct fw_packet *p, FILE *out)
{
	char s[16], d[16];

	inet_fmt(s, p->saddr);
	inet_fmt(d, p->daddr);
	fprintf(out, "packet %llu: ", (unsigned long long)p->id);
	if (!p->protocol)
		fprintf(out, "arp %s > %s", s, d);
	else if (p->protocol == IPPROTO_UDP_)
		fprintf(out, "udp %s:%u > %s:%u", s, p->sport, d, p->dport);
	else
		fprintf(out, "ip proto %u %s > %s", p->protocol, s, d);
	fprintf(out, ", %u bytes\n", p->len);
	fprintf(out, "  %12s %10s %-5s %-10s %s\n", "time (us)", "+dt (us)", "cpu", "host", "what");
}

/* The step's text: its stage, latency stage, or end. */
static void fw_what(const struct fw_packet *p, const struct fw_step *s, sim_time_t lat_t, int lat,
		    FILE *out)
{
	const struct drop_point *dp;

	switch ((enum skb_ev)s->ev) {
	case SKB_EV_BORN:
		fprintf(out, "born");
		break;
	case SKB_EV_STAGE:
		fprintf(out, "%-4s %s: %s", stage_info[s->arg].id, stage_info[s->arg].function,
			stage_info[s->arg].what);
		break;
	case SKB_EV_LAT:
		fprintf(out, "     -> %s", lat_stage_name[s->arg]);
		if (lat >= 0) {
			fprintf(out, " (%.3f us in %s)", (double)(s->t - lat_t) / (double)SIM_US,
				lat_stage_name[lat]);
		}
		break;
	case SKB_EV_DROP:
		dp = &drop_points[s->arg];
		fprintf(out, "DROPPED %s at %s (%s)", skb_drop_reason_name[dp->reason],
			stage_info[dp->stage].id, dp->function);
		break;
	case SKB_EV_DELIVER:
		fprintf(out, "DELIVERED");
		if (p->sock)
			fprintf(out, " to socket %s", p->sock);
		break;
	case SKB_EV_CONSUME:
		fprintf(out, "CONSUMED by the kernel");
		break;
	case SKB_EV_XMIT:
		fprintf(out, "TRANSMITTED (left the simulated hosts)");
		break;
	case SKB_EV_NR:
		break;
	}
}

/* Steps in time order (a latency stage is reported when the stack sees it). */
static void fw_sort(struct fw_step *st, uint32_t n)
{
	for (uint32_t i = 1; i < n; i++) {
		struct fw_step x = st[i];
		uint32_t j = i;

		for (; j > 0 && st[j - 1].t > x.t; j--)
			st[j] = st[j - 1];
		st[j] = x;
	}
}

static void fw_packet_write(const struct fw_packet *pk, FILE *out)
{
	struct fw_packet sorted = *pk; /* about 3 KiB */
	const struct fw_packet *p = &sorted;
	sim_time_t prev, lat_t;
	int lat = -1;

	fw_sort(sorted.step, sorted.nsteps);
	prev = lat_t = p->step[0].t;
	fw_header(p, out);
	for (uint32_t i = 0; i < p->nsteps; i++) {
		const struct fw_step *s = &p->step[i];
		char cpu[16];

		if (s->cpu >= 0)
			snprintf(cpu, sizeof(cpu), "cpu%d", s->cpu);
		else
			snprintf(cpu, sizeof(cpu), "-");
		if (p->lost && i == p->nsteps - 1 && p->done)
			fprintf(out, "  ... %u steps not kept ...\n", p->lost);
		fprintf(out, "  ");
		fw_us(out, s->t);
		fprintf(out, " %10.3f %-5s %-10s ", (double)(s->t - prev) / (double)SIM_US, cpu,
			s->h->name);
		fw_what(p, s, lat_t, lat, out);
		fputc('\n', out);
		if (s->ev == SKB_EV_LAT) {
			lat = (int)s->arg;
			lat_t = s->t;
		}
		prev = s->t;
	}
	if (!p->done)
		fprintf(out, "  (in flight at the end of the run)\n");
	else
		fprintf(out, "  total %.3f us\n",
			(double)(p->step[p->nsteps - 1].t - p->step[0].t) / (double)SIM_US);
	fputc('\n', out);
}

int follow_write(const struct follow *f, FILE *out)
{
	if (f->every == 1)
		fprintf(out, "Followed packets: %u (the first born)\n\n", f->n);
	else
		fprintf(out, "Followed packets: %u (one in every %llu born)\n\n", f->n,
			(unsigned long long)f->every);
	for (uint32_t i = 0; i < f->n; i++)
		fw_packet_write(&f->p[i], out);
	return fflush(out) || ferror(out) ? -1 : 0;
}

void follow_free(struct follow *f)
{
	if (!f)
		return;
	if (f->w)
		skb_observer_del(f->w, &f->obs);
	free(f->p);
	free(f->active);
	free(f);
}
