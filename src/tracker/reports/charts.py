"""Charts drawn once with reportlab's graphics, for both the PDF report and the web pages (as SVG).

Every chart is shown beside a table of the same numbers, so nobody depends on seeing the picture.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from reportlab.graphics import renderSVG
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors

from tracker.vocabulary import ResponseStatus

# Colours of GOV.UK tags, darkened where needed for contrast against white.
STATUS_COLOURS = {
    ResponseStatus.NOT_STARTED: colors.HexColor("#505a5f"),
    ResponseStatus.IN_PROGRESS: colors.HexColor("#1d70b8"),
    ResponseStatus.BLOCKED: colors.HexColor("#d4351c"),
    ResponseStatus.COMPLETE: colors.HexColor("#00703c"),
    ResponseStatus.NOT_APPLICABLE: colors.HexColor("#4c2c92"),
}
FONT = "Helvetica"


def status_bars(rows: Sequence[tuple[str, Counter[ResponseStatus]]], *, title: str, width: int = 640) -> Drawing:
    """A stacked bar per row (e.g. per recommendation) of how many organisations are at each status."""
    statuses = list(ResponseStatus)
    bar_height, top, bottom = 16, 40, 70
    height = top + bottom + max(1, len(rows)) * (bar_height + 6)
    drawing = Drawing(width, height)
    drawing.add(String(10, height - 20, title, fontName=FONT, fontSize=12))
    chart = HorizontalBarChart()
    chart.x, chart.y = 110, bottom
    chart.width, chart.height = width - 140, height - top - bottom
    chart.data = [[counts[s] for _, counts in reversed(rows)] or [0] for s in statuses]
    chart.categoryAxis.categoryNames = [label for label, _ in reversed(rows)] or [""]
    chart.categoryAxis.style = "stacked"
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 9
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 9
    chart.barSpacing = 2
    for index, status in enumerate(statuses):
        chart.bars[index].fillColor = STATUS_COLOURS[status]
        chart.bars[index].strokeColor = colors.white
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = 110, 30
    legend.fontName, legend.fontSize = FONT, 9
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.deltax = 110
    legend.colorNamePairs = [(STATUS_COLOURS[s], s.label) for s in statuses]
    drawing.add(legend)
    return drawing


def to_svg(drawing: Drawing) -> str:
    return renderSVG.drawToString(drawing)
