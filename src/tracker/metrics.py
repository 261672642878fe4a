"""The service's own Prometheus counters, counted where the work is done (served at ``/metrics``,
tracker.web.observability).

Each process counts its own; ``tracker serve --workers N`` and the ``tracker remind`` job add theirs to one
total when PROMETHEUS_MULTIPROC_DIR names a folder they share (docs/operating.md, "Logs and metrics").
"""

from __future__ import annotations

from prometheus_client import Counter

IMPORTS = Counter("tracker_imports_total", "Spreadsheet imports written to a plan")
UPLOADS = Counter("tracker_uploads_total", "Evidence files uploaded and stored")
REMINDERS_SENT = Counter("tracker_reminders_sent_total", "Reminder e-mails sent")
REPORT_BUILDS = Counter("tracker_report_builds_total", "Progress reports built (pages, files and exports)")
