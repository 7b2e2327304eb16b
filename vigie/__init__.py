"""Vigie: heightened human-rights due diligence for cloud and AI providers."""

__version__ = "0.1.0"
