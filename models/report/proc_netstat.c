/*
 * models/report/proc_netstat.c - the host's /proc/net/netstat (`netstat` in
 * its results directory), the file nstat reads besides /proc/net/snmp.
 *
 * Kernel reference: net/ipv4/proc.c netstat_seq_show(): the TcpExt, IpExt
 * and MPTcpExt pairs of lines (names, then values). The names are those of
 * the kernel tests/kernel-ref/formats/netstat was measured on (Linux
 * 6.18; tests/kernel-ref/measure_formats.py), in its order.
 *
 * Simplified: the model has no TCP or MPTCP (their counters are 0) and
 * counts of IpExt only InNoRoutes and InCsumErrors, of TcpExt only
 * BusyPollRxPackets; the octet, multicast,
 * broadcast and ECN counters are 0.
 */
#include <stddef.h>
#include <string.h>

#include "models/ipv4/sock.h"

#include "models/report/proc_netstat.h"

/* Positions in ipext_names[] of the counters the model keeps. */
enum { IPEXT_IN_NO_ROUTES = 0, IPEXT_IN_CSUM_ERRORS = 12 };

static const char *const tcpext_names[] = {
	"SyncookiesSent",
	"SyncookiesRecv",
	"SyncookiesFailed",
	"EmbryonicRsts",
	"PruneCalled",
	"RcvPruned",
	"OfoPruned",
	"OutOfWindowIcmps",
	"LockDroppedIcmps",
	"ArpFilter",
	"TW",
	"TWRecycled",
	"TWKilled",
	"PAWSActive",
	"PAWSEstab",
	"BeyondWindow",
	"TSEcrRejected",
	"PAWSOldAck",
	"PAWSTimewait",
	"DelayedACKs",
	"DelayedACKLocked",
	"DelayedACKLost",
	"ListenOverflows",
	"ListenDrops",
	"TCPHPHits",
	"TCPPureAcks",
	"TCPHPAcks",
	"TCPRenoRecovery",
	"TCPSackRecovery",
	"TCPSACKReneging",
	"TCPSACKReorder",
	"TCPRenoReorder",
	"TCPTSReorder",
	"TCPFullUndo",
	"TCPPartialUndo",
	"TCPDSACKUndo",
	"TCPLossUndo",
	"TCPLostRetransmit",
	"TCPRenoFailures",
	"TCPSackFailures",
	"TCPLossFailures",
	"TCPFastRetrans",
	"TCPSlowStartRetrans",
	"TCPTimeouts",
	"TCPLossProbes",
	"TCPLossProbeRecovery",
	"TCPRenoRecoveryFail",
	"TCPSackRecoveryFail",
	"TCPRcvCollapsed",
	"TCPBacklogCoalesce",
	"TCPDSACKOldSent",
	"TCPDSACKOfoSent",
	"TCPDSACKRecv",
	"TCPDSACKOfoRecv",
	"TCPAbortOnData",
	"TCPAbortOnClose",
	"TCPAbortOnMemory",
	"TCPAbortOnTimeout",
	"TCPAbortOnLinger",
	"TCPAbortFailed",
	"TCPMemoryPressures",
	"TCPMemoryPressuresChrono",
	"TCPSACKDiscard",
	"TCPDSACKIgnoredOld",
	"TCPDSACKIgnoredNoUndo",
	"TCPSpuriousRTOs",
	"TCPMD5NotFound",
	"TCPMD5Unexpected",
	"TCPMD5Failure",
	"TCPSackShifted",
	"TCPSackMerged",
	"TCPSackShiftFallback",
	"TCPBacklogDrop",
	"PFMemallocDrop",
	"TCPMinTTLDrop",
	"TCPDeferAcceptDrop",
	"IPReversePathFilter",
	"TCPTimeWaitOverflow",
	"TCPReqQFullDoCookies",
	"TCPReqQFullDrop",
	"TCPRetransFail",
	"TCPRcvCoalesce",
	"TCPOFOQueue",
	"TCPOFODrop",
	"TCPOFOMerge",
	"TCPChallengeACK",
	"TCPSYNChallenge",
	"TCPFastOpenActive",
	"TCPFastOpenActiveFail",
	"TCPFastOpenPassive",
	"TCPFastOpenPassiveFail",
	"TCPFastOpenListenOverflow",
	"TCPFastOpenCookieReqd",
	"TCPFastOpenBlackhole",
	"TCPSpuriousRtxHostQueues",
	"BusyPollRxPackets",
	"TCPAutoCorking",
	"TCPFromZeroWindowAdv",
	"TCPToZeroWindowAdv",
	"TCPWantZeroWindowAdv",
	"TCPSynRetrans",
	"TCPOrigDataSent",
	"TCPHystartTrainDetect",
	"TCPHystartTrainCwnd",
	"TCPHystartDelayDetect",
	"TCPHystartDelayCwnd",
	"TCPACKSkippedSynRecv",
	"TCPACKSkippedPAWS",
	"TCPACKSkippedSeq",
	"TCPACKSkippedFinWait2",
	"TCPACKSkippedTimeWait",
	"TCPACKSkippedChallenge",
	"TCPWinProbe",
	"TCPKeepAlive",
	"TCPMTUPFail",
	"TCPMTUPSuccess",
	"TCPDelivered",
	"TCPDeliveredCE",
	"TCPAckCompressed",
	"TCPZeroWindowDrop",
	"TCPRcvQDrop",
	"TCPWqueueTooBig",
	"TCPFastOpenPassiveAltKey",
	"TcpTimeoutRehash",
	"TcpDuplicateDataRehash",
	"TCPDSACKRecvSegs",
	"TCPDSACKIgnoredDubious",
	"TCPMigrateReqSuccess",
	"TCPMigrateReqFailure",
	"TCPPLBRehash",
	"TCPAORequired",
	"TCPAOBad",
	"TCPAOKeyNotFound",
	"TCPAOGood",
	"TCPAODroppedIcmps",
	NULL,
};

static const char *const ipext_names[] = {
	"InNoRoutes",
	"InTruncatedPkts",
	"InMcastPkts",
	"OutMcastPkts",
	"InBcastPkts",
	"OutBcastPkts",
	"InOctets",
	"OutOctets",
	"InMcastOctets",
	"OutMcastOctets",
	"InBcastOctets",
	"OutBcastOctets",
	"InCsumErrors",
	"InNoECTPkts",
	"InECT1Pkts",
	"InECT0Pkts",
	"InCEPkts",
	"ReasmOverlaps",
	NULL,
};

static const char *const mptcpext_names[] = {
	"MPCapableSYNRX",
	"MPCapableSYNTX",
	"MPCapableSYNACKRX",
	"MPCapableACKRX",
	"MPCapableFallbackACK",
	"MPCapableFallbackSYNACK",
	"MPCapableSYNTXDrop",
	"MPCapableSYNTXDisabled",
	"MPCapableEndpAttempt",
	"MPFallbackTokenInit",
	"MPTCPRetrans",
	"MPJoinNoTokenFound",
	"MPJoinSynRx",
	"MPJoinSynBackupRx",
	"MPJoinSynAckRx",
	"MPJoinSynAckBackupRx",
	"MPJoinSynAckHMacFailure",
	"MPJoinAckRx",
	"MPJoinAckHMacFailure",
	"MPJoinRejected",
	"MPJoinSynTx",
	"MPJoinSynTxCreatSkErr",
	"MPJoinSynTxBindErr",
	"MPJoinSynTxConnectErr",
	"DSSNotMatching",
	"DSSCorruptionFallback",
	"DSSCorruptionReset",
	"InfiniteMapTx",
	"InfiniteMapRx",
	"DSSNoMatchTCP",
	"DataCsumErr",
	"OFOQueueTail",
	"OFOQueue",
	"OFOMerge",
	"NoDSSInWindow",
	"DuplicateData",
	"AddAddr",
	"AddAddrTx",
	"AddAddrTxDrop",
	"EchoAdd",
	"EchoAddTx",
	"EchoAddTxDrop",
	"PortAdd",
	"AddAddrDrop",
	"MPJoinPortSynRx",
	"MPJoinPortSynAckRx",
	"MPJoinPortAckRx",
	"MismatchPortSynRx",
	"MismatchPortAckRx",
	"RmAddr",
	"RmAddrDrop",
	"RmAddrTx",
	"RmAddrTxDrop",
	"RmSubflow",
	"MPPrioTx",
	"MPPrioRx",
	"MPFailTx",
	"MPFailRx",
	"MPFastcloseTx",
	"MPFastcloseRx",
	"MPRstTx",
	"MPRstRx",
	"SubflowStale",
	"SubflowRecover",
	"SndWndShared",
	"RcvWndShared",
	"RcvWndConflictUpdate",
	"RcvWndConflict",
	"MPCurrEstab",
	"Blackhole",
	"MPCapableDataFallback",
	"MD5SigFallback",
	"DssFallback",
	"SimultConnectFallback",
	"FallbackFailed",
	"WinProbe",
	NULL,
};

/* One pair of lines: "@prefix: NAMES" and "@prefix: VALUES" (@vals NULL: all 0). */
static void netstat_pair(FILE *f, const char *prefix, const char *const *names,
			 const unsigned long long *vals)
{
	fprintf(f, "%s:", prefix);
	for (size_t i = 0; names[i]; i++)
		fprintf(f, " %s", names[i]);
	fprintf(f, "\n%s:", prefix);
	for (size_t i = 0; names[i]; i++)
		fprintf(f, " %llu", vals ? vals[i] : 0ull);
	fputc('\n', f);
}

/* Position of @name in @names. */
static size_t netstat_index(const char *const *names, const char *name)
{
	size_t i = 0;

	while (names[i] && strcmp(names[i], name))
		i++;
	return i;
}

void proc_netstat_write(const struct host *h, FILE *f)
{
	unsigned long long ipext[sizeof(ipext_names) / sizeof(ipext_names[0])] = { 0 };
	unsigned long long tcpext[sizeof(tcpext_names) / sizeof(tcpext_names[0])] = { 0 };

	/* LINUX_MIB_BUSYPOLLRXPACKETS: the busy polls of this namespace's readers */
	for (uint32_t i = 0; i < h->nsocks; i++)
		tcpext[netstat_index(tcpext_names, "BusyPollRxPackets")] +=
			h->socks[i]->busy_poll_rx_packets;

	ipext[IPEXT_IN_NO_ROUTES] = h->ip.InNoRoutes;
	ipext[IPEXT_IN_CSUM_ERRORS] = h->ip.InCsumErrors;
	netstat_pair(f, "TcpExt", tcpext_names, tcpext);
	netstat_pair(f, "IpExt", ipext_names, ipext);
	netstat_pair(f, "MPTcpExt", mptcpext_names, NULL);
}
