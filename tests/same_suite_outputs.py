"""Compares the outputs of two suites run by `trtplug test --run` (e.g. the IPluginV2 and IPluginV3 builds of the
same plugins), case by case, cases matched by plugin and label: `python tests/same_suite_outputs.py A B`."""
import sys
from pathlib import Path

from trtplug.testing.plan import read_plan


def output_files(suite: Path) -> dict[tuple[str, str], list[Path]]:
    return {(case["plugin"], case["label"]): [suite / out["file"] for out in case["outputs"]]
            for case in read_plan(suite)["cases"]}


def main(a: Path, b: Path) -> int:
    outputs_a, outputs_b = output_files(a), output_files(b)
    common = sorted(set(outputs_a) & set(outputs_b))
    compared = differ = missing = 0
    for key in common:
        for file_a, file_b in zip(outputs_a[key], outputs_b[key]):
            if not file_a.exists() or not file_b.exists():
                missing += 1
                continue
            compared += 1
            if file_a.read_bytes() != file_b.read_bytes():
                differ += 1
                print("DIFFERS", key, file_a.name, file_b.name)
    print(f"{a} vs {b}: {len(common)} common cases, {compared} outputs compared, {differ} differ, {missing} missing")
    return 1 if differ or missing else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
