"""Benchmarks of the fake against a bare-Starlette ceiling and Prism: `python -m bench`.

The modules, from the bottom up: `servers` (start, pin, time and measure a server process),
`load` and `pyload` (wrk, or a Python load generator), `workload` (the requests sent), `ceiling`
and `serve` (the bare app on the fake's HTTP stack), `prism`, `runs` (measurements against live
servers), `inprocess`, `memory` and `contract` (measurements in a child process), `report` (ratios,
targets, table, Markdown) and `hotspots` (py-spy under load).
"""
