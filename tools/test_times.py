"""Where `make test`'s time goes: pytest's JUnit XML (logs/junit.xml, written by `make test`) summed
per notebook and per test file, as the markdown table the README's "Tests" section shows.

    python tools/test_times.py logs/junit.xml
"""
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict


def times(path: str) -> dict:
    """{notebook or test file: (seconds, test count, failures)} from a JUnit XML file."""
    totals = defaultdict(lambda: [0.0, 0, 0])
    for case in ET.parse(path).getroot().iter("testcase"):
        name = case.get("classname", "") or case.get("name", "")
        # nbval: classname "notebooks.09_tool_calling.ipynb"; pytest: "tests.test_lab"
        key = name.split("::")[0]
        for suffix in (".ipynb",):
            if suffix in key:
                key = key[:key.index(suffix) + len(suffix)].rsplit(".", 2)[-2] + suffix
        entry = totals[key]
        entry[0] += float(case.get("time") or 0)
        entry[1] += 1
        entry[2] += any(child.tag in ("failure", "error") for child in case)
    return dict(totals)


def table(totals: dict) -> str:
    rows = ["| part of the suite | tests | seconds | minutes |", "| --- | ---: | ---: | ---: |"]
    for key, (seconds, count, failed) in sorted(totals.items()):
        flag = f" ({failed} failed)" if failed else ""
        rows.append(f"| {key}{flag} | {count} | {seconds:.0f} | {seconds / 60:.1f} |")
    total = sum(t[0] for t in totals.values())
    rows.append(f"| **all** | {sum(t[1] for t in totals.values())} | {total:.0f} | {total / 60:.1f} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(table(times(sys.argv[1] if len(sys.argv) > 1 else "logs/junit.xml")))
