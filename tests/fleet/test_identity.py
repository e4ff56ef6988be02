"""Counts that can't double: the same device from two outputs of one host, the same file twice, repeated serials,
and the whole shared samples folder, each device stored once and each merge reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chipshift.catalog import Catalog
from chipshift.cli.main import app
from chipshift.fleet import FleetStore, IngestOutcome, read_inventory_bytes
from chipshift.fleet.identity import bus_address, device_key, serial_key
from chipshift.fleet.model import DeviceRecord

SAMPLES_DEVICES = 76
"""Devices in shared/data/inventory-samples, counted by hand from its SOURCES.md:

- 4 telegraf XML files: 1 GPU each (the A100 file says 4 attached but holds 1 <gpu>) = 4;
- 5 nvidia_gpu_exporter captures: 1 GPU each = 5 (masked UUIDs GPU-00000000-..., no host: not merged);
- 4 npu-smi hosts, each given as `npu-smi info` and the same host's `npu-smi info -m`: 4 + 4 + 8 + 8 = 24 chips;
- the Hygon host as rocm-smi JSON and rocminfo (its pair, same unique id 7100fa8866904061) = 1 DCU;
- 5 gpustack-runtime files: 8 devices each = 40;
- the cyborg lspci lines: 2 Ascend 310 devices.

4 + 5 + 24 + 1 + 40 + 2 = 76; the 25 repeats (24 mapped chips and the rocminfo DCU) are merged.
"""
NPU_STEM = "gpustack__ai-server_atlas-800-training-server_model-9010_version-24.1.RC2"

runner = CliRunner()


def invoke(*args: str | Path, stdin: bytes | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(a) for a in args], input=stdin)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'fleet.sqlite'}"


def _status(db: str) -> dict[str, object]:
    code, out, err = invoke("fleet", "status", "--db", db, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def test_whole_samples_folder_counts_each_device_once(db: str, samples: Path) -> None:
    code, _, err = invoke("fleet", "ingest", samples, "--db", db)
    assert code == 0, err
    assert "skipped" in err and "SOURCES.md: not an inventory" in err
    assert f"{SAMPLES_DEVICES} device(s), 25 merged" in err
    report = _status(db)
    assert report["device_count"] == SAMPLES_DEVICES
    code, out, _ = invoke("fleet", "export", "--db", db, "--format", "json")
    devices = json.loads(out)["devices"]
    assert sum(d["count"] for d in devices) == SAMPLES_DEVICES
    keys = [d["identity"] for d in devices if d["identity"]]
    assert len(keys) == len(set(keys))
    code, _, err = invoke("fleet", "ingest", samples, "--db", db)
    assert code == 0 and err.count("already stored") == 25
    assert _status(db)["device_count"] == SAMPLES_DEVICES


def test_npu_smi_table_and_its_mapping_are_one_host(db: str, samples: Path) -> None:
    table, mapping = samples / f"{NPU_STEM}.txt", samples / f"{NPU_STEM}_mapping.txt"
    code, _, err = invoke("fleet", "ingest", mapping, table, "--db", db)
    assert code == 0, err
    assert "npu-smi pair: chip names from" in err and "8 merged" in err
    report = _status(db)
    assert report["device_count"] == 8 and report["unmatched_count"] == 0
    code, out, _ = invoke("fleet", "export", "--db", db, "--format", "json")
    devices = json.loads(out)["devices"]
    assert {(d["chip_id"], d["model"]) for d in devices} == {("huawei-ascend-910", "Ascend 910A")}
    assert all(d["bus_id"] and d["memory_mib"] == 32768 for d in devices)


def test_same_file_twice_in_one_command(db: str, samples: Path) -> None:
    path = samples / "telegraf__a100-sxm4-v12.xml"
    code, _, err = invoke("fleet", "ingest", path, path, "--db", db)
    assert code == 0 and "the same content as" in err
    assert _status(db)["device_count"] == 1


def test_same_devices_from_another_source_count_once(db: str, samples: Path, tmp_path: Path) -> None:
    original = samples / "runtime__detect_output_nvidia_h100.json"
    resaved = tmp_path / "h100-again.json"
    resaved.write_text(json.dumps(json.loads(original.read_text()), indent=4))
    assert invoke("fleet", "ingest", original, "--db", db)[0] == 0
    code, _, err = invoke("fleet", "ingest", resaved, "--db", db)
    assert code == 0 and "8 device(s) are also in another source's snapshot: counted once" in err
    assert _status(db)["device_count"] == 8


def test_duplicate_serials_in_one_register(db: str) -> None:
    register = b"model,serial\nH20,SN-0001\n910B,SN-0002\nH20,sn 0001\nH20,SN-0003\n"
    code, _, err = invoke("fleet", "ingest", "-", "--db", db, stdin=register)
    assert code == 0, err
    assert "3 device(s), 0 unmatched, 1 merged" in err
    assert "-:4: serial/UUID 'sn0001' is already listed earlier in this file; counted once" in err
    store = FleetStore(db)
    assert [s.merged_count for s in store.snapshots()] == [1]
    store.close()


def test_serial_with_a_count_above_one_is_refused(catalog: Catalog) -> None:
    read = read_inventory_bytes("r.csv", b"model,count,serial\nH20,4,SN-0001\n", catalog=catalog)
    assert [p.describe("r.csv") for p in read.problems] == [
        "r.csv:2: field 'count': a serial or UUID names one device, but the count is 4"
    ]


def test_masked_ids_identify_nothing() -> None:
    assert serial_key("GPU-00000000-0000-0000-0000-000000000000") is None
    assert serial_key("TPXxxxx") is None
    assert serial_key("GPU-7100fa8866904061") == serial_key("7100fa8866904061")
    assert bus_address("00000000:C1:00.0") == bus_address("0000:c1:00.0") == "0000:c1:00.0"
    masked_host = DeviceRecord(model="H20", host="redacted-host", bus_id="0000:01:00.0")
    assert device_key(masked_host, "site/file-a.txt") == "source:site/file-a.txt|bus:0000:01:00.0"
    named = DeviceRecord(model="H20", host="Node-7", bus_id="00000000:01:00.0")
    assert device_key(named, "anything") == "host:node-7|bus:0000:01:00.0"


def test_bus_ids_repeated_in_one_file_are_merged(catalog: Catalog, samples: Path) -> None:
    listing = (samples / "cyborg__test_ascend_lspci.txt").read_bytes()
    read = read_inventory_bytes("twice.txt", listing + listing, catalog=catalog)
    assert read.device_count == 2 and read.merged_count == 2
    assert read.merged[0].describe("twice.txt") == (
        "twice.txt:3: PCI bus 0000:00:0c.0 is already listed earlier in this file; counted once"
    )


def test_single_file_ingest_api_reports_outcome(tmp_path: Path, samples: Path) -> None:
    store = FleetStore(f"sqlite:///{tmp_path / 'api.sqlite'}")
    result = store.ingest(samples / "gpustack__hygon-gpu-24.04.3-rocm-smi.json")
    again = store.ingest(samples / "gpustack__hygon-gpu-24.04.3-rocminfo.txt")
    assert (result.outcome, again.outcome) == (IngestOutcome.STORED, IngestOutcome.STORED)
    assert again.in_other_sources == 1
    assert len(store.fleet()) == 1
    store.close()
