import styles from "../accounts.module.css";

const WIDTH = 120;
const HEIGHT = 32;

/**
 * A 90-day balance line as inline SVG (no script, no inline style, so the CSP stays strict).
 * Amounts are exact decimal strings; they become numbers here only to place points on screen.
 */
export function Sparkline({
  points,
  label,
}: {
  points: ReadonlyArray<{ date: string; balance: string }>;
  label: string;
}) {
  if (points.length < 2) return null;
  const values = points.map((point) => Number(point.balance));
  const min = Math.min(...values);
  const max = Math.max(...values);
  const span = max - min || 1;
  const step = WIDTH / (values.length - 1);
  const coordinates = values
    .map((value, index) => {
      const x = index * step;
      const y = HEIGHT - 2 - ((value - min) / span) * (HEIGHT - 4);
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(" ");
  return (
    <svg
      className={styles.sparkline}
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      width={WIDTH}
      height={HEIGHT}
      role="img"
      aria-label={label}
      preserveAspectRatio="none"
    >
      <polyline points={coordinates} fill="none" stroke="currentColor" strokeWidth="1.5" />
    </svg>
  );
}
