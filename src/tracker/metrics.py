"""The service's own Prometheus counters, counted where the work is done (served at ``/metrics``,
tracker.web.observability).

Each process counts its own: scrape every ``tracker serve`` process (docs/operating.md, "Logs and metrics"). The
reminders sent by the daily job (another process) are counted from the database at each scrape instead
(tracker.web.observability.PoolCollector).
"""

from __future__ import annotations

from prometheus_client import Counter

IMPORTS = Counter("tracker_imports_total", "Spreadsheet imports written to a plan")
UPLOADS = Counter("tracker_uploads_total", "Evidence files uploaded and stored")
REPORT_BUILDS = Counter("tracker_report_builds_total", "Progress reports built (pages, files and exports)")
