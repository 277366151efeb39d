#!/usr/bin/env python3
"""CPU used by other work on the machine while a benchmark run ran.

  others_cpu.py snap FILE            record every process's CPU time so far
  others_cpu.py diff FILE PID...     print the CPU seconds processes used
                                     since the snapshot, leaving out the
                                     given PIDs, their descendants and
                                     kernel threads

Processes started after the snapshot count in full; processes that ended
before the diff are not seen (their parents' waits may count them later).
The harness leaves out the broker and itself (during a run also the
database server, whose work the contestant asks for); the contestant and
the watcher have ended by then. Kernel work (network softirqs, writeback) is
not a process's and is not counted: the machine-wide CPU figures would
blame the contestant's own traffic on "others"."""
import os
import sys

HZ = os.sysconf("SC_CLK_TCK")


def processes():
    """pid -> (start time, CPU seconds, parent pid) of every user-space
    process."""
    out = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ppid, flags = int(fields[1]), int(fields[6])
        if int(pid) == 2 or ppid == 2 or flags & 0x00200000:  # PF_KTHREAD
            continue
        out[int(pid)] = (fields[19], (int(fields[11]) + int(fields[12])) / HZ, ppid)
    return out


def descends(pid, roots, procs):
    """Whether pid is one of roots or a descendant of one."""
    seen = 0
    while pid in procs and seen < 64:
        if pid in roots:
            return True
        pid, seen = procs[pid][2], seen + 1
    return pid in roots


def main():
    mode, path = sys.argv[1], sys.argv[2]
    if mode == "snap":
        with open(path, "w") as f:
            for pid, (start, cpu, _) in processes().items():
                f.write(f"{pid} {start} {cpu}\n")
        return
    before = {}
    with open(path) as f:
        for line in f:
            pid, start, cpu = line.split()
            before[int(pid)] = (start, float(cpu))
    procs = processes()
    skip = {int(p) for p in sys.argv[3:] if p} | {os.getpid(), os.getppid()}
    total = 0.0
    for pid, (start, cpu, _) in procs.items():
        if descends(pid, skip, procs):
            continue
        old = before.get(pid)
        total += cpu - old[1] if old and old[0] == start else cpu
    print(f"{total:.2f}")


if __name__ == "__main__":
    main()
