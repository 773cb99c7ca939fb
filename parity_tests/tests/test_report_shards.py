"""``report --shard K/N`` runs a deterministic slice of the matrix; ``merge`` joins the
slices' JSON files into the report one run would have written. No report holds an
absolute path of this machine."""
from __future__ import annotations

import gzip
import re
import textwrap
from pathlib import Path

import pytest

from parity_tests import cli as cli_module
from parity_tests.cli import main as cli
from parity_tests.harness.report import JSON_NAME, dumps, load_report, row_dicts
from parity_tests.harness.runner import run_case
from parity_tests.harness.shard import parse_shard, select_shard, shard_of

SPECS = textwrap.dedent('''
    import torch
    import numpy_layers as nl
    from parity_tests.harness.spec import Case, ParitySpec, case_id

    CASES = [Case(case_id(i=i, o=o, b=b), dict(in_features=i, out_features=o), ((b, i),))
             for i, o, b in [(3, 2, 1), (5, 4, 2), (6, 6, 3), (8, 3, 4), (2, 7, 5)]]
    SPEC = ParitySpec(name="ShardLinear", torch_module=lambda c: torch.nn.Linear(**c.params),
                      numpy_module=lambda c, dt: nl.Linear(**c.params, dtype=dt), cases=CASES)
''')
ABSOLUTE = re.compile(r"""(?:^|[\s"'`(=\[,])/(?:[\w.+-]+/)+[\w.+-]*""")


def test_shards_split_every_run_into_exactly_one_slice_whatever_the_order():
    runs = [(f"L{i % 7}", f"case{i}", d, m) for i in range(300)
            for d in ("float32", "float64") for m in ("train", "eval")]
    slices = [select_shard(runs, k, 3) for k in (1, 2, 3)]
    assert sorted(r for s in slices for r in s) == sorted(runs)
    assert all(len(s) > len(runs) / 6 for s in slices)            # roughly even
    assert select_shard(runs[::-1], 2, 3) == slices[1][::-1]        # by the run, not its place
    assert all(shard_of(r, 1) == 1 for r in runs)
    assert parse_shard("2/3") == (2, 3)
    for bad in ("0/3", "4/3", "3", "a/b", "1/0"):
        with pytest.raises(ValueError):
            parse_shard(bad)


def _report(*args: str) -> int:
    return cli(["report", "-j", "1", *args])


def _in_process(runs, seed, jobs, partial_dir, *, load, timeout, source, on_result):
    """run_matrix without worker processes (the pool has its own tests): the shards' runs."""
    specs = {s.name: s for s in load(source)}
    results = [run_case(specs[layer], next(c for c in specs[layer].cases if c.id == case),
                        dtype, mode, seed) for layer, case, dtype, mode in runs]
    return results, True


def _rows(path: Path) -> list[tuple]:
    return sorted(tuple(map(str, r.values())) for r in row_dicts(load_report(path)))


def test_three_shards_merge_to_the_rows_of_one_run(tmp_path, monkeypatch):
    spec = tmp_path / "shard_specs.py"
    spec.write_text(SPECS)
    assert _report("--specs", str(spec), "--out", str(tmp_path / "whole")) == 0
    monkeypatch.setattr(cli_module, "run_matrix", _in_process)
    for k in (1, 2, 3):
        assert _report("--specs", str(spec), "--shard", f"{k}/3", "--out", str(tmp_path / f"s{k}"),
                       "--baseline", str(tmp_path / "whole" / JSON_NAME)) == 0
        data = load_report(tmp_path / f"s{k}" / JSON_NAME)
        assert data["header"]["shard"] == f"{k}/3" and data["header"]["complete"]
        # against the whole run, a shard misses no row of its own and answers for no other
        assert data["baseline"]["disappeared"] == [] and data["baseline"]["compared"] == len(
            data["rows"]["layer"])
    sizes = [len(load_report(tmp_path / f"s{k}" / JSON_NAME)["runs"]["layer"]) for k in (1, 2, 3)]
    assert sum(sizes) == 10 and 0 not in sizes

    # two of three shards: a report marked incomplete, naming the missing shard
    assert cli(["merge", str(tmp_path / "s1"), str(tmp_path / "s3"),
                "--out", str(tmp_path / "part")]) == 1
    part = load_report(tmp_path / "part" / JSON_NAME)["header"]
    assert not part["complete"] and part["missing_shards"] == ["2/3"]

    assert cli(["merge", *(str(tmp_path / f"s{k}" / JSON_NAME) for k in (3, 1, 2)),
                "--out", str(tmp_path / "merged")]) == 0
    merged = load_report(tmp_path / "merged" / JSON_NAME)
    assert merged["header"]["complete"] and len(merged["header"]["shards"]) == 3
    assert "--shard 3/3" in load_report(tmp_path / "s3" / JSON_NAME)["header"]["command"]
    assert _rows(tmp_path / "merged" / JSON_NAME) == _rows(tmp_path / "whole" / JSON_NAME)
    assert merged["summary"] == load_report(tmp_path / "whole" / JSON_NAME)["summary"]
    assert "COMPLETE" in (tmp_path / "merged" / "parity_report.md").read_text()

    # shards of another seed or other code are not merged
    for key, value in (("seed", 1), ("sources", {"numpy_layers": {"tree": "0" * 40}})):
        other = load_report(tmp_path / "s2" / JSON_NAME)
        other["header"][key] = value
        (tmp_path / "other.json.gz").write_bytes(dumps(other))
        assert cli(["merge", str(tmp_path / "s1"), str(tmp_path / "other.json.gz"),
                    "--out", str(tmp_path / "bad")]) == 2
        assert not (tmp_path / "bad").exists()

    # no absolute path (the folders above are absolute) in any file written
    for folder in ("whole", "s2", "merged", "part"):
        for name in (JSON_NAME, "parity_report.md", "parity_report.html"):
            raw = (tmp_path / folder / name).read_bytes()
            text = (gzip.decompress(raw) if name == JSON_NAME else raw).decode()
            text = re.sub(r"data:image/png;base64,[^\"]+|<script[^>]*>.*?</script>", "", text,
                          flags=re.S)
            assert str(tmp_path) not in text and not ABSOLUTE.findall(text), (folder, name)


def test_merge_of_unreadable_files_is_a_clear_error(tmp_path, capsys):
    (tmp_path / "bad.json.gz").write_bytes(b"\x1f\x8bnot gzip")
    assert cli(["merge", str(tmp_path / "bad.json.gz"), "--out", str(tmp_path / "o")]) == 2
    assert "cannot read" in capsys.readouterr().err
