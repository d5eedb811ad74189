/*
 * models/report/proc_netstat.h - /proc/net/netstat of a host (its `netstat`
 * result file): TcpExt, IpExt and MPTcpExt, as nstat reads them.
 */
#ifndef MODELS_REPORT_PROC_NETSTAT_H
#define MODELS_REPORT_PROC_NETSTAT_H

#include <stdio.h>

#include "models/world.h"

/* Write @h's /proc/net/netstat to @f. */
void proc_netstat_write(const struct host *h, FILE *f);

#endif
