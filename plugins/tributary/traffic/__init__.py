"""Traffic data lake: sensor files move raw → rawjson → ready → published, every object catalogued.

Sources (short codes used in paths and the catalog): ``bt`` Bluetooth AWAM readers, ``wt``
Wavetronix radar detectors, ``gs`` GRIDSMART cameras. See `tributary.traffic.stages` for how a
stage decides what to do, `tributary.traffic.catalog` for the catalog and object paths.
"""
