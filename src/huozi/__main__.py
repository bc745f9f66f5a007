"""The command line's entry point, `python -m huozi` and the `huozi` command: a build with nothing
to do is answered by huozi.quick before huozi.cli and the pipeline are imported."""
import sys
import time

from .quick import answer


def main() -> int:
    started = time.perf_counter()
    status = answer(sys.argv[1:], started)
    if status is not None:
        return status
    from .cli import main as command_line

    return command_line()


if __name__ == "__main__":
    sys.exit(main())
