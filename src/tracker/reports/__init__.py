"""Reporting periods, frozen snapshots and the national progress report."""
