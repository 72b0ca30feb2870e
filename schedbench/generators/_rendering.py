"""Names and descriptions: synthetic (T1.., R1..) or a data-centre migration story.

A rendering only renames and describes; it never changes the structure, and it draws from its own
random stream so that both renderings of the same seed hold the same numbers.
"""

from __future__ import annotations

import numpy as np

# Stages of a migration, from first layer to last; "_batch" bases are numbered, others used once.
_STAGES: tuple[tuple[str, ...], ...] = (
    ("backup_db_cluster", "snapshot_vm_fleet", "inventory_assets", "label_cables", "notify_stakeholders",
     "export_dns_zones", "archive_logs", "sync_object_storage", "verify_backups_batch"),
    ("drain_load_balancer", "shutdown_app_servers_batch", "unmount_storage_array", "disconnect_power_feeds",
     "derack_servers_batch", "pack_servers_batch"),
    ("transport_servers_batch", "load_truck_batch", "unload_truck_batch", "receive_at_new_site",
     "transport_storage_array", "inspect_shipment_batch"),
    ("rack_servers_batch", "install_storage_array", "cable_network_batch", "power_on_servers_batch",
     "configure_switches", "install_firewall"),
    ("network_cutover", "restore_db_cluster", "update_dns_records", "run_smoke_tests_batch",
     "enable_monitoring", "handover_to_operations", "decommission_old_site"),
)  # fmt: skip

_STAGE_LABELS = ("preparation", "shutdown and packing", "transport", "installation", "cutover and validation")

_RESOURCES: tuple[tuple[str, str, str], ...] = (
    ("it_team", "IT operations engineers on shift", "change freeze"),
    ("forklift", "forklifts at the sites", "maintenance window"),
    ("loading_dock", "loading dock bays", "maintenance window"),
    ("network_team", "network engineers on shift", "change freeze"),
    ("electricians", "certified electricians", "safety inspection"),
    ("storage_team", "storage administrators", "change freeze"),
    ("truck", "box trucks", "maintenance window"),
    ("security_escort", "security escorts for hardware in transit", "shift handover"),
    ("dba_team", "database administrators", "change freeze"),
    ("rack_crew", "rack-and-stack technicians", "training day"),
)


def synthetic_task_names(n: int) -> list[str]:
    return [f"T{i + 1}" for i in range(n)]


def synthetic_resource_names(r: int) -> list[str]:
    return [f"R{i + 1}" for i in range(r)]


def _stage(layer: int, layers: int) -> int:
    return (layer * len(_STAGES)) // max(layers, 1)


def domain_task_descriptions(layer_of: np.ndarray, layers: int) -> list[str]:
    """``"migration stage: transport"`` and the like, one per task."""
    return [f"migration stage: {_STAGE_LABELS[_stage(layer, layers)]}" for layer in layer_of.tolist()]


def domain_task_names(rng: np.random.Generator, layer_of: np.ndarray, layers: int) -> list[str]:
    """Unique migration-step names; a task's stage follows its layer (early layers prepare, late cut over)."""
    used: dict[str, int] = {}
    names = []
    for layer in layer_of.tolist():
        stage = _STAGES[_stage(layer, layers)]
        fresh = [b for b in stage if b.endswith("_batch") or b not in used]
        base = fresh[int(rng.integers(len(fresh)))]
        used[base] = used.get(base, 0) + 1
        numbered = base.endswith("_batch") or used[base] > 1
        names.append(f"{base}_{used[base]}" if numbered else base)
    return names


def domain_resources(r: int) -> list[tuple[str, str, str]]:
    """``(name, description, downtime reason)`` for ``r`` resources; names repeat with a suffix past ten."""
    out = []
    for i in range(r):
        name, what, reason = _RESOURCES[i % len(_RESOURCES)]
        rounds = i // len(_RESOURCES)
        out.append((f"{name}_{rounds + 1}" if rounds else name, what, reason))
    return out


DOMAIN_DESCRIPTION = (
    "Data-centre migration: move servers, storage and network service from the old site to the new one. "
    "Capacities are crews or equipment available at once; downtime windows are maintenance windows or "
    "change freezes in which a resource cannot be used."
)
SYNTHETIC_DESCRIPTION = "Synthetic RCPSP ladder instance (R-ConstraintBench style)."
