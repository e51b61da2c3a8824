package dev.larkhandoff.bench;

import java.lang.management.ManagementFactory;

/**
 * CPU seconds so far of the daemon, the proxy, the bench JVM and the children of the bench JVM that have ended
 * (hook processes), and how many Lark calls the emulator had answered: take one before and one after a span, and
 * {@link #minus} gives the span's.
 */
record ProcessUsage(double daemon, double proxy, double bench, double endedChildren, int calls) {

    static ProcessUsage now(long daemonPid, long proxyPid, int calls) {
        return new ProcessUsage(
                DaemonProcesses.cpuSeconds(daemonPid),
                DaemonProcesses.cpuSeconds(proxyPid),
                ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                                .getProcessCpuTime()
                        / 1e9,
                HandoffRig.endedChildrenCpuSeconds(),
                calls);
    }

    ProcessUsage minus(ProcessUsage o) {
        return new ProcessUsage(
                daemon - o.daemon, proxy - o.proxy, bench - o.bench, endedChildren - o.endedChildren, calls - o.calls);
    }
}
