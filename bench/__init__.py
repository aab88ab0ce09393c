"""Benchmarks (`make bench` = `python -m bench`): deploy cost against the serverless-api peer, workflow and
simulator throughput. Speed targets live here, never in timed tests."""
