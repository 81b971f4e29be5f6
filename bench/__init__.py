"""The benchmarks. `make bench` (`python -m bench`) runs them all; each also runs alone as a script:

    purchases.py   purchases per second through the purchase serializer (in process)
    updates.py     browsing end to end: the shop as a process against the Bot API emulator over HTTP
    broadcast.py   a broadcast's rate against the emulator's bulk limit
    footprint.py   an idle shop's resident memory over a big database, and its time to /health

Shared by them: processes.py (the shop as a process beside the emulator), databases.py (scratch
and template PostgreSQL databases), figures.py (what a bench hands to `make bench`),
footprint_data.py (the footprint's database, built in bulk and cached).
"""
