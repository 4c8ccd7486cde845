"""`python -m bench`: Divan over real HTTP beside this machine's limits (bench.http_bench);
`python -m bench --events`: events through the outbox, dispatch and a consumer (bench.events_bench);
`python -m bench --feeds`: fan-out, post to feed, feed reads, rescoring, memory (bench.feeds_bench);
`python -m bench --notifications`: commit to inbox, watched groups (bench.notifications_bench);
`python -m bench --uploads`: presign, local upload throughput, memory (bench.uploads_bench);
`python -m bench --hub`: the hub's API proxy beside gunicorn straight (bench.hub_bench);
`python -m bench --live`: the stream process's connections, latency, throughput (bench.live_bench);
`python -m bench --in-process`: the older in-process figures (bench.inprocess)."""

import argparse
import importlib
import sys

# flag: (module of bench/, what it measures); no flag: http_bench
SECTIONS = {
    "events": (
        "events_bench",
        "events through the outbox, dispatch and a consumer, and commit-to-search delay",
    ),
    "feeds": (
        "feeds_bench",
        "fan-out, post to feed, feed reads (warm, cold, Redis down), rescoring, memory",
    ),
    "notifications": (
        "notifications_bench",
        "commit to inbox for a reply, a post to a watched group's 10,000 and 100,000 watchers",
    ),
    "uploads": (
        "uploads_bench",
        "presign over HTTP, the local store's upload throughput, the web worker's memory",
    ),
    "hub": (
        "hub_bench",
        "the hub's API proxy under wrk, beside the same request straight to gunicorn",
    ),
    "live": (
        "live_bench",
        "the stream process: idle connections and memory, publish-to-client latency and"
        " messages per second at 1,000 clients, beside a minimal SSE endpoint",
    ),
}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="time the hot endpoints in process with the test client, not over HTTP",
    )
    for flag, (_module, help_text) in SECTIONS.items():
        parser.add_argument(f"--{flag}", action="store_true", help=help_text)
    options = parser.parse_args(argv)
    if options.in_process:
        from bench import inprocess

        return inprocess.main()
    chosen = [module for flag, (module, _) in SECTIONS.items() if getattr(options, flag)]
    module = importlib.import_module(f"bench.{chosen[0] if chosen else 'http_bench'}")
    from bench.errors import BenchError

    try:
        return module.main()
    except BenchError as error:
        print(f"\nbench: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
