"""The look of every figure: sizes at print size, a grey palette, the CJK font. No matplotlib import."""
from __future__ import annotations

# The print edition's text block measures about 100 mm (140 mm trim less page and body margins);
# figures are drawn at that width so the type sizes below are the printed sizes (a wider block
# scales them up a little; the A4 handout by about 1.5).
WIDTH_MM = 100.0
MM = 1 / 25.4  # inches per millimetre: matplotlib sizes figures in inches
PT_MM = 0.3528  # millimetres per point

FONT = "Noto Sans CJK SC"
# Reading systems without the font fall back to their own sans-serif face.
FONT_FALLBACK = "sans-serif"

# Greys only: they survive grayscale copying and print on the black plate alone in CMYK.
INK = "#000000"
DARK = "#4d4d4d"
MID = "#8c8c8c"
LIGHT = "#cccccc"
PAPER = "#ffffff"

# Type sizes in points; 7 pt is the smallest that reads comfortably in a printed figure.
SIZE_SMALL = 7.0
SIZE_LABEL = 8.0
SIZE_VALUE = 9.0
SIZE_BIG = 13.0

RC = {
    "font.family": [FONT],
    "font.size": SIZE_LABEL,
    "svg.fonttype": "none",  # labels stay text: selectable, searchable, set by the PDF's own fonts
    "axes.unicode_minus": False,
    "text.usetex": False,  # a user's matplotlibrc must not hand the labels to LaTeX
    "figure.facecolor": "none",
    "savefig.facecolor": "none",
    "savefig.transparent": True,
    "lines.solid_capstyle": "butt",
}
