"""Events on /metrics: a collector that reads, at each scrape, the state every process shares
(the outbox in PostgreSQL; counters, lag and dead letters in Redis and StreamOffset), so that the
figures are the same whichever web process answers the scrape and whichever worker did the work.
A scrape while PostgreSQL or Redis is down leaves out what it could not read, and says so."""

import logging

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from divan.events.selectors import (
    consumers_status,
    outbox_status,
    stream_counters,
    stream_epoch,
)
from divan.events.stream import dead_letter_key, stream_key
from divan.metrics import CachedCollector, register_once
from divan.processes import processes_status
from divan.redis import get_redis

logger = logging.getLogger(__name__)


class EventsCollector(CachedCollector):
    def read(self):
        yield from self._outbox()
        yield from self._stream()
        yield from self._processes()

    def _processes(self):
        try:
            statuses = processes_status()
        except Exception as error:  # noqa: BLE001 - a scrape never fails for this
            logger.warning("metrics: process heartbeats unreadable: %s", error)
            return
        alive = GaugeMetricFamily(
            "divan_processes",
            "Processes of each kind (worker, beat, consumer:<name>) seen within"
            " PROCESS_STALE_SECONDS; 0: absent",
            labels=["process"],
        )
        seen = GaugeMetricFamily(
            "divan_process_last_seen_seconds",
            "Seconds since a process of this kind last said it was alive (absent: never)",
            labels=["process"],
        )
        for status in statuses:
            alive.add_metric([status.kind], status.alive)
            if status.last_seen_seconds is not None:
                seen.add_metric([status.kind], status.last_seen_seconds)
        yield alive
        yield seen

    def _outbox(self):
        try:
            outbox = outbox_status()
        except Exception as error:  # noqa: BLE001 - a scrape never fails for this
            logger.warning("metrics: outbox unreadable: %s", error)
            return
        for name, help_text, value in (
            ("divan_outbox_pending_events", "Events written, not yet dispatched", outbox.pending),
            (
                "divan_outbox_oldest_pending_age_seconds",
                "Age of the oldest event not yet dispatched (0 when none)",
                outbox.oldest_pending_age_seconds,
            ),
            ("divan_outbox_failing_events", "Pending events whose dispatch failed", outbox.failing),
            (
                "divan_outbox_set_aside_events",
                "Events set aside after failing every dispatch attempt",
                outbox.set_aside,
            ),
        ):
            yield GaugeMetricFamily(name, help_text, value=value)

    def _stream(self):
        try:
            client = get_redis()
            counters = stream_counters(client)
            consumers = consumers_status(client)
            dead = client.xlen(dead_letter_key())
            epoch = stream_epoch(client)
            length = client.xlen(stream_key())
        except Exception as error:  # noqa: BLE001 - a scrape never fails for this
            logger.warning("metrics: event stream unreadable: %s", error)
            return
        written = CounterMetricFamily(
            "divan_events_written",
            "Events committed, by type (counted after each commit, except while Redis is down)",
            labels=["type"],
        )
        for key, value in sorted(counters.items()):
            if key.startswith("written:"):
                written.add_metric([key.removeprefix("written:")], value)
        yield written
        yield CounterMetricFamily(
            "divan_events_dispatched", "Events appended to the stream",
            value=counters.get("dispatched", 0),
        )  # fmt: skip
        yield CounterMetricFamily(
            "divan_events_dispatch_failures", "Events or dispatch runs that failed",
            value=counters.get("dispatch_failures", 0),
        )  # fmt: skip
        yield CounterMetricFamily(
            "divan_events_stream_losses",
            "Times dispatch found Redis had lost the stream and sent the unapplied events again",
            value=counters.get("stream_losses", 0),
        )
        yield CounterMetricFamily(
            "divan_events_resent", "Events sent again after Redis lost the stream",
            value=counters.get("resent", 0),
        )  # fmt: skip
        yield GaugeMetricFamily(
            "divan_events_stream_epoch_timestamp_seconds",
            "When dispatch last found Redis had lost dispatched events and resent them (0: never)",
            value=epoch,
        )
        yield GaugeMetricFamily(
            "divan_events_dead_letters", "Events in the dead-letter stream now", value=dead
        )
        yield GaugeMetricFamily(
            "divan_events_stream_length", "Entries in the event stream (trimmed as acknowledged)",
            value=length,
        )  # fmt: skip
        per_consumer = {
            ("gauge", "lag", "Stream entries not yet delivered to the consumer group"),
            ("gauge", "pending", "Entries delivered to the consumer, not yet acknowledged"),
            ("counter", "processed", "Events the consumer applied"),
            ("counter", "deliveries", "Entries delivered to the consumer"),
            ("counter", "redeliveries", "Entries delivered to the consumer again"),
            ("counter", "dead_letters", "Entries the consumer sent to the dead letters"),
            ("counter", "processing_seconds", "Time spent applying events"),
        }
        for kind, field, help_text in sorted(per_consumer):
            family = (GaugeMetricFamily if kind == "gauge" else CounterMetricFamily)(
                f"divan_events_consumer_{field}", help_text, labels=["consumer"]
            )
            for status in consumers:
                family.add_metric([status.name], getattr(status, field))
            yield family


def register() -> None:
    """Add the collector to prometheus_client's registry (the one /metrics exports), once."""
    register_once(EventsCollector)
