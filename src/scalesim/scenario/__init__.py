"""Scenario files: schema, loading, overrides and JSON Schema export."""

from scalesim.scenario.load import apply_override, load_scenario, read_yaml, validate
from scalesim.scenario.schema import Design, OperatingEnvironment, Scenario

__all__ = ["Design", "OperatingEnvironment", "Scenario", "apply_override", "load_scenario", "read_yaml", "validate"]
