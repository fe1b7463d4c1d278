"""Polio datapoints: documents, mapping, data entry, merge, aggregation, computed indicators."""
