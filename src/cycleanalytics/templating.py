"""The Jinja2 templates of the report pages: one autoescaped environment per process.

A report shows hundreds of fragments (tiles, sentences, table rows), so the environment is made
once (:func:`environment`) and each template is compiled on first use and kept: the files are
part of the installed package and do not change while a kernel runs. Every value a template
shows is text, escaped on output; markup made by our own code (a sparkline's SVG, plotly.js)
is passed as :class:`markupsafe.Markup`.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jinja2


@cache
def environment() -> jinja2.Environment:
    """The environment over the package's ``templates`` folder: autoescaped, an undefined
    name is an error (never an empty string in a report), block tags leave no blank lines."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("cycleanalytics", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # compiled once: no look at the file's time on every use
    )


def fragment(name: str, **values: Any) -> str:
    """``templates/fragments/<name>.html.j2`` rendered with ``values``, escaped.

    >>> fragment("text", kind="note", text="<b>5 > 3</b>")
    '<p class="ca-note">&lt;b&gt;5 &gt; 3&lt;/b&gt;</p>'
    """
    return environment().get_template(f"fragments/{name}.html.j2").render(**values)
