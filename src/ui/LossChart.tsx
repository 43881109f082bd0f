import { useId } from 'react';
import type { TrainPoint } from '../state/trainingTypes';

interface Props {
  points: TrainPoint[];
  /** The run's total steps (the x axis runs 0..steps); defaults to the last point's step. */
  steps?: number;
}

const W = 320;
const H = 150;
const PAD = { l: 38, r: 8, t: 8, b: 30 };
const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2));

/** Train loss as a line and validation loss as dots, against the step; axes labelled. */
export function LossChart({ points, steps }: Props) {
  const id = useId();
  const train = points.filter((p) => Number.isFinite(p[1]));
  const val = points.filter((p): p is [number, number, number] => p[2] !== null && Number.isFinite(p[2]));
  const xMax = Math.max(1, steps ?? 0, points.at(-1)?.[0] ?? 0);
  const ys = [...train.map((p) => p[1]), ...val.map((p) => p[2])];
  let lo = ys.length ? Math.min(...ys) : 0;
  let hi = ys.length ? Math.max(...ys) : 1;
  if (hi - lo < 1e-6) {
    lo -= 0.5;
    hi += 0.5;
  }
  const pad = (hi - lo) * 0.08;
  lo -= pad;
  hi += pad;
  const x = (step: number) => PAD.l + (step / xMax) * (W - PAD.l - PAD.r);
  const y = (v: number) => PAD.t + (1 - (v - lo) / (hi - lo)) * (H - PAD.t - PAD.b);
  const line = train.map((p) => `${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(' ');
  const last = train.at(-1);
  const lastVal = val.at(-1);
  const summary = last
    ? `Loss chart: ${train.length} steps of ${xMax}, latest loss ${last[1].toFixed(2)}${lastVal ? `, validation ${lastVal[2].toFixed(2)}` : ''}.`
    : 'Loss chart: no training steps yet.';
  const x0 = PAD.l;
  const y0 = H - PAD.b;

  return (
    <figure className="loss-chart">
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-labelledby={`${id}-t`}
        data-testid="loss-chart"
        data-points={train.length}
        data-val-points={val.length}
      >
        <title id={`${id}-t`}>{summary}</title>
        <line className="axis" x1={x0} y1={PAD.t} x2={x0} y2={y0} />
        <line className="axis" x1={x0} y1={y0} x2={W - PAD.r} y2={y0} />
        <text className="tick" x={x0 - 4} y={y(hi - pad) + 3} textAnchor="end">{fmt(hi - pad)}</text>
        <text className="tick" x={x0 - 4} y={y(lo + pad) + 3} textAnchor="end">{fmt(lo + pad)}</text>
        <text className="tick" x={x0} y={y0 + 12} textAnchor="start">0</text>
        <text className="tick" x={W - PAD.r} y={y0 + 12} textAnchor="end">{xMax}</text>
        <text className="axis-label" x={(x0 + W - PAD.r) / 2} y={H - 4} textAnchor="middle">Step</text>
        <text className="axis-label" x={10} y={(PAD.t + y0) / 2} textAnchor="middle" transform={`rotate(-90 10 ${(PAD.t + y0) / 2})`}>
          Loss
        </text>
        {train.length > 1 && <polyline className="train-line" points={line} />}
        {train.length === 1 && <circle className="train-dot" cx={x(train[0][0])} cy={y(train[0][1])} r={2.5} />}
        {val.map((p) => (
          <circle key={p[0]} className="val-dot" cx={x(p[0])} cy={y(p[2])} r={3.5} />
        ))}
      </svg>
      <figcaption className="loss-legend">
        <span className="key key-train" aria-hidden="true" /> train loss
        <span className="key key-val" aria-hidden="true" /> validation loss
      </figcaption>
    </figure>
  );
}
