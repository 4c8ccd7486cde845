"""Benchmarks: `make bench` prints latency and query figures for the hot endpoints."""
