"""Scenario files: schema, loading, overrides and JSON Schema export."""

from scalesim.scenario.load import apply_override, load_scenario, read_yaml, validate
from scalesim.scenario.schema import Design, Environment, Scenario

__all__ = ["Design", "Environment", "Scenario", "apply_override", "load_scenario", "read_yaml", "validate"]
