"""A line chart of exact wei values. Floats appear only here, for plotting; labels come from the exact
integers. The plot is rebuilt only when its data changes, so a 4 Hz refresh costs nothing when idle."""

from __future__ import annotations

from collections.abc import Sequence

from textual_plotext import PlotextPlot

from dexbot.core.units import WEI_PER_ETH
from dexbot.tui.fmt import int_ticks


class WeiChart(PlotextPlot):
    def __init__(self, *, x_label: str, y_label: str, id: str | None = None) -> None:
        super().__init__(id=id)
        self._x_label = x_label
        self._y_label = y_label
        self._data: tuple[tuple[float, int], ...] = ()

    def on_mount(self) -> None:
        self._draw()

    def show(self, points: Sequence[tuple[float, int]], *, scale: int = WEI_PER_ETH) -> None:
        data = tuple(points)
        if data == self._data:
            return
        self._data = data
        self._scale = scale
        self._draw()

    def _draw(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.xlabel(self._x_label)
        plt.ylabel(self._y_label)
        if self._data:
            scale = getattr(self, "_scale", WEI_PER_ETH)
            xs = [float(x) for x, _ in self._data]
            ys = [y / scale for _, y in self._data]
            plt.plot(xs, ys, marker="braille")
            plt.xticks(*int_ticks(xs))
            low, high = min(ys), max(ys)
            if high - low < abs(high) * 1e-9:  # flat: plotext would span ±50%; keep the value readable
                pad = abs(high) * 0.001 or 1e-9
                plt.ylim(low - pad, high + pad)
        self.refresh()
