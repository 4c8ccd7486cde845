"""`python -m bench`: Divan over real HTTP beside this machine's limits (bench.http_bench);
`python -m bench --events`: events through the outbox, dispatch and a consumer (bench.events_bench);
`python -m bench --feeds`: fan-out, post to feed, feed reads, rescoring, memory (bench.feeds_bench);
`python -m bench --uploads`: presign, local upload throughput, memory (bench.uploads_bench);
`python -m bench --hub`: the hub's API proxy beside gunicorn straight (bench.hub_bench);
`python -m bench --in-process`: the older in-process figures (bench.inprocess)."""

import argparse
import sys


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="time the hot endpoints in process with the test client, not over HTTP",
    )
    parser.add_argument(
        "--events",
        action="store_true",
        help="events through the outbox, dispatch and a consumer, and commit-to-search delay",
    )
    parser.add_argument(
        "--feeds",
        action="store_true",
        help="fan-out, post to feed, feed reads (warm, cold, Redis down), rescoring, memory",
    )
    parser.add_argument(
        "--uploads",
        action="store_true",
        help="presign over HTTP, the local store's upload throughput, the web worker's memory",
    )
    parser.add_argument(
        "--hub",
        action="store_true",
        help="the hub's API proxy under wrk, beside the same request straight to gunicorn",
    )
    options = parser.parse_args(argv)
    if options.hub:
        from bench import hub_bench
        from bench.errors import BenchError

        try:
            return hub_bench.main()
        except BenchError as error:
            print(f"\nbench: {error}", file=sys.stderr)
            return 1
    if options.events:
        from bench import events_bench
        from bench.errors import BenchError

        try:
            return events_bench.main()
        except BenchError as error:
            print(f"\nbench: {error}", file=sys.stderr)
            return 1
    if options.feeds:
        from bench import feeds_bench
        from bench.errors import BenchError

        try:
            return feeds_bench.main()
        except BenchError as error:
            print(f"\nbench: {error}", file=sys.stderr)
            return 1
    if options.uploads:
        from bench import uploads_bench
        from bench.errors import BenchError

        try:
            return uploads_bench.main()
        except BenchError as error:
            print(f"\nbench: {error}", file=sys.stderr)
            return 1
    if options.in_process:
        from bench import inprocess

        return inprocess.main()
    from bench import http_bench
    from bench.errors import BenchError

    try:
        return http_bench.main()
    except BenchError as error:
        print(f"\nbench: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
