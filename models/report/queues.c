/*
 * models/report/queues.c - the walk over a host's queues
 * (models/report/queues.h).
 */
#include <stdio.h>

#include "models/report/queues.h"
#include "models/core/dev.h"
#include "models/core/netdevice.h"
#include "models/ipv4/sock.h"
#include "models/kernel/cpu.h"
#include "models/sched/sch_generic.h"

static void walk_devices(const struct host *h, void (*fn)(void *, const struct queue_sample *),
			 void *arg)
{
	for (uint32_t d = 0; d < h->ndevs; d++) {
		const struct net_device *dev = h->devs[d];
		struct netdev_queue_obs obs[NETDEV_MAX_QUEUES];
		uint32_t n;

		if (!dev->ethtool_ops || !dev->ethtool_ops->report_queues)
			continue;
		n = dev->ethtool_ops->report_queues(dev, obs, NETDEV_MAX_QUEUES);
		for (uint32_t i = 0; i < n; i++) {
			struct queue_sample q = { obs[i].kind, dev->name, (int)obs[i].index,
						  obs[i].level->cur };

			fn(arg, &q);
		}
	}
}

void host_queues_walk(const struct host *h, void (*fn)(void *arg, const struct queue_sample *q),
		      void *arg)
{
	char name[16];

	walk_devices(h, fn, arg);
	for (uint32_t c = 0; h->machine == h && c < h->ncpus; c++) {
		struct queue_sample q = { "backlog", name, -1, h->cpus[c].sd->backlog_level.cur };

		snprintf(name, sizeof(name), "cpu%u", c);
		fn(arg, &q);
	}
	for (uint32_t s = 0; s < h->nsocks; s++) {
		const struct sock *sk = h->socks[s];
		struct queue_sample q = { sock_kind_name(sk), sk->name, -1, sk->qlen.cur };

		fn(arg, &q);
	}
	for (uint32_t d = 0; d < h->ndevs; d++)
		for (uint32_t i = 0; i < h->devs[d]->ntxq; i++)
			if (h->devs[d]->txq[i].qdisc) {
				struct queue_sample q = { "qdisc", h->devs[d]->name, (int)i,
							  h->devs[d]->txq[i].qdisc->stats.qlen };

				fn(arg, &q);
			}
}
