"""Run every program of the oracle and print its results as JSON.

    python run.py > results.json

Each program in probes/ (one per probe of the kit's semantics matrix) has a
`trio_program` and an `asyncio_program`; each module in scenarios/ a
`SCENARIOS` table of `trio_program`s, one per conformance scenario that
claims trio's behaviour (all but two: task ids and names, which are the
kit's own, and a call of a JavaScript promise cancelled through its
AbortSignal, which trio has no counterpart of). The results keep each
distinct outcome once.

trio runs each batch of woken tasks in the order they were woken, reversed
at random (a coin flip). A sample of runs would only make the rarer orders
likely; instead a trio program runs once per schedule, every combination of
the flips that can matter (those over batches of two tasks or more), so
that any two tasks of a batch come out in both orders, and no outcome trio
can produce is missed. (The order before the flip can depend on memory
addresses, where trio wakes the tasks of a set: so how many schedules give
each outcome varies from run to run, and is not recorded; the set does not.)
asyncio's loop has no randomness; its programs run ASYNCIO_RUNS times,
which shows it.
"""

import importlib
import json
import pathlib
import platform
import sys

import trio

from common import every_trio_schedule, run_asyncio

ASYNCIO_RUNS = 3
HERE = pathlib.Path(__file__).parent


def distinct(records) -> list[dict]:
    """The distinct records, in a fixed order."""
    keys = {json.dumps(record, sort_keys=True) for record in records}
    return [json.loads(key) for key in sorted(keys)]


def modules(folder: str):
    for path in sorted((HERE / folder).glob("*.py")):
        yield path.stem, importlib.import_module(f"{folder}.{path.stem}")


def main() -> None:
    results = {
        "versions": {"python": platform.python_version(), "trio": trio.__version__},
        "probes": {},
        "scenarios": {},
    }
    for name, module in modules("probes"):
        results["probes"][name] = {
            "trio": distinct(every_trio_schedule(module.trio_program)),
            "asyncio": distinct(run_asyncio(module.asyncio_program) for _ in range(ASYNCIO_RUNS)),
        }
    for _, module in modules("scenarios"):
        for scenario, program in module.SCENARIOS.items():
            results["scenarios"][scenario] = {"trio": distinct(every_trio_schedule(program))}
    json.dump(results, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
