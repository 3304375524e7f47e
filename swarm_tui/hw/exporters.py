"""Readings from the exporters people already run on a GPU host, in the Prometheus text format.

* node_exporter: ``node_cpu_seconds_total`` (a counter: CPU use needs two scrapes),
  ``node_memory_MemTotal_bytes``/``MemAvailable_bytes``/``Swap*``, ``node_load1/5/15``,
  ``node_filesystem_size/free/avail_bytes``, ``node_hwmon_temp_celsius``,
  ``node_power_supply_*``, ``node_disk_*_bytes_total``, ``node_network_*_bytes_total``.
* dcgm-exporter: ``DCGM_FI_DEV_GPU_UTIL`` (%), ``DCGM_FI_DEV_FB_USED``/``FB_FREE`` (MiB),
  ``DCGM_FI_DEV_GPU_TEMP`` (°C), ``DCGM_FI_DEV_POWER_USAGE`` (W), labelled ``gpu``, ``UUID``,
  ``modelName``.
* nvidia_gpu_exporter: ``nvidia_smi_utilization_gpu_ratio`` (0..1),
  ``nvidia_smi_memory_used_bytes``/``total_bytes``, ``nvidia_smi_temperature_gpu``,
  ``nvidia_smi_power_draw_watts``, labelled ``uuid``; names and indexes on
  ``nvidia_smi_gpu_info``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from swarm_tui.hw.gpu import throttle_names
from swarm_tui.hw.model import Battery, DiskUsage, GpuSample, GpuStatus, HostSample, Temperature
from swarm_tui.hw.promtext import Scrape

__all__ = [
    "CpuCounters",
    "gpus_from_dcgm",
    "gpus_from_exporter",
    "gpus_from_nvidia_smi",
    "host_from_node",
]

MIB = 1024 * 1024
_SKIP_FSTYPES = frozenset({"tmpfs", "devtmpfs", "overlay", "squashfs", "ramfs", "nsfs", "autofs"})
_IDLE_MODES = frozenset({"idle", "iowait"})
_SMI_THROTTLE = {
    "hw_slowdown": "hw_slowdown",
    "hw_thermal_slowdown": "hw_thermal",
    "sw_thermal_slowdown": "sw_thermal",
    "sw_power_cap": "sw_power_cap",
    "hw_power_brake_slowdown": "hw_power_brake",
}


@dataclass(frozen=True, slots=True)
class CpuCounters:
    """Seconds per CPU: (busy, total), from one scrape."""

    per_cpu: dict[str, tuple[float, float]]


def _cpu(scrape: Scrape) -> CpuCounters:
    busy: dict[str, float] = defaultdict(float)
    total: dict[str, float] = defaultdict(float)
    for s in scrape.named("node_cpu_seconds_total"):
        cpu = s.labels.get("cpu", "")
        total[cpu] += s.value
        if s.labels.get("mode") not in _IDLE_MODES:
            busy[cpu] += s.value
    return CpuCounters({cpu: (busy[cpu], total[cpu]) for cpu in total})


def _cpu_percent(
    now: CpuCounters, before: CpuCounters | None
) -> tuple[float | None, tuple[float, ...]]:
    if before is None:
        return None, ()
    per: list[float] = []
    all_busy = all_total = 0.0
    for cpu in sorted(now.per_cpu, key=lambda c: (len(c), c)):
        if cpu not in before.per_cpu:
            continue
        d_busy = now.per_cpu[cpu][0] - before.per_cpu[cpu][0]
        d_total = now.per_cpu[cpu][1] - before.per_cpu[cpu][1]
        if d_total <= 0:
            continue
        per.append(min(100.0, max(0.0, 100.0 * d_busy / d_total)))
        all_busy, all_total = all_busy + d_busy, all_total + d_total
    if all_total <= 0:
        return None, ()
    return min(100.0, max(0.0, 100.0 * all_busy / all_total)), tuple(per)


def host_from_node(
    scrape: Scrape, before: CpuCounters | None = None
) -> tuple[HostSample, CpuCounters]:
    """The host part from one node_exporter scrape, and the CPU counters for the next one."""
    counters = _cpu(scrape)
    cpu, per_cpu = _cpu_percent(counters, before)
    uname = scrape.named("node_uname_info")
    load = [scrape.first(f"node_load{n}") for n in (1, 5, 15)]
    mem_total = _int(scrape.first("node_memory_MemTotal_bytes"))
    swap_total = _int(scrape.first("node_memory_SwapTotal_bytes"))
    swap_free = _int(scrape.first("node_memory_SwapFree_bytes"))
    host = HostSample(
        hostname=uname[0].labels.get("nodename", "") if uname else "",
        cpu_percent=cpu,
        cores=len(counters.per_cpu) or None,
        per_cpu=per_cpu,
        load=(load[0], load[1], load[2])
        if load[0] is not None and load[1] is not None and load[2] is not None
        else None,
        mem_total_bytes=mem_total,
        mem_available_bytes=_int(scrape.first("node_memory_MemAvailable_bytes")),
        swap_total_bytes=swap_total,
        swap_used_bytes=swap_total - swap_free
        if swap_total is not None and swap_free is not None
        else None,
        disks=_filesystems(scrape),
        disk_read_bytes=_sum(scrape, "node_disk_read_bytes_total"),
        disk_write_bytes=_sum(scrape, "node_disk_written_bytes_total"),
        net_sent_bytes=_sum(scrape, "node_network_transmit_bytes_total", skip_lo=True),
        net_recv_bytes=_sum(scrape, "node_network_receive_bytes_total", skip_lo=True),
        temperatures=_temperatures(scrape),
        battery=_battery(scrape),
    )
    return host, counters


def _int(value: float | None) -> int | None:
    return int(value) if value is not None and value == value else None


def _sum(scrape: Scrape, name: str, *, skip_lo: bool = False) -> int | None:
    rows = [s for s in scrape.named(name) if not (skip_lo and s.labels.get("device") == "lo")]
    return int(sum(s.value for s in rows)) if rows else None


def _filesystems(scrape: Scrape) -> tuple[DiskUsage, ...]:
    avail = {
        s.labels.get("mountpoint"): s.value for s in scrape.named("node_filesystem_avail_bytes")
    }
    free = {s.labels.get("mountpoint"): s.value for s in scrape.named("node_filesystem_free_bytes")}
    disks: list[DiskUsage] = []
    seen: set[str] = set()
    for s in scrape.named("node_filesystem_size_bytes"):
        mount, device = s.labels.get("mountpoint", ""), s.labels.get("device", "")
        if s.labels.get("fstype") in _SKIP_FSTYPES or device in seen or s.value <= 0:
            continue
        seen.add(device)
        size = int(s.value)
        used = size - int(free.get(mount, avail.get(mount, 0.0)))
        disks.append(DiskUsage(mount, size, used, int(avail.get(mount, size - used))))
    return tuple(disks)


def _temperatures(scrape: Scrape) -> tuple[Temperature, ...]:
    names = {
        (s.labels.get("chip"), s.labels.get("sensor")): s.labels.get("label", "")
        for s in scrape.named("node_hwmon_sensor_label")
    }
    temps: list[Temperature] = []
    for s in scrape.named("node_hwmon_temp_celsius"):
        chip, sensor = s.labels.get("chip", ""), s.labels.get("sensor", "")
        label = names.get((chip, sensor)) or sensor
        high = scrape.first("node_hwmon_temp_max_celsius", chip=chip, sensor=sensor)
        crit = scrape.first("node_hwmon_temp_crit_celsius", chip=chip, sensor=sensor)
        temps.append(Temperature(f"{chip}/{label}", s.value, high, crit))
    return tuple(temps)


def _battery(scrape: Scrape) -> Battery | None:
    capacity = scrape.named("node_power_supply_capacity")
    if not capacity:
        return None
    online = scrape.named("node_power_supply_online")
    plugged = any(s.value == 1 for s in online) if online else None
    return Battery(capacity[0].value, plugged)


# ---------------------------------------------------------------------- GPUs
def gpus_from_exporter(scrape: Scrape) -> GpuStatus:
    """Whichever NVIDIA exporter wrote ``scrape``."""
    names = scrape.names()
    if any(n.startswith("DCGM_FI_") for n in names):
        return gpus_from_dcgm(scrape)
    if any(n.startswith("nvidia_smi_") for n in names):
        return gpus_from_nvidia_smi(scrape)
    return GpuStatus(False, "no dcgm-exporter or nvidia_gpu_exporter metrics in the scrape")


def gpus_from_dcgm(scrape: Scrape) -> GpuStatus:
    by_gpu: dict[str, dict[str, float]] = defaultdict(dict)
    meta: dict[str, dict[str, str]] = {}
    for s in scrape.samples:
        if not s.name.startswith("DCGM_FI_") or "gpu" not in s.labels:
            continue
        key = s.labels["gpu"]
        by_gpu[key].setdefault(s.name, s.value)  # per-pod duplicates: the first one stands
        meta.setdefault(key, s.labels)
    gpus: list[GpuSample] = []
    driver = ""
    for key in sorted(by_gpu, key=lambda k: (len(k), k)):
        v, labels = by_gpu[key], meta[key]
        driver = driver or labels.get("DCGM_FI_DRIVER_VERSION", "")
        used, free = v.get("DCGM_FI_DEV_FB_USED"), v.get("DCGM_FI_DEV_FB_FREE")
        total = v.get("DCGM_FI_DEV_FB_TOTAL")
        if total is None and used is not None and free is not None:
            total = used + free + v.get("DCGM_FI_DEV_FB_RESERVED", 0.0)
        reasons = v.get(
            "DCGM_FI_DEV_CLOCKS_EVENT_REASONS", v.get("DCGM_FI_DEV_CLOCK_THROTTLE_REASONS")
        )
        gpus.append(
            GpuSample(
                index=int(key) if key.isdigit() else len(gpus),
                name=labels.get("modelName", f"GPU {key}"),
                uuid=labels.get("UUID", ""),
                util_percent=v.get("DCGM_FI_DEV_GPU_UTIL"),
                vram_used_bytes=_int(used * MIB) if used is not None else None,
                vram_total_bytes=_int(total * MIB) if total is not None else None,
                temperature_c=v.get("DCGM_FI_DEV_GPU_TEMP"),
                power_w=v.get("DCGM_FI_DEV_POWER_USAGE"),
                power_limit_w=v.get("DCGM_FI_DEV_POWER_MGMT_LIMIT"),
                fan_percent=v.get("DCGM_FI_DEV_FAN_SPEED"),
                sm_clock_mhz=v.get("DCGM_FI_DEV_SM_CLOCK"),
                throttle=throttle_names(int(reasons)) if reasons is not None else (),
            )
        )
    if not gpus:
        return GpuStatus(False, "dcgm-exporter reports no GPU")
    return GpuStatus(True, "", driver, tuple(gpus))


def gpus_from_nvidia_smi(scrape: Scrape) -> GpuStatus:
    by_uuid: dict[str, dict[str, float]] = defaultdict(dict)
    for s in scrape.samples:
        if s.name.startswith("nvidia_smi_") and "uuid" in s.labels:
            by_uuid[s.labels["uuid"]].setdefault(s.name, s.value)
    info = {s.labels.get("uuid", ""): s.labels for s in scrape.named("nvidia_smi_gpu_info")}
    gpus: list[GpuSample] = []
    for uuid, v in by_uuid.items():
        labels = info.get(uuid, {})
        index = labels.get("index", "")
        util, fan, clock = (
            v.get("nvidia_smi_utilization_gpu_ratio"),
            v.get("nvidia_smi_fan_speed_ratio"),
            v.get("nvidia_smi_clocks_current_sm_clock_hz"),
        )
        throttle = tuple(
            ours
            for theirs, ours in _SMI_THROTTLE.items()
            if v.get(f"nvidia_smi_clocks_event_reasons_{theirs}") == 1
            or v.get(f"nvidia_smi_clocks_throttle_reasons_{theirs}") == 1
        )
        gpus.append(
            GpuSample(
                index=int(index) if index.isdigit() else len(gpus),
                name=labels.get("name", uuid),
                uuid=uuid,
                util_percent=util * 100 if util is not None else None,
                vram_used_bytes=_int(v.get("nvidia_smi_memory_used_bytes")),
                vram_total_bytes=_int(v.get("nvidia_smi_memory_total_bytes")),
                temperature_c=v.get("nvidia_smi_temperature_gpu"),
                power_w=v.get("nvidia_smi_power_draw_watts"),
                power_limit_w=v.get("nvidia_smi_power_limit_watts"),
                fan_percent=fan * 100 if fan is not None else None,
                sm_clock_mhz=clock / 1e6 if clock is not None else None,
                throttle=throttle,
            )
        )
    if not gpus:
        return GpuStatus(False, "nvidia_gpu_exporter reports no GPU")
    driver = next((lb.get("driver_version", "") for lb in info.values()), "")
    return GpuStatus(True, "", driver, tuple(sorted(gpus, key=lambda g: g.index)))
