"""The corpus and kill tests reuse the MindTrails fixtures (stand-in website, study key, SMTP sink)."""

from tests.mindtrails.conftest import site, smtp_sink, study_keys  # noqa: F401
