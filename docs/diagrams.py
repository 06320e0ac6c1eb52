"""Unrolled-network diagrams of the four architectures, drawn by the plot directive."""

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

COLORS = {"x": "#cfe2f3", "h": "#f9cb9c", "y": "#d9ead3", "c": "#ead1dc"}


def _box(ax, x, y, text, kind):
    ax.add_patch(FancyBboxPatch((x - 0.32, y - 0.22), 0.64, 0.44, fc=COLORS[kind], ec="0.3",
                                boxstyle="round,pad=0.02,rounding_size=0.08"))
    ax.text(x, y, text, ha="center", va="center", fontsize=10)


def _arrow(ax, start, end, style="-|>"):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=10, color="0.3",
                                 shrinkA=0, shrinkB=0))


def _cells(ax, xs, y, label):
    """A row of RNN cells at ``xs``, each passing its state to the next."""
    for i, x in enumerate(xs):
        _box(ax, x, y, label, "h")
        if i:
            _arrow(ax, (xs[i - 1] + 0.32, y), (x - 0.32, y))


def _frame(ax, width, title):
    ax.set_xlim(-0.6, width - 0.4)
    ax.set_ylim(-0.5, 2.5)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title, fontsize=11)


def _figure(width):
    fig, ax = plt.subplots(figsize=(1.1 * width, 2.6))
    return fig, ax


def seq2vec():
    """``"seq2vec"``: read T steps, one output after the last."""
    fig, ax = _figure(4)
    xs = range(4)
    _cells(ax, xs, 1, "RNN")
    for x in xs:
        _box(ax, x, 0, f"$x_{x + 1}$" if x < 3 else "$x_T$", "x")
        _arrow(ax, (x, 0.22), (x, 0.78))
    _box(ax, 3, 2, "$\\hat y$", "y")
    _arrow(ax, (3, 1.22), (3, 1.78))
    _frame(ax, 4, 'seq2vec: sequence in, vector out')


def seq2seq():
    """``"seq2seq"``: an output at every step."""
    fig, ax = _figure(4)
    xs = range(4)
    _cells(ax, xs, 1, "RNN")
    for x in xs:
        step = x + 1 if x < 3 else "T"
        _box(ax, x, 0, f"$x_{step}$", "x")
        _box(ax, x, 2, f"$\\hat y_{step}$", "y")
        _arrow(ax, (x, 0.22), (x, 0.78))
        _arrow(ax, (x, 1.22), (x, 1.78))
    _frame(ax, 4, "seq2seq: an output at every step")


def vec2seq():
    """``"vec2seq"``: one vector read at each of H decoder steps."""
    fig, ax = _figure(4)
    xs = range(4)
    _cells(ax, xs, 1, "RNN")
    _box(ax, 0, 0, "$x$", "x")
    for x in xs:
        step = x + 1 if x < 3 else "H"
        _box(ax, x, 2, f"$\\hat y_{step}$", "y")
        _arrow(ax, (0, 0.22), (x, 0.78))
        _arrow(ax, (x, 1.22), (x, 1.78))
    _frame(ax, 4, "vec2seq: one vector in, H steps out")


def encoder_decoder():
    """``"encoder_decoder"``: an encoder summarizes, a decoder emits H steps."""
    fig, ax = _figure(8)
    encoder, decoder = range(3), range(5, 8)
    _cells(ax, encoder, 1, "enc")
    _cells(ax, decoder, 1, "dec")
    for x in encoder:
        _box(ax, x, 0, f"$x_{x + 1}$" if x < 2 else "$x_T$", "x")
        _arrow(ax, (x, 0.22), (x, 0.78))
    _box(ax, 3.5, 1, "$c$", "c")
    _arrow(ax, (2.32, 1), (3.18, 1))
    _arrow(ax, (3.5, 0.78), (3.5, 0.4), style="-")
    _arrow(ax, (3.5, 0.4), (decoder[-1], 0.4), style="-")
    for i, x in enumerate(decoder):
        _arrow(ax, (x, 0.4), (x, 0.78))
        _box(ax, x, 2, f"$\\hat y_{i + 1}$" if i < 2 else "$\\hat y_H$", "y")
        _arrow(ax, (x, 1.22), (x, 1.78))
    _frame(ax, 8, "encoder_decoder: a context vector c, read at each of H steps")
