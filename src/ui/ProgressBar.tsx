interface Props {
  /** 0..1, or null for "working, amount unknown". */
  value: number | null;
  label: string;
}

/** A visible bar with its label; the page's aria-live region does the announcing. */
export function ProgressBar({ value, label }: Props) {
  const pct = value === null ? null : Math.round(Math.min(1, Math.max(0, value)) * 100);
  return (
    <div className="progress">
      <div
        className={`progress-track${pct === null ? ' is-indeterminate' : ''}`}
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct ?? undefined}
      >
        <div className="progress-fill" style={pct === null ? undefined : { width: `${pct}%` }} />
      </div>
      <span className="progress-label">
        {label}
        {pct !== null && ` ${pct}%`}
      </span>
    </div>
  );
}
