#!/usr/bin/env python3
"""Writes the /proc and /sys trees under tests/machines/ that tests/machine.rs reads.

Each tree holds only the files scalescope reads, in the kernel's own formats
(as `cat` shows them on such a machine): /proc/self/status (Cpus_allowed_list),
/proc/self/cgroup, /proc/cpuinfo, /sys/devices/system/cpu (online, per CPU
topology and cpufreq), /sys/devices/system/node, /sys/devices/cpu_core|cpu_atom
(Intel hybrids) and the cgroup's cpu.max / cpuset files. Run it from the
repository root to make them again: python3 tests/machines/make.py
"""
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))


def put(root, path, text):
    full = os.path.join(root, path.lstrip("/"))
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w") as f:
        f.write(text + "\n")


def ranges(cpus):
    cpus = sorted(cpus)
    out, i = [], 0
    while i < len(cpus):
        j = i
        while j + 1 < len(cpus) and cpus[j + 1] == cpus[j] + 1:
            j += 1
        out.append(str(cpus[i]) if i == j else f"{cpus[i]}-{cpus[j]}")
        i = j + 1
    return ",".join(out)


def machine(name, model, cpus, allowed=None, cgroup="0::/", governor="performance", khz=(400000, 4500000), extra=None):
    """cpus: list of (cpu, package, core, siblings, max_khz or None)."""
    root = os.path.join(HERE, name)
    shutil.rmtree(root, ignore_errors=True)
    ids = [c[0] for c in cpus]
    allowed = ids if allowed is None else allowed
    put(root, "/proc/self/status", f"Name:\tscalescope\nThreads:\t1\nCpus_allowed:\tffffffff\nCpus_allowed_list:\t{ranges(allowed)}\nMems_allowed_list:\t0")
    put(root, "/proc/self/cgroup", cgroup)
    put(root, "/proc/cpuinfo", "\n".join(f"processor\t: {c}\nmodel name\t: {model}\n" for c in ids))
    put(root, "/sys/devices/system/cpu/online", ranges(ids))
    for cpu, package, core, siblings, max_khz in cpus:
        base = f"/sys/devices/system/cpu/cpu{cpu}"
        put(root, f"{base}/topology/physical_package_id", str(package))
        put(root, f"{base}/topology/core_id", str(core))
        put(root, f"{base}/topology/thread_siblings_list", ranges(siblings))
        put(root, f"{base}/cpufreq/scaling_governor", governor)
        put(root, f"{base}/cpufreq/cpuinfo_min_freq", str(khz[0]))
        put(root, f"{base}/cpufreq/cpuinfo_max_freq", str(max_khz or khz[1]))
    for path, text in (extra or {}).items():
        put(root, path, text)
    return root


def numa_nodes(nodes):
    return {f"/sys/devices/system/node/node{i}/cpulist": ranges(c) for i, c in enumerate(nodes)}


# A 16-core, 32-thread SMT desktop (AMD numbering: CPU k and k+16 share core k).
machine("smt-16c32t", "AMD Ryzen 9 7950X 16-Core Processor",
        [(c, 0, c % 16, [c % 16, c % 16 + 16], None) for c in range(32)],
        extra=numa_nodes([range(32)]))

# An Intel hybrid (i7-12700H): 6 P-cores with HT (CPUs 0-11) and 8 E-cores (12-19), on powersave.
p = [(c, 0, c // 2, [c - c % 2, c - c % 2 + 1], 4700000) for c in range(12)]
e = [(c, 0, 8 + (c - 12), [c], 3500000) for c in range(12, 20)]
machine("intel-hybrid", "12th Gen Intel(R) Core(TM) i7-12700H", p + e, governor="powersave",
        extra={"/sys/devices/cpu_core/cpus": "0-11", "/sys/devices/cpu_atom/cpus": "12-19", **numa_nodes([range(20)])})

# Two sockets of 8 cores with HT: node 0 holds CPUs 0-7 and 16-23, node 1 8-15 and 24-31.
machine("numa-2socket", "Intel(R) Xeon(R) Gold 6134 CPU @ 3.20GHz",
        [(c, (c % 16) // 8, c % 8, [c % 16, c % 16 + 16], None) for c in range(32)],
        governor="performance",
        extra=numa_nodes([[*range(0, 8), *range(16, 24)], [*range(8, 16), *range(24, 32)]]))

# A container on an 8-CPU host with `docker --cpus=1.5` (cgroup v2 cpu.max "150000 100000").
machine("container-quota", "Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz",
        [(c, 0, c % 4, [c % 4, c % 4 + 4], None) for c in range(8)],
        cgroup="0::/docker/3f1c9a",
        extra={"/sys/fs/cgroup/docker/3f1c9a/cpu.max": "150000 100000",
               "/sys/fs/cgroup/docker/3f1c9a/cpuset.cpus.effective": "0-7"})

# `taskset -c 0` on a 2-core machine (cgroup v1, no quota: cfs_quota_us -1).
machine("taskset-1-of-2", "AMD EPYC 7B13",
        [(c, 0, c, [c], None) for c in range(2)], allowed=[0],
        cgroup="4:memory:/x\n3:cpuset:/\n1:cpu,cpuacct:/\n0::/", governor="",
        extra={"/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us": "-1", "/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us": "100000"})
