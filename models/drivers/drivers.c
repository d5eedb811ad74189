/*
 * models/drivers/drivers.c - the registry of device drivers, found by the scenario's `driver:`.
 *
 * Kernel analogue: the rtnl_link_ops list (rtnl_link_ops_get by kind) and
 * the PCI driver list. A new device is its driver file, defining a const
 * struct netdev_driver (models/core/netdevice.h), plus one line here.
 */
#include <stdio.h>
#include <string.h>

#include "models/drivers/drivers.h"

const struct netdev_driver *const netdev_drivers[] = {
	&ixgbe_netdev_driver,	&i40e_netdev_driver, &mlx5_netdev_driver,
	&generic_netdev_driver, &veth_netdev_driver, &loopback_netdev_driver,
	&bridge_netdev_driver,	&vlan_netdev_driver, NULL,
};

const struct netdev_driver *netdev_driver_find(const char *name)
{
	for (size_t i = 0; netdev_drivers[i]; i++)
		if (!strcmp(netdev_drivers[i]->name, name))
			return netdev_drivers[i];
	return NULL;
}

/* Only the drivers a scenario may name are suggested. */
int netdev_driver_unknown(const struct cfg_node *v, const char *name, struct sim_error *err)
{
	const char *names[sizeof(netdev_drivers) / sizeof(netdev_drivers[0])];
	char known[256] = "";
	const char *near;
	size_t n = 0;

	for (size_t i = 0; netdev_drivers[i]; i++) {
		if (!netdev_drivers[i]->scenario)
			continue;
		snprintf(known + strlen(known), sizeof(known) - strlen(known), "%s%s",
			 n ? ", " : "", netdev_drivers[i]->name);
		names[n++] = netdev_drivers[i]->name;
	}
	near = sim_nearest(name, names, n);
	if (near)
		return cfg_error(v, err, "unknown driver '%s' (did you mean '%s'?)", name, near);
	return cfg_error(v, err, "unknown driver '%s' (known: %s)", name, known);
}
