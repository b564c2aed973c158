"""Huiqi (惠企): policies as code, matching, grants and appeals for a district business office."""

__version__ = "0.1.0"
