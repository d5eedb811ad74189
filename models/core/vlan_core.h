/*
 * models/core/vlan_core.h - the receive half of 802.1Q VLANs in the device core.
 *
 * Kernel reference: net/8021q/vlan_core.c (vlan_do_receive, vlan_find_dev,
 * vlan_vid_add), net/8021q/vlan.h (struct vlan_info, vlan_group),
 * net/core/dev.c __netif_receive_skb_core (the call before the rx_handler,
 * check_vlan_id). The VLAN device itself is models/drivers/vlan.c.
 *
 * Invariants: a real device's vlan_info holds distinct VIDs, each with its
 * VLAN device on the same host; the core frees it with the real device.
 *
 * Simplified: 802.1Q (ETH_P_8021Q) only, no 802.1ad; the tag is always
 * carried out of band (skb->vlan_tci, as with NETIF_F_HW_VLAN_CTAG_RX/TX
 * offload, which veth and the modelled NICs have), never in the frame's bytes.
 */
#ifndef MODELS_VLAN_CORE_H
#define MODELS_VLAN_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include "models/kernel/cpu.h"
#include "models/core/skb.h"

struct net_device;

#define VLAN_MAX_PER_DEV 16 /* VLAN devices on one real device (the kernel's: 4094) */

/* struct vlan_info: the VLAN devices on a real device, by VID (vlan_group). */
struct vlan_info {
	uint32_t n; /* entries in use */
	struct {
		uint16_t vid;		/* VLAN id, 1..4094 */
		struct net_device *dev; /* its VLAN device */
	} vid[VLAN_MAX_PER_DEV];
};

/* vlan_vid_add: @vlan_dev takes VID @vid on @real_dev. -1: taken, full or out of memory. */
int vlan_vid_add(struct net_device *real_dev, uint16_t vid, struct net_device *vlan_dev);
/* vlan_find_dev: the VLAN device of @vid on @real_dev, or NULL. */
struct net_device *vlan_find_dev(const struct net_device *real_dev, uint16_t vid);
/*
 * vlan_do_receive: a tagged skb on a device with a VLAN device for its VID
 * moves to that device, untagged, counted in its rx (true: process it
 * again); false when none has the VID (the caller's check_vlan_id).
 */
bool vlan_do_receive(struct cpu *c, struct sk_buff **pskb, uint64_t *cycles);

#endif
