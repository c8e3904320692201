"""Compares the outputs of two suites run by `trtplug test --run` (e.g. the IPluginV2 and IPluginV3 builds of the
same plugins), case by case, cases matched by plugin and label: `python tests/same_suite_outputs.py A B`."""
import sys
from pathlib import Path
from urllib.parse import unquote


def cases(suite):
    found, current = {}, None
    for line in (Path(suite) / "plan.txt").read_text().splitlines():
        kind, *fields = line.split(" ")
        kv = dict(f.split("=", 1) for f in fields if "=" in f)
        if kind == "case":
            current = (kv["plugin"], unquote(kv["label"]))
            found[current] = []
        elif kind == "output" and current is not None:
            found[current].append(kv["file"])
    return found


a, b = cases(sys.argv[1]), cases(sys.argv[2])
common = sorted(set(a) & set(b))
compared = differ = missing = 0
for key in common:
    for fa, fb in zip(a[key], b[key]):
        pa, pb = Path(sys.argv[1]) / fa, Path(sys.argv[2]) / fb
        if not pa.exists() or not pb.exists():
            missing += 1
            continue
        compared += 1
        if pa.read_bytes() != pb.read_bytes():
            differ += 1
            print("DIFFERS", key, fa, fb)
print(f"{sys.argv[1]} vs {sys.argv[2]}: {len(common)} common cases, {compared} outputs compared, {differ} differ, "
      f"{missing} missing")
