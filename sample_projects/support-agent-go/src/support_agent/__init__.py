"""Acme customer-support agent."""

__version__ = "1.4.2"
