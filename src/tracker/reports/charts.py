"""Charts drawn once with reportlab's graphics, for both the PDF report and the web pages (as SVG).

Every chart is shown beside a table of the same numbers, so nobody depends on seeing the picture.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from reportlab.graphics import renderSVG
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth

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
LABEL_SIZE = 9
LEADING = LABEL_SIZE * 1.2
MARGIN = 10  # blank space at each edge of the drawing
LABEL_GAP = 8  # between a category label and its bar
MAX_LABEL_SHARE = 0.4  # longer category labels wrap rather than squeeze the bars
SWATCH, SWATCH_GAP, ENTRY_GAP = 10, 6, 14  # legend: swatch size, swatch to text, entry to entry


def status_bars(
    rows: Sequence[tuple[str, Counter[ResponseStatus]]], *, title: str, width: int = 640, font: str = FONT
) -> Drawing:
    """A stacked bar per row (e.g. per recommendation, or per reporting period) of how many are at each status.

    Every label and every status of the legend is drawn whole inside the drawing: long category labels (a
    period's name) wrap onto more lines and the bars make room for them; the legend wraps onto more rows. ``font``:
    a registered font's name (the PDF's has every Welsh letter; a web page's SVG names a font browsers have).
    """
    statuses = list(ResponseStatus)
    labels = [label for label, _ in reversed(rows)] or [""]
    label_room = min(
        max(stringWidth(line, font, LABEL_SIZE) for line in labels), MAX_LABEL_SHARE * (width - 2 * MARGIN)
    )
    lines = max(len(simpleSplit(label, font, LABEL_SIZE, label_room)) for label in labels)
    bar_height = max(16, lines * LEADING + 4)
    legend_rows = _legend_rows(statuses, width - 2 * MARGIN, font)
    top, axis_labels = 40, 20
    bottom = axis_labels + legend_rows * (LEADING + 4) + MARGIN
    height = top + bottom + len(labels) * (bar_height + 6)
    drawing = Drawing(width, height)
    drawing.add(String(MARGIN, height - 20, title, fontName=font, fontSize=12))
    chart = HorizontalBarChart()
    chart.x, chart.y = MARGIN + label_room + LABEL_GAP, bottom
    chart.width, chart.height = width - chart.x - 2 * MARGIN, height - top - bottom
    chart.data = [[counts[s] for _, counts in reversed(rows)] or [0] for s in statuses]
    chart.categoryAxis.categoryNames = labels
    chart.categoryAxis.style = "stacked"
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = LABEL_SIZE
    chart.categoryAxis.labels.maxWidth = label_room
    chart.categoryAxis.labels.dx = -LABEL_GAP / 2
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = LABEL_SIZE
    chart.barSpacing = 2
    for index, status in enumerate(statuses):
        chart.bars[index].fillColor = STATUS_COLOURS[status]
        chart.bars[index].strokeColor = colors.white
    drawing.add(chart)
    drawing.add(_legend(statuses, x=MARGIN, top=bottom - axis_labels, rows=legend_rows, font=font))
    return drawing


def _entry_width(statuses: Sequence[ResponseStatus], font: str) -> float:
    """The room one legend entry takes (the widest label decides, so the columns line up)."""
    return SWATCH + SWATCH_GAP + max(stringWidth(s.label, font, LABEL_SIZE) for s in statuses) + ENTRY_GAP


def _legend_rows(statuses: Sequence[ResponseStatus], room: float, font: str) -> int:
    per_row = max(1, int(room // _entry_width(statuses, font)))
    return math.ceil(len(statuses) / per_row)


def _legend(statuses: Sequence[ResponseStatus], *, x: float, top: float, rows: int, font: str) -> Legend:
    """Every status with its colour, in as few rows as the width allows."""
    legend = Legend()
    legend.x, legend.y = x, top
    legend.boxAnchor = "nw"
    legend.fontName, legend.fontSize = font, LABEL_SIZE
    legend.alignment = "right"  # the text to the right of its swatch
    legend.dx = legend.dy = SWATCH
    legend.dxTextSpace = SWATCH_GAP
    legend.autoXPadding = ENTRY_GAP
    legend.deltax = _entry_width(statuses, font)
    legend.deltay = LEADING + 4
    legend.columnMaximum = rows  # entries fill a column top to bottom, so a column per entry of the first row
    legend.colorNamePairs = [(STATUS_COLOURS[s], s.label) for s in statuses]
    return legend


def to_svg(drawing: Drawing) -> str:
    return renderSVG.drawToString(drawing)
