"""raqib: sense and warn. Sensor feeds in, one fused air picture, warnings to the zones at risk."""

__version__ = "0.1.0"
