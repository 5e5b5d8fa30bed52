"""The job summary of action.yml: `cargo clientwall check --format json` on stdin, a Markdown
table of the findings on stdout. The first argument is the title (`clientwall`, with the shard).
"""

import json
import sys


def cell(text):
    """Text for one Markdown table cell: pipes escaped, lines joined."""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def hop(step):
    """`shared-report (normal)`, as the human output prints a path."""
    labels = [label for label in (step.get("kind"), step.get("target")) if label]
    return step["crate"] + (f" ({', '.join(labels)})" if labels else "")


def plural(n, word):
    """`1 client`, `2 clients`."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def main():
    title = sys.argv[1] if len(sys.argv) > 1 else "clientwall"
    report = json.load(sys.stdin)
    summary = report["summary"]
    violations = report["violations"]
    scope = ", ".join(
        plural(summary[key], word)
        for key, word in (("clients", "client"), ("crates", "crate"), ("files", "file"))
    )
    # A finding without `level` is an error; a warning does not fail the check.
    warnings = sum(1 for v in violations if v.get("level") == "warning")
    errors = len(violations) - warnings
    headline = plural(errors, "violation") if errors else "no violations"
    if warnings:
        headline += f", {plural(warnings, 'warning')}"
    if not violations:
        print(f"### {title}: no violations\n\nChecked {scope}.\n")
        return
    print(f"### {title}: {headline}\n")
    print(f"Checked {scope}.\n")
    print("| rule | client | where | finding | path |")
    print("|---|---|---|---|---|")
    for v in violations:
        path = " -> ".join(hop(step) for step in v["path"])
        level = " (warning)" if v.get("level") == "warning" else ""
        print(
            f"| `{cell(v['rule'])}`{level} | {cell(v['client'])} | `{cell(v['file'])}:{v['line']}` "
            f"| {cell(v['message'])} | {cell(path)} |"
        )
    rules = [f"`{rule}` {n}" for rule, n in summary["by_rule"].items() if n]
    print(f"\nBy rule: {', '.join(rules)}.")
    for note in report.get("notes", []):
        print(f"\n> note: {cell(note)}")


if __name__ == "__main__":
    main()
