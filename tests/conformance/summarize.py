#!/usr/bin/env python3
"""Groups the failures of Schemathesis JUnit reports (scripts/api-conformance).

    summarize.py REPORT_DIR [IDENTITY ...]   # reads REPORT_DIR/<identity>/junit.xml

Prints one line per (failure code, operation, answered status) with the identities it was seen
as, then one shortest reproduction (the answer and a curl command) per group, so a run with a
hundred failures reads as a short list of distinct problems.
"""

import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

CASE = re.compile(r"^\d+\. Test Case ID: \S+$", re.M)
CHECK = re.compile(r"^- (ST\d+|[A-Za-z_]\w*) (.+)$", re.M)
ANSWER = re.compile(r"^\[(\d{3})\] [^\n]*:\n\n\s+`?(.*?)`?$", re.M)
CURL = re.compile(r"^\s+(curl .+)$", re.M)


def cases(text):
    """Splits one JUnit failure text into its test cases."""
    starts = [m.start() for m in CASE.finditer(text)] or [0]
    for begin, end in zip(starts, starts[1:] + [len(text)]):
        yield text[begin:end]


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    root = Path(sys.argv[1])
    identities = sys.argv[2:] or sorted(p.name for p in root.iterdir() if (p / "junit.xml").exists())
    groups = {}
    for identity in identities:
        report = root / identity / "junit.xml"
        if not report.exists():
            continue
        for testcase in ET.parse(report).iter("testcase"):
            operation = testcase.get("name", "?")
            for failure in [*testcase.findall("failure"), *testcase.findall("error")]:
                for case in cases(failure.text or failure.get("message", "")):
                    answer = ANSWER.search(case)
                    status = answer.group(1) if answer else "-"
                    body = answer.group(2).strip() if answer else ""
                    curl = CURL.search(case)
                    checks = CHECK.findall(case) or [(failure.get("message", "error"), "")]
                    for code, title in checks:
                        group = groups.setdefault(
                            (code, operation, status),
                            {"title": title, "identities": set(), "example": None},
                        )
                        group["identities"].add(identity)
                        example = (body, curl.group(1) if curl else "")
                        if group["example"] is None or len(example[1]) < len(group["example"][1]):
                            group["example"] = example
    if not groups:
        print("no failures")
        return
    print(f"{len(groups)} distinct failures (check, operation, status):")
    for (code, operation, status), group in sorted(groups.items()):
        who = ",".join(sorted(group["identities"]))
        print(f"  {code} {group['title']} | {operation} | {status} | {who}")
    print()
    for (code, operation, status), group in sorted(groups.items()):
        body, curl = group["example"]
        print(f"{code} {operation} -> {status}: {body[:300]}")
        if curl:
            print(f"    {curl[:1200]}")


if __name__ == "__main__":
    main()
