import { useId, useState, type ReactNode } from 'react';

interface Props {
  label: ReactNode;
  value: number;
  min: number;
  max: number;
  step: number;
  onCommit(value: number): void;
  testId?: string;
  hint?: ReactNode;
  disabled?: boolean;
  /** Shown after the box, e.g. "s". */
  unit?: string;
  /** Also show a slider (mouse/touch convenience; the box is the keyboard control). */
  slider?: boolean;
}

/** 4 decimals for ordinary values; small ones (learning rates) keep 4 significant digits. */
const show = (v: number) => String(v !== 0 && Math.abs(v) < 1e-3 ? Number(v.toPrecision(4)) : Number(v.toFixed(4)));

/**
 * A labelled number box that lets people type freely: every valid in-range value is committed
 * as they type; anything else is marked invalid with the range beside it, and on leaving the box a
 * number out of range becomes the nearest end of it (500 s -> 120 s) while what is not a number
 * reverts.
 */
export function NumberField({ label, value, min, max, step, onCommit, testId, hint, disabled, unit, slider }: Props) {
  const id = useId();
  const [text, setText] = useState<string | null>(null); // null: not editing, show the value
  const shown = text ?? show(value);
  const parsed = shown.trim() === '' ? NaN : Number(shown);
  const invalid = !(Number.isFinite(parsed) && parsed >= min && parsed <= max);
  return (
    <div className={`field${slider ? ' has-slider' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <div className="field-row">
        {slider && (
          <input
            type="range"
            min={min}
            max={max}
            step={step}
            value={Math.min(max, Math.max(min, value))}
            disabled={disabled}
            tabIndex={-1}
            aria-hidden="true"
            onChange={(e) => onCommit(Number(e.currentTarget.value))}
          />
        )}
        <input
          id={id}
          type="number"
          inputMode="decimal"
          min={min}
          max={max}
          step={step}
          value={shown}
          disabled={disabled}
          data-testid={testId}
          aria-invalid={invalid || undefined}
          aria-describedby={hint || invalid ? `${id}-hint` : undefined}
          onFocus={() => setText(show(value))}
          onBlur={() => {
            if (Number.isFinite(parsed) && parsed !== value) onCommit(Math.min(max, Math.max(min, parsed)));
            setText(null);
          }}
          onChange={(e) => {
            const t = e.currentTarget.value;
            setText(t);
            const v = Number(t);
            if (t.trim() !== '' && Number.isFinite(v) && v >= min && v <= max) onCommit(v);
          }}
        />
        {unit && <span className="unit">{unit}</span>}
      </div>
      {(hint || invalid) && (
        <p id={`${id}-hint`} className={`hint${invalid ? ' is-error' : ''}`}>
          {invalid ? `From ${show(min)} to ${show(max)}${unit ? ` ${unit}` : ''}: a number outside is moved to the nearest end when you leave the box.` : hint}
        </p>
      )}
    </div>
  );
}
