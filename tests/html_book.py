"""A book for the html edition's browser tests: the county report (every block huozi sets) and an
article of what a web page must hold too: notes, a wide table, an image, emphasis, code, a long URL."""
from __future__ import annotations

import shutil
from pathlib import Path

from notes_images_book import logo_png

REPORT = Path(__file__).parent / "report"

WEB_ARTICLE = """---
title: 网页版的排版
byline: 调查组
order: 5
---

## 注释与强调 {#sec-web}

本节的正文有*着重号*，有**加粗**的文字，有~~删去~~的文字和`inline_code()`，都在一段里[^one]。
第二句带一条行内注释^[行内注释的文字：它只有一段。]，后面还有文字。

一条很长的网址<https://example.org/a/very/long/path/that/never/ends/with/segments/and/more/segments/to/overflow>不会撑破屏幕。

- 列表项里的注释[^item]
- 第二项没有注释
  1. 嵌套的编号列表
  2. 第二个编号项

> 引文里的一句话，用楷体。
>
> ——某某

```python
def a_function_with_a_very_long_line(argument_one, argument_two, argument_three, argument_four):
    return argument_one + argument_two
```

术语
: 定义里的文字。

### 三级标题

#### 四级标题

四级标题下的一段。

Table: 一张很宽的表 {#tbl-wide}

| 年份 | 地区生产总值（亿元） | 第一产业（亿元） | 第二产业（亿元） | 第三产业（亿元） | 常住人口（万人） | 城镇化率（%） | 备注 |
|---|---:|---:|---:|---:|---:|---:|---|
| 2024 | 118.2 | 20.1 | 40.3 | 57.8 | 36.5 | 52.1 | 表格里的注释[^cell] |
| 2025 | 126.7 | 21.0 | 43.2 | 62.5 | 36.8 | 53.4 | 没有注释 |

数据来源：县统计局。

![透明背景上的红色圆形标志](images/logo.png){#fig-logo width=50%}

如@fig-logo和@tbl-wide所示，又见[第一章](#sec-findings)。

[^one]: 第一条注释，有两段。

    注释的第二段。
[^item]: 列表项调用的注释。
[^cell]: 表格单元格调用的注释。
"""


def write_book(root: Path) -> Path:
    """The book in `root` (created from tests/report); returns root."""
    shutil.copytree(REPORT, root)
    (root / "manuscript" / "05-web.md").write_text(WEB_ARTICLE, encoding="utf-8")
    (root / "manuscript" / "images").mkdir(exist_ok=True)
    (root / "manuscript" / "images" / "logo.png").write_bytes(logo_png())
    return root
