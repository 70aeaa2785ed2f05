"""The tour's report: one self-contained HTML page (pictures and sounds embedded as data URIs)."""

from __future__ import annotations

import base64
import html
import platform
from datetime import datetime

from .._version import __version__

CSS = """
body { font: 15px/1.5 system-ui, sans-serif; max-width: 980px; margin: 2em auto; padding: 0 1em; color: #222; }
h1 { margin-bottom: .2em; } h2 { border-bottom: 1px solid #ddd; padding-bottom: .2em; margin-top: 2em; }
nav ol { columns: 2; } .meta { color: #666; font-size: 13px; }
table.numbers { border-collapse: collapse; margin: .8em 0; } table.numbers td, table.numbers th
  { border: 1px solid #ddd; padding: .3em .7em; text-align: left; } table.numbers td.num { text-align: right;
  font-variant-numeric: tabular-nums; } .better { color: #1a7f37; font-weight: 600; } .worse { color: #b35900; }
figure { margin: 1em 0; } figure img { max-width: 100%; border: 1px solid #eee; } figcaption { color: #555;
  font-size: 13px; } pre { background: #f6f8fa; padding: .6em .8em; overflow-x: auto; font-size: 13px; }
pre.text-figure { white-space: pre-wrap; background: #fff; border: 1px solid #eee; } figure audio { width: 320px; }
"""


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _media(fig) -> str:
    data = base64.b64encode(fig.data).decode("ascii")
    if fig.kind == "audio":
        tag = f'<audio controls src="data:audio/wav;base64,{data}"></audio>'
    elif fig.kind == "text":  # words are the picture (a text use's examples): shown as they are, escaped
        tag = f'<pre class="text-figure">{_e(fig.data.decode("utf-8"))}</pre>'
    else:
        tag = f'<img alt="{_e(fig.caption)}" src="data:image/png;base64,{data}">'
    return f'<figure data-name="{_e(fig.name)}">{tag}<figcaption>{_e(fig.caption)}</figcaption></figure>'


def _numbers(numbers) -> str:
    rows = []
    for n in numbers:
        verdict = n.verdict()
        rows.append(f'<tr><td>{_e(n.metric)}</td><td class="num aekit {verdict}" data-value="{n.value!r}">'
                    f'{_e(n.text(n.value))}</td><td class="num baseline" data-value="{n.baseline!r}">'
                    f'{_e(n.text(n.baseline))}</td><td>{_e(n.baseline_name)}</td></tr>')
    return ('<table class="numbers"><thead><tr><th>measured in this run</th><th>aekit</th><th>baseline</th>'
            f'<th>baseline is</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')


def render(results: list, quick: bool, total_seconds: float, threads: int) -> str:
    """``results``: ``(Section, SectionResult)`` pairs in the report's order."""
    toc = "".join(f'<li><a href="#{_e(s.name)}">{_e(s.title)}</a></li>' for s, _ in results)
    body = []
    for k, (s, r) in enumerate(results, 1):
        commands = "\n".join(r.reproduce)
        body.append(
            f'<section id="{_e(s.name)}" data-section="{_e(s.name)}" data-seconds="{r.seconds:.1f}">'
            f'<h2>{k}. {_e(s.title)}</h2><p>{_e(r.text)}</p>{_numbers(r.numbers)}'
            + "".join(_media(f) for f in r.figures)
            + f'<p class="reproduce">The full benchmark and the commands behind this section '
              f'(this section took {r.seconds:.0f} s):</p><pre>{_e(commands)}</pre></section>')
    mode = "quick run (a smoke test: numbers far from the benchmarks')" if quick else "full run"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>aekit tour</title><style>{CSS}</style></head>
<body><h1>aekit tour</h1>
<p class="meta">aekit {_e(__version__)}, {mode}, {total_seconds:.0f} s on {threads} thread(s) of
{_e(platform.processor() or platform.machine())}, {datetime.now():%Y-%m-%d %H:%M}. Every number here was measured
in this run on bundled data (the MNIST split of 4,000 training and 1,000 test digits, unless a section names other
data), with quick models or the small ones that ship with aekit; each section names the benchmark script that
measures the same thing in full.</p>
<p>An auto-encoder is an encoder that squeezes data through a bottleneck and a decoder that rebuilds it. Each
section below is one use of that idea, in the lecture's order.</p>
<nav><ol>{toc}</ol></nav>
{"".join(body)}
<p class="meta">The models trained here are in <code>models/</code> beside this page: open them with
<code>aekit serve --models {_e('<this folder>/models')}</code>.</p>
</body></html>
"""
