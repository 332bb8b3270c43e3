"""Small-cell suppression: a count below k is never shown as a number.

DOMAIN.md: Statistics Estonia never publishes cells of 1 or 2; for victim data the
threshold k is a setting (default 5) and a hidden cell is shown as "<k". Zero is not a
disclosure (no person is behind it) and is shown as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Count:
    """A count as a reader may see it: `value` is None when the cell is suppressed."""

    value: int | None
    k: int

    @property
    def suppressed(self) -> bool:
        return self.value is None

    def display(self) -> str:
        return f"<{self.k}" if self.value is None else str(self.value)


def suppress(count: int, k: int) -> Count:
    return Count(None if 0 < count < k else count, k)


# --- tables: primary and secondary suppression ----------------------------------------------

SHOWN, PRIMARY, SECONDARY = 0, 1, 2
SECONDARY_MARK = "×"


def protect_table(table: np.ndarray, k: int) -> np.ndarray:
    """Which cells of a table with margins must be hidden.

    `table` is (R+1)×(C+1): the inner R×C cells, each row's total in the last column, each
    column's total in the last row, and the grand total in the corner. Returns an array of
    the same shape: SHOWN, PRIMARY (0 < count < k) or SECONDARY (hidden only so that no
    hidden cell can be worked out from the others).

    Why it is safe: negate the margins and every row and every column of the extended table
    sums to zero, so a reader knows one linear equation per line. Hidden cells are the edges
    of a bipartite graph between lines (rows and columns); a hidden cell's value follows
    from the visible ones exactly when its edge is a bridge of that graph (no cycle runs
    through it). So: give every line with a hidden cell at least two (the classic rule),
    then break every remaining bridge by hiding one more cell that closes a cycle through
    it, always choosing the smallest count so that as little as possible is lost.
    """
    values = np.asarray(table, dtype=np.int64)
    state = np.where((values > 0) & (values < k), PRIMARY, SHOWN).astype(np.int8)
    rows, cols = values.shape
    if rows < 2 or cols < 2:
        return state
    while True:
        changed = _two_per_line(values, state)
        changed |= _close_bridges(values, state)
        if not changed:
            return state


def _hide_smallest(values: np.ndarray, state: np.ndarray, cells: list[tuple[int, int]]) -> bool:
    candidates = [cell for cell in cells if state[cell] == SHOWN]
    if not candidates:
        return False
    rows, cols = values.shape
    # Prefer inner cells over totals, and non-empty cells over empty ones.
    chosen = min(
        candidates,
        key=lambda c: (c[0] == rows - 1 or c[1] == cols - 1, values[c] == 0, values[c], c),
    )
    state[chosen] = SECONDARY
    return True


def _two_per_line(values: np.ndarray, state: np.ndarray) -> bool:
    rows, cols = values.shape
    changed = False
    for r in range(rows):
        if np.count_nonzero(state[r]) == 1:
            changed |= _hide_smallest(values, state, [(r, c) for c in range(cols)])
    for c in range(cols):
        if np.count_nonzero(state[:, c]) == 1:
            changed |= _hide_smallest(values, state, [(r, c) for r in range(rows)])
    return changed


def _close_bridges(values: np.ndarray, state: np.ndarray) -> bool:
    rows, cols = values.shape
    hidden = [(int(r), int(c)) for r, c in zip(*np.nonzero(state), strict=True)]
    for bridge in _bridges(rows, cols, hidden):
        others = [edge for edge in hidden if edge != bridge]
        side_of_row = _component(rows, cols, others, ("r", bridge[0]))
        # A cell from a row on the column's side to a column on the row's side closes a cycle.
        far_rows = [
            n for kind, n in _component(rows, cols, others, ("c", bridge[1])) if kind == "r"
        ]
        near_cols = [n for kind, n in side_of_row if kind == "c"]
        if _hide_smallest(values, state, [(r, c) for r in far_rows for c in near_cols]):
            return True
    return False


def _neighbours(
    rows: int, cols: int, edges: list[tuple[int, int]]
) -> dict[tuple[str, int], list[tuple[str, int]]]:
    graph: dict[tuple[str, int], list[tuple[str, int]]] = {
        **{("r", r): [] for r in range(rows)},
        **{("c", c): [] for c in range(cols)},
    }
    for r, c in edges:
        graph[("r", r)].append(("c", c))
        graph[("c", c)].append(("r", r))
    return graph


def _component(
    rows: int, cols: int, edges: list[tuple[int, int]], start: tuple[str, int]
) -> set[tuple[str, int]]:
    graph = _neighbours(rows, cols, edges)
    seen, stack = {start}, [start]
    while stack:
        for other in graph[stack.pop()]:
            if other not in seen:
                seen.add(other)
                stack.append(other)
    return seen


def _bridges(rows: int, cols: int, edges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Edges on no cycle (Tarjan's low-link, iterative; every cell is a distinct edge)."""
    graph: dict[tuple[str, int], list[tuple[tuple[str, int], int]]] = {
        **{("r", r): [] for r in range(rows)},
        **{("c", c): [] for c in range(cols)},
    }
    for number, (r, c) in enumerate(edges):
        graph[("r", r)].append((("c", c), number))
        graph[("c", c)].append((("r", r), number))
    order: dict[tuple[str, int], int] = {}
    low: dict[tuple[str, int], int] = {}
    found: list[tuple[int, int]] = []
    for root in graph:
        if root in order or not graph[root]:
            continue
        order[root] = low[root] = len(order)
        stack = [(root, -1, iter(graph[root]))]
        while stack:
            node, via, pending = stack[-1]
            advanced = False
            for other, number in pending:
                if number == via:
                    continue
                if other in order:
                    low[node] = min(low[node], order[other])
                else:
                    order[other] = low[other] = len(order)
                    stack.append((other, number, iter(graph[other])))
                    advanced = True
                    break
            if advanced:
                continue
            stack.pop()
            if stack:
                parent = stack[-1][0]
                low[parent] = min(low[parent], low[node])
                if low[node] > order[parent]:
                    found.append(edges[via])
    return found


def protect_series(values: np.ndarray | list[int], total: int, k: int) -> tuple[np.ndarray, int]:
    """A breakdown and its total: (state of each cell, state of the total). The total is
    hidden when it is below k; a single hidden cell gets a second one (the smallest), or,
    when every other cell is empty, the total is hidden instead."""
    counts = np.asarray(values, dtype=np.int64)
    state = np.where((counts > 0) & (counts < k), PRIMARY, SHOWN).astype(np.int8)
    total_state = PRIMARY if 0 < total < k else SHOWN
    if np.count_nonzero(state) == 1 and total_state == SHOWN:
        others = [(bool(counts[n] == 0), int(counts[n]), n) for n in np.flatnonzero(state == 0)]
        positive = [item for item in others if not item[0]]
        if positive:
            state[min(positive)[2]] = SECONDARY
        else:
            total_state = SECONDARY
    return state, total_state


def display(value: object, state: int, k: int, *, count: bool = True) -> str | object:
    """What a reader sees in a hidden cell: "<k" for a count below k, "×" otherwise."""
    if state == SHOWN:
        return value
    return f"<{k}" if state == PRIMARY and count else SECONDARY_MARK
