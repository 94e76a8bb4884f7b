/**
 * One-to-one assignment for the pending→booked rule: the largest set of pairs, and among those
 * the cheapest (Hungarian method with potentials, O(n²·m) for n ≤ m).
 *
 * Why not greedy: taking the closest pair first can strand another row that had only one
 * candidate (a pending row on the 1st and one on the 3rd, booked rows on the 3rd and the 12th:
 * greedy pairs the two 3rds and leaves the 1st without its only match).
 */

/** A pair chosen by {@link assignOneToOne}: indices into the row and column lists. */
export interface Assignment {
  row: number;
  col: number;
}

/**
 * Pairs rows with columns one-to-one. `cost(row, col)` gives a non-negative integer, or
 * `undefined` when the two may not be paired. The result has as many pairs as any valid matching
 * can have and, among those, the least total cost; it depends only on the costs and the order of
 * rows and columns (callers sort them first so the input order never matters).
 */
export function assignOneToOne(
  rows: number,
  cols: number,
  cost: (row: number, col: number) => number | undefined,
): Assignment[] {
  if (rows === 0 || cols === 0) return [];
  // The method needs n ≤ m; solve the transposed problem when there are more rows.
  if (rows > cols) {
    return assignOneToOne(cols, rows, (r, c) => cost(c, r)).map(({ row, col }) => ({
      row: col,
      col: row,
    }));
  }
  const n = rows;
  const m = cols;
  const matrix: (number | undefined)[][] = [];
  let maxAllowed = 0;
  for (let r = 0; r < n; r++) {
    const line: (number | undefined)[] = [];
    for (let c = 0; c < m; c++) {
      const value = cost(r, c);
      if (value !== undefined && value > maxAllowed) maxAllowed = value;
      line.push(value);
    }
    matrix.push(line);
  }
  // A forbidden pair costs more than any n allowed pairs together, so the optimum uses as few of
  // them as possible, i.e. it is a maximum matching of allowed pairs; they are dropped at the end.
  const forbidden = (maxAllowed + 1) * (n + 1);
  const at = (r: number, c: number): number => matrix[r]![c] ?? forbidden;

  // 1-based arrays as in the textbook method: column 0 is the virtual start.
  const u = new Array<number>(n + 1).fill(0);
  const v = new Array<number>(m + 1).fill(0);
  const owner = new Array<number>(m + 1).fill(0);
  const way = new Array<number>(m + 1).fill(0);
  for (let i = 1; i <= n; i++) {
    owner[0] = i;
    let j0 = 0;
    const minv = new Array<number>(m + 1).fill(Infinity);
    const used = new Array<boolean>(m + 1).fill(false);
    do {
      used[j0] = true;
      const i0 = owner[j0]!;
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const reduced = at(i0 - 1, j - 1) - u[i0]! - v[j]!;
        if (reduced < minv[j]!) {
          minv[j] = reduced;
          way[j] = j0;
        }
        if (minv[j]! < delta) {
          delta = minv[j]!;
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[owner[j]!]! += delta;
          v[j]! -= delta;
        } else {
          minv[j]! -= delta;
        }
      }
      j0 = j1;
    } while (owner[j0] !== 0);
    do {
      const j1 = way[j0]!;
      owner[j0] = owner[j1]!;
      j0 = j1;
    } while (j0 !== 0);
  }

  const pairs: Assignment[] = [];
  for (let j = 1; j <= m; j++) {
    const i = owner[j]!;
    if (i !== 0 && matrix[i - 1]![j - 1] !== undefined) pairs.push({ row: i - 1, col: j - 1 });
  }
  return pairs.sort((a, b) => a.row - b.row);
}
