"""feeds/cache.py against a real three-node Redis Cluster, started by the test on free ports:
every command names one reader's key, whose hash tag keeps it in one slot, so the cache works
unchanged when one Redis is not enough."""

import shutil
import socket
import subprocess
import tempfile

import pytest
from redis.cluster import ClusterNode, RedisCluster

from feeds import cache
from tests.events.processes import free_port, redis_answers, wait_until

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="no redis-server")


def cluster_port() -> int:
    """A free port whose cluster bus port (10,000 above) is free too, and exists."""
    while True:
        port = free_port()
        if port + 10000 < 65536 and port_free(port + 10000):
            return port


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@pytest.fixture
def cluster():
    directory = tempfile.mkdtemp(prefix="divan-cluster-")
    ports = [cluster_port() for _ in range(3)]
    servers = [
        subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", directory,
             "--cluster-enabled", "yes", "--cluster-config-file", f"nodes-{port}.conf",
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]  # fmt: skip
    try:
        for port in ports:
            wait_until(lambda port=port: redis_answers(port), timeout=10,
                       message=f"redis-server on {port} did not start")  # fmt: skip
        created = subprocess.run(
            ["redis-cli", "--cluster", "create", *(f"127.0.0.1:{port}" for port in ports),
             "--cluster-replicas", "0", "--cluster-yes"],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert created.returncode == 0, created.stdout + created.stderr
        client = RedisCluster(
            startup_nodes=[ClusterNode("127.0.0.1", port) for port in ports],
            decode_responses=True,
        )
        wait_until(lambda: client.cluster_info()["cluster_state"] == "ok", timeout=30,
                   message="the cluster did not come up")  # fmt: skip
        yield client
        client.close()
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)
        shutil.rmtree(directory, ignore_errors=True)


def test_the_cache_works_on_a_three_node_cluster(cluster, settings):
    settings.FEED_CACHE_MAX = 3
    readers = list(range(1, 41))  # their keys spread over the three nodes' slots
    slots = {cluster.keyslot(cache.feed_key(reader)) for reader in readers}
    nodes = {cluster.get_node_from_key(cache.feed_key(reader)).port for reader in readers}
    assert len(slots) == len(readers) and len(nodes) == 3

    for reader in readers[:20]:
        cache.cache_fill(reader, [1, 2], client=cluster)  # the whole feed: 2 posts and the mark
    assert cache.cache_add(readers, post_id=3, client=cluster) == 20  # the warm ones
    assert cache.cache_add(readers, post_id=4, client=cluster) == 20

    assert cache.cache_entries(readers[0], client=cluster) == [4, 3, 2]  # capped: no longer whole
    window = cache.cache_window(readers[0], below=4, count=5, client=cluster)
    assert (window.post_ids, window.end) == ([3, 2], False)
    assert cache.cache_entries(readers[30], client=cluster) is None  # cold stays cold
    cache.cache_remove(readers, post_id=4, client=cluster)
    assert cache.cache_entries(readers[5], client=cluster) == [3, 2]
    cache.cache_drop(readers[:10], client=cluster)
    assert [cache.cache_entries(r, client=cluster) is None for r in readers[:20]] == [True] * 10 + [
        False
    ] * 10
    assert 0 < cluster.ttl(cache.feed_key(readers[15])) <= cache.ttl_seconds()
    assert cache.stats_read(client=cluster)["reads"] >= 24
