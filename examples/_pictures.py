"""Small pictures for the examples, drawn with Pillow (no plotting library needed).

``line_chart`` plots one or more series (a loss curve, say); ``bar_chart`` compares a few numbers;
``labelled_grid`` lays out small grayscale images with a caption under each. All write PNG files.
"""
from PIL import Image, ImageDraw

COLOURS = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189)]


def _ticks(lo, hi, n=5):
    if hi <= lo:
        hi = lo + 1.0
    return [lo + (hi - lo) * i / (n - 1) for i in range(n)]


def line_chart(series, path, title="", xlabel="step", ylabel="", size=(720, 440)):
    """``series``: {name: [y0, y1, ...]}, plotted against their index, with axes, ticks and a legend."""
    w, h = size
    left, right, top, bottom = 70, 20, 40, 50
    img = Image.new("RGB", size, "white")
    d = ImageDraw.Draw(img)
    values = [v for ys in series.values() for v in ys]
    lo, hi = min(values), max(values)
    if hi <= lo:
        hi = lo + 1.0
    n = max(len(ys) for ys in series.values())

    def x_of(i):
        return left + (w - left - right) * i / max(n - 1, 1)

    def y_of(v):
        return h - bottom - (h - top - bottom) * (v - lo) / (hi - lo)

    d.rectangle([left, top, w - right, h - bottom], outline="black")
    for v in _ticks(lo, hi):
        y = y_of(v)
        d.line([(left - 4, y), (left, y)], fill="black")
        d.line([(left, y), (w - right, y)], fill=(230, 230, 230))
        d.text((5, y - 6), f"{v:.3g}", fill="black")
    for i in sorted({round(t) for t in _ticks(0, max(n - 1, 1))}):  # whole steps only
        x = x_of(i)
        d.line([(x, h - bottom), (x, h - bottom + 4)], fill="black")
        d.text((x - 10, h - bottom + 8), str(i), fill="black")
    for k, (name, ys) in enumerate(series.items()):
        colour = COLOURS[k % len(COLOURS)]
        if len(ys) > 1:
            # earlier series drawn wider, so that one hidden under a later, equal one still shows
            d.line([(x_of(i), y_of(v)) for i, v in enumerate(ys)], fill=colour, width=2 + 3 * (len(series) - 1 - k))
        d.line([(w - right - 150, top + 12 + 16 * k), (w - right - 125, top + 12 + 16 * k)], fill=colour, width=3)
        d.text((w - right - 120, top + 6 + 16 * k), name, fill="black")
    d.text((left, 12), title, fill="black")
    d.text(((w - left) // 2 + left - 3 * len(xlabel), h - 22), xlabel, fill="black")
    d.text((5, top - 20), ylabel, fill="black")
    img.save(path)
    return path


def bar_chart(bars, path, title="", unit="", width=560):
    """``bars``: {label: value}; one horizontal bar each, the value written at its end."""
    w, left, top, row = width, 170, 50, 50
    img = Image.new("RGB", (w, top + row * len(bars) + 10), "white")
    d = ImageDraw.Draw(img)
    hi = max(bars.values()) or 1.0
    for k, (label, v) in enumerate(bars.items()):
        y = top + row * k
        d.text((10, y + 12), label, fill="black")
        d.rectangle([left, y + 5, left + (w - left - 110) * v / hi, y + row - 15], fill=COLOURS[k % len(COLOURS)])
        d.text((left + (w - left - 110) * v / hi + 8, y + 12), f"{v:.3g} {unit}", fill="black")
    d.text((10, 15), title, fill="black")
    img.save(path)
    return path


def labelled_grid(images, captions, path, colours=None, scale=4, per_row=10):
    """``images``: 2-D uint8 arrays of one size, shown ``scale`` times larger with a caption under each."""
    ih, iw = images[0].shape
    cw, ch = iw * scale + 8, ih * scale + 22
    rows = (len(images) + per_row - 1) // per_row
    img = Image.new("RGB", (cw * min(per_row, len(images)), ch * rows), "white")
    d = ImageDraw.Draw(img)
    for k, (a, text) in enumerate(zip(images, captions)):
        x, y = (k % per_row) * cw + 4, (k // per_row) * ch + 2
        img.paste(Image.fromarray(a, mode="L").resize((iw * scale, ih * scale), Image.NEAREST).convert("RGB"), (x, y))
        d.text((x + 2, y + ih * scale + 3), text, fill=(colours[k] if colours else "black"))
    img.save(path)
    return path
