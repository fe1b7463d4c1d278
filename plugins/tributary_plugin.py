"""Entry file Airflow's plugin manager finds in the plugins folder."""

from tributary.plugin import TributaryPlugin

__all__ = ["TributaryPlugin"]
