/*
 * models/drivers/drivers.h - the device drivers' registry entries, for models/drivers/drivers.c.
 *
 * Each driver file defines its const struct netdev_driver (models/core/netdevice.h);
 * drivers.c lists them in netdev_drivers[]. Only models/drivers/ includes this.
 */
#ifndef MODELS_DRIVERS_H
#define MODELS_DRIVERS_H

#include "models/core/netdevice.h"

extern const struct netdev_driver ixgbe_netdev_driver;	  /* models/drivers/nic_drivers.c */
extern const struct netdev_driver i40e_netdev_driver;	  /* models/drivers/nic_drivers.c */
extern const struct netdev_driver mlx5_netdev_driver;	  /* models/drivers/nic_drivers.c */
extern const struct netdev_driver generic_netdev_driver;  /* models/drivers/nic_drivers.c */
extern const struct netdev_driver veth_netdev_driver;	  /* models/drivers/veth.c */
extern const struct netdev_driver loopback_netdev_driver; /* models/drivers/loopback.c */
extern const struct netdev_driver bridge_netdev_driver;	  /* models/drivers/bridge.c */
extern const struct netdev_driver vlan_netdev_driver;	  /* models/drivers/vlan.c */

#endif
