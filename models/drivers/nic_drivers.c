/*
 * models/drivers/nic_drivers.c - the NIC drivers: one const table per driver.
 *
 * Defaults from kernel-facts §11 (ixgbe.h IXGBE_DEFAULT_RXD 512, i40e 512 with
 * I40E_ITR_20K = 50 us, mlx5 en.h 1024 descriptors with 16 us / 32 frames).
 * ixgbe's default rx-usecs of 1 means "adaptive" in the driver; skbsim's
 * default is the fixed 20K-interrupts/s ITR (50 us) that ixgbe starts from,
 * and `adaptive_rx: true` turns on ixgbe_update_itr (ixgbe_itr_ops). mlx5
 * enables net DIM by default; here `adaptive_rx: true` does (net_dim_ops,
 * the EQE-mode profiles). A new driver is one table here plus one line in
 * models/drivers/drivers.c (NIC_NETDEV_DRIVER below); it picks an adaptive
 * algorithm with one `.dim =` line.
 *
 * Coalescing rules:
 *  - moderation (mlx5 CQ moderation): the interrupt fires rx-usecs after the
 *    first completion since the vector was armed, or at the rx-frames-th
 *    completion, whichever is first; rx-usecs 0 means one interrupt per
 *    completion.
 *  - itr (Intel ITR throttling): at most one interrupt per rx-usecs; a
 *    completion interrupts at once if the last interrupt is older than that.
 */
#include "models/drivers/drivers.h"
#include "models/drivers/nic.h"

static sim_time_t coalesce_moderation(struct nic_rx_queue *q, sim_time_t t_ready)
{
	sim_time_t deadline;

	if (!q->rx_usecs)
		return t_ready;
	if (q->coal_frames++ == 0)
		q->coal_first = t_ready;
	deadline = q->coal_first + (sim_time_t)q->rx_usecs * SIM_US;
	if (q->rx_frames && q->coal_frames >= q->rx_frames && t_ready < deadline)
		return t_ready;
	return deadline;
}

static sim_time_t coalesce_itr(struct nic_rx_queue *q, sim_time_t t_ready)
{
	sim_time_t earliest = q->last_irq + (sim_time_t)q->rx_usecs * SIM_US;

	q->coal_frames++;
	if (!q->irqs)
		return t_ready;
	return t_ready > earliest ? t_ready : earliest;
}

/* ---- adaptive moderation (models/lib/net_dim.h) ---- */

static void moder_set(struct nic_rx_queue *q, uint32_t usecs, uint32_t frames)
{
	if (usecs == q->rx_usecs && frames == q->rx_frames)
		return;
	q->rx_usecs = usecs;
	q->rx_frames = frames;
	q->moder_changes++;
	sim_level_set(&q->usecs_level, q->dev->host->w->q.now, usecs);
}

/* mlx5e_open_rq: DIM starts at the default profile (EQE mode, index 1: 8 us, 256). */
static void net_dim_init_q(struct nic_rx_queue *q)
{
	struct dim_cq_moder m;

	dim_init(&q->dim, DIM_CQ_PERIOD_MODE_START_FROM_EQE);
	m = net_dim_get_rx_moderation(q->dim.mode, q->dim.profile_ix);
	q->rx_usecs = m.usec;
	q->rx_frames = m.pkts;
}

/* mlx5e_handle_rx_dim: a sample per completed poll; mlx5e_rx_dim_work applies a new profile. */
static void net_dim_update_q(struct nic_rx_queue *q, int work)
{
	struct dim_sample s = {
		.time = q->dev->host->w->q.now,
		.pkt_ctr = (uint32_t)q->packets,
		.byte_ctr = (uint32_t)q->bytes,
		.event_ctr = (uint16_t)q->irqs,
	};
	struct dim_cq_moder m;

	(void)work;
	if (!net_dim(&q->dim, &s))
		return;
	m = net_dim_get_rx_moderation(q->dim.mode, q->dim.profile_ix);
	moder_set(q, m.usec, m.pkts);
	dim_work_done(&q->dim);
}

const struct nic_dim_ops net_dim_ops = {
	.name = "net_dim",
	.init = net_dim_init_q,
	.update = net_dim_update_q,
};

/* ixgbe_alloc_q_vector with rx_itr_setting 1: IXGBE_20K_ITR (50 us). */
static void ixgbe_itr_init_q(struct nic_rx_queue *q)
{
	ixgbe_ring_container_init(&q->itr_rc);
	q->q_itr = IXGBE_20K_ITR;
	q->rx_usecs = q->q_itr >> 2;
	q->rx_frames = 0;
}

/* ixgbe_poll: after napi_complete_done, ixgbe_set_itr from the packets since the last update. */
static void ixgbe_itr_update_q(struct nic_rx_queue *q, int work)
{
	struct host *h = q->dev->host;

	(void)work;
	q->itr_rc.total_packets += (uint32_t)(q->packets - q->itr_pkts);
	q->itr_rc.total_bytes += (uint32_t)(q->bytes - q->itr_bytes);
	q->itr_pkts = q->packets;
	q->itr_bytes = q->bytes;
	q->q_itr = ixgbe_set_itr(&q->itr_rc, q->q_itr, host_jiffies(h, h->w->q.now),
				 nic_priv(q->dev)->speed_bps);
	moder_set(q, q->q_itr >> 2, 0);
}

const struct nic_dim_ops ixgbe_itr_ops = {
	.name = "ixgbe_itr",
	.init = ixgbe_itr_init_q,
	.update = ixgbe_itr_update_q,
};

static const struct nic_driver ixgbe = {
	.name = "ixgbe",
	.rx_ring_default = 512,
	.rx_ring_min = 64,
	.rx_ring_max = 4096,
	.rx_usecs_default = 50,
	.rx_frames_default = 0,
	.rx_truesize = 2304,
	.refill_batch = 16, /* IXGBE_RX_BUFFER_WRITE */
	.missed_stat = "rx_missed_errors",
	.coalesce_kind = "itr",
	.coalesce = coalesce_itr,
	.dim = &ixgbe_itr_ops,
	.tx_udp_segmentation = true, /* ixgbe_main.c: NETIF_F_GSO_UDP_L4 (Linux 5.5) */
};

static const struct nic_driver i40e = {
	.name = "i40e",
	.rx_ring_default = 512,
	.rx_ring_min = 64,
	.rx_ring_max = 8160,
	.rx_usecs_default = 50,
	.rx_frames_default = 0,
	.rx_truesize = 2304,
	.refill_batch = 32, /* I40E_RX_BUFFER_WRITE */
	.missed_stat = "port.rx_dropped",
	.coalesce_kind = "itr",
	.coalesce = coalesce_itr,
	.tx_udp_segmentation = true, /* i40e_main.c: NETIF_F_GSO_UDP_L4 (Linux 5.5) */
};

static const struct nic_driver mlx5 = {
	.name = "mlx5",
	.rx_ring_default = 1024,
	.rx_ring_min = 64,
	.rx_ring_max = 8192,
	.rx_usecs_default = 16,
	.rx_frames_default = 32,
	.rx_truesize = 2304,
	.refill_batch = 8, /* MLX5E post WQE bulk */
	.missed_stat = "rx_out_of_buffer",
	.coalesce_kind = "moderation",
	.coalesce = coalesce_moderation,
	.dim = &net_dim_ops,
	.arfs_filters = 4096,	     /* en_arfs.c: rules in per-protocol hash tables */
	.tx_udp_segmentation = true, /* en_main.c: NETIF_F_GSO_UDP_L4 (Linux 5.0) */
};

/* A plain device with no coalescing (rx-usecs 0): one interrupt per frame when armed. */
static const struct nic_driver generic = {
	.name = "generic",
	.rx_ring_default = 256,
	.rx_ring_min = 1,
	.rx_ring_max = 65536,
	.rx_usecs_default = 0,
	.rx_frames_default = 0,
	.rx_truesize = 2304,
	.refill_batch = 1,
	.missed_stat = "rx_missed_errors",
	.coalesce_kind = "moderation",
	.coalesce = coalesce_moderation,
};

/* The drivers' registry entries (models/drivers/drivers.c lists them). */
#define NIC_NETDEV_DRIVER(var, tbl)                                                                \
	const struct netdev_driver var = {                                                         \
		.name = #tbl,                                                                      \
		.priv_size = sizeof(struct nic_priv),                                              \
		.scenario = true,                                                                  \
		.hw = &tbl,                                                                        \
		.setup = nic_setup,                                                                \
	}

NIC_NETDEV_DRIVER(ixgbe_netdev_driver, ixgbe);
NIC_NETDEV_DRIVER(i40e_netdev_driver, i40e);
NIC_NETDEV_DRIVER(mlx5_netdev_driver, mlx5);
NIC_NETDEV_DRIVER(generic_netdev_driver, generic);
