"""Secure Communities by the Numbers: sourced figures, checked ratios and report-ready charts.

Importing the package prints nothing and touches no file (nbval compares every byte a cell writes).
"""

__version__ = "0.1.0"
