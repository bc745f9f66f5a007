"""A small book of footnotes and images for the tests, written into a folder (images made with Pillow)."""
from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw

# Two Han characters that name each note: the calling sentence holds 正文KEY, the note 注文KEY.
KEYS = ["甲子", "乙丑", "丙寅", "丁卯", "戊辰", "己巳", "庚午", "辛未", "壬申", "癸酉", "甲戌", "乙亥",
        "丙子", "丁丑", "戊寅", "己卯", "庚辰", "辛巳"]
ONE, TWO, LIST_ITEM, LONG = KEYS[0], KEYS[1], KEYS[2], KEYS[3]
TWELVE = KEYS[4:16]
FILLER = "活字印刷的要点在于字模可以拆开重排，一副字模能印许多种书，省去了雕版一版一刻的工夫。"

BOOK_TOML = """[book]
title = "注与图"
slug = "notes"
identifier = "urn:uuid:5d2c6f1e-3a4b-4c5d-9e8f-0a1b2c3d4e5f"
publisher = "测试出版社"
date = "2024-05-01"
creators = ["测试者"]
"""


def _padding(count: int) -> str:
    return "\n\n".join(FILLER * 3 for _ in range(count))


def notes_article() -> str:
    twelve = "".join(f"正文{k}^[注文{k}：这是第{n}条短注。]，" for n, k in enumerate(TWELVE, 1))
    long_note = "".join(f"第{n}句是一条很长的注释里的话，它要写满好几行才行。" for n in range(1, 41))
    return f"""---
title: 脚注
---

## 页下注

正文{ONE}这一句带着只有一段的注释[^one]，后面还有文字，让这一段长一些。

正文{TWO}这一句调用一条分成两段的注释[^two]。

{_padding(2)}

十二条注释在同一段里：{twelve}全都在这一页上。

- 列表项里的正文{LIST_ITEM}带着注释[^item]
- 第二项没有注释

{_padding(5)}

正文{LONG}调用一条很长的注释[^long]，它写不下的部分接着排在下一页。

{_padding(6)}

[^one]: 注文{ONE}：一段话的注释。
[^two]: 注文{TWO}：第一段。

    注文{TWO}的第二段，另起一行并且缩进。
[^item]: 注文{LIST_ITEM}：列表项调用的注释。
[^long]: 注文{LONG}：{long_note}注尾{LONG}。
"""


def images_article(lowres: bool = False) -> str:
    extra = "\n![分辨率不足的图](images/lowres.png){#fig-lowres width=100%}\n" if lowres else ""
    return f"""---
title: 图片
---

## 照片与图

如@fig-photo所示，照片的文件是一张很大的JPEG。

![一张2000×1300像素的照片：渐变的天空下一片田野](images/photo.jpg "照片"){{#fig-photo}}

![透明背景上的红色圆形标志](images/logo.png){{#fig-logo width=50%}}

![示意图：带有中文标注的矢量图](images/chart.svg){{#fig-chart width=80%}}
{extra}
@fig-logo有透明的背景，@fig-chart是矢量图。
"""


def photo_jpeg() -> bytes:
    """2000 × 1300, a sky-to-field gradient with a sun: deterministic bytes."""
    image = Image.new("RGB", (2000, 1300))
    draw = ImageDraw.Draw(image)
    for y in range(1300):
        if y < 700:
            draw.line([(0, y), (1999, y)], fill=(90 + y // 10, 150 + y // 12, 235))
        else:
            draw.line([(0, y), (1999, y)], fill=(60, 120 + (y - 700) // 8, 40))
    draw.ellipse([1500, 150, 1700, 350], fill=(250, 210, 60))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def logo_png() -> bytes:
    """600 × 400 with a transparent background and a red disc."""
    image = Image.new("RGBA", (600, 400), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse([150, 50, 450, 350], fill=(200, 30, 30, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def lowres_png() -> bytes:
    """602 px wide: 150 ppi across the print edition's text width (102 mm)."""
    image = Image.new("RGB", (602, 300), (240, 240, 240))
    ImageDraw.Draw(image).rectangle([50, 50, 552, 250], outline=(0, 0, 0), width=4)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


CHART_SVG = """<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="400" height="220" viewBox="0 0 400 220">
  <title>示意图</title>
  <rect x="20" y="40" width="80" height="150" fill="#4477aa"/>
  <rect x="160" y="90" width="80" height="100" fill="#66ccee"/>
  <rect x="300" y="120" width="80" height="70" fill="#228833"/>
  <text x="200" y="26" font-family="Noto Sans CJK SC" font-size="18" text-anchor="middle">矢量标注汉字</text>
  <text x="60" y="210" font-family="Noto Sans CJK SC" font-size="14" text-anchor="middle">东部</text>
  <text x="200" y="210" font-family="Noto Sans CJK SC" font-size="14" text-anchor="middle">中部</text>
  <text x="340" y="210" font-family="Noto Sans CJK SC" font-size="14" text-anchor="middle">西部</text>
</svg>
"""


def write_book(root: Path, lowres: bool = False) -> Path:
    """The book in `root` (created); returns root."""
    (root / "manuscript" / "images").mkdir(parents=True)
    (root / "book.toml").write_text(BOOK_TOML, encoding="utf-8")
    (root / "manuscript" / "01-notes.md").write_text(notes_article(), encoding="utf-8")
    (root / "manuscript" / "02-images.md").write_text(images_article(lowres), encoding="utf-8")
    images = root / "manuscript" / "images"
    (images / "photo.jpg").write_bytes(photo_jpeg())
    (images / "logo.png").write_bytes(logo_png())
    (images / "chart.svg").write_text(CHART_SVG, encoding="utf-8")
    if lowres:
        (images / "lowres.png").write_bytes(lowres_png())
    return root
