"""Runs the analysts' notebooks top to bottom, the way CI does (`bash .ci/notebooks`).

    python run.py [--data DIR] [--timeout SECONDS] [--executed DIR] NOTEBOOK...
    python run.py --strip NOTEBOOK...     # remove outputs and execution counts before a commit

Each notebook runs in a fresh `python3` kernel of this Python (the virtualenv's, which has
ipykernel), in the notebook's own folder. With --data DIR it runs with CONFSTATS_DATA=DIR.
Matplotlib uses the headless inline backend, so every figure is drawn (to PNG) and an error
that only shows when a figure is drawn fails the run too. Nothing is written back into the
.ipynb files; --executed DIR saves executed copies there, to look at. A notebook committed with
outputs fails before it runs. A cell that raises fails the notebook, and the runner prints the
notebook, the cell and the error. Exit code: 0 when every notebook ran, 1 when one failed.
"""

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

# Look for kernel specs in this Python's environment first, so that `python3` is this
# virtualenv's kernel even when the user has installed another `python3` kernel spec.
os.environ["JUPYTER_PATH"] = os.pathsep.join(
    p for p in (str(Path(sys.prefix) / "share" / "jupyter"), os.environ.get("JUPYTER_PATH")) if p
)

import nbformat  # noqa: E402
from jupyter_client.kernelspec import KernelSpecManager  # noqa: E402
from nbclient import NotebookClient  # noqa: E402
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError  # noqa: E402
from traitlets.config import Config  # noqa: E402

KERNEL = "python3"
# ipykernel's own default backend: no display needed; figures are rendered with Agg to PNG at
# the end of each cell. (Plain Agg would never draw them, so drawing errors would go unseen.)
MPL_BACKEND = "module://matplotlib_inline.backend_inline"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def first_line(cell) -> str:
    lines = [line.strip() for line in cell.source.splitlines() if line.strip()]
    if not lines:
        return "empty"
    return lines[0] if len(lines[0]) <= 60 else lines[0][:60] + "…"


def committed_outputs(nb) -> list[str]:
    """Code cells that carry outputs or an execution count: they must be stripped before a commit."""
    return [
        f"cell {index} ({first_line(cell)})"
        for index, cell in enumerate(nb.cells, start=1)
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count") is not None)
    ]


def strip(path: Path) -> None:
    """Outputs, execution counts and run timings go; the kernel spec and cell tags stay."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        for key in ("execution", "ExecuteTime", "collapsed", "scrolled"):
            cell.metadata.pop(key, None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nb.metadata = {
        "kernelspec": nb.metadata.get("kernelspec", {"display_name": "Python 3 (ipykernel)", "language": "python", "name": KERNEL}),
        "language_info": {"name": "python"},
    }
    with open(path, "w", encoding="utf-8") as f:
        nbformat.write(nb, f)


def check_kernel() -> None:
    """The python3 kernel must start this Python; fail clearly when it would start another."""
    spec = KernelSpecManager().get_kernel_spec(KERNEL)
    command = spec.argv[0]
    # jupyter_client replaces a bare `python`/`python3` by sys.executable when it starts the kernel.
    own = {"python", "python3", f"python{sys.version_info[0]}.{sys.version_info[1]}", sys.executable}
    if command not in own:
        sys.exit(
            f"run.py: the {KERNEL!r} kernel spec ({spec.resource_dir}) starts {command}, not this Python "
            f"({sys.executable}); install ipykernel into this virtualenv"
        )


def first_error(nb):
    """(cell number, cell, error output) of the first error output, or None."""
    for index, cell in enumerate(nb.cells, start=1):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return index, cell, output
    return None


def execute(nb, path: Path, timeout: int) -> Exception | None:
    with tempfile.TemporaryDirectory(prefix="nbrun-") as sockets:
        # The kernel talks over Unix sockets in a private directory, not over TCP ports.
        config = Config({"KernelManager": {"transport": "ipc", "ip": os.path.join(sockets, "kernel")}})
        client = NotebookClient(
            nb,
            config=config,
            timeout=timeout,
            kernel_name=KERNEL,
            resources={"metadata": {"path": str(path.parent.resolve())}},
        )
        try:
            client.execute()
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as err:
            return err
    return None


def run(path: Path, timeout: int, executed: Path | None) -> bool:
    nb = nbformat.read(path, as_version=4)
    dirty = committed_outputs(nb)
    if dirty:
        more = f" and {len(dirty) - 3} more" if len(dirty) > 3 else ""
        print(f"FAILED {path}: committed with outputs in {', '.join(dirty[:3])}{more}")
        print(f"  strip them: python notebooks/run.py --strip {path}")
        return False

    started = time.monotonic()
    err = execute(nb, path, timeout)
    if executed is not None:
        executed.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, executed / path.name)

    # An exception in a cell stops the run (err); one raised while IPython drew the cell's
    # figures is only recorded as an error output. Both fail the notebook.
    error = first_error(nb)
    if err is None and error is None:
        stderr = [
            ANSI.sub("", o.text).strip()
            for cell in nb.cells
            for o in cell.get("outputs", [])
            if o.get("output_type") == "stream" and o.get("name") == "stderr"
        ]
        print(f"ok     {path} ({len(nb.cells)} cells, {time.monotonic() - started:.1f} s)")
        for text in stderr:
            print("  stderr: " + text.replace("\n", "\n  stderr: "))
        return True

    if error is None:  # a timeout or a dead kernel
        print(f"FAILED {path}:\n  {type(err).__name__}: {err}")
        return False
    index, cell, output = error
    print(f"FAILED {path}, cell {index} ({first_line(cell)}):")
    print(f"  {output.get('ename')}: " + ANSI.sub("", output.get("evalue", "")).replace("\n", "\n  "))
    traceback = ANSI.sub("", "\n".join(output.get("traceback", []))).splitlines()
    # The traceback ends with the message printed above; show the code that led to it.
    ends = [i for i, line in enumerate(traceback) if line.startswith(f"{output.get('ename')}:")]
    traceback = [line for line in traceback[: ends[-1] if ends else None] if line.strip()]
    if traceback:
        print("  where (end of the traceback):")
        for line in traceback[-8:]:
            print(f"    {line}")
    return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--data", help="the data directory, passed to the notebooks as CONFSTATS_DATA")
    parser.add_argument("--timeout", type=int, default=300, help="seconds one cell may take (default 300)")
    parser.add_argument("--executed", type=Path, help="save executed copies of the notebooks in this folder")
    parser.add_argument("--strip", action="store_true", help="remove outputs and execution counts; run nothing")
    args = parser.parse_args()

    if args.strip:
        for path in args.notebooks:
            strip(path)
            print(f"stripped {path}")
        return 0

    check_kernel()
    if args.data:
        os.environ["CONFSTATS_DATA"] = str(Path(args.data).resolve())
    os.environ["MPLBACKEND"] = MPL_BACKEND

    results = [run(path, args.timeout, args.executed) for path in args.notebooks]
    passed = sum(results)
    print(f"notebooks: {passed} passed, {len(results) - passed} failed")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
