"""deid-platform: privacy-safe synthetic training data for clinical de-identification."""

__version__ = "0.1.0"
