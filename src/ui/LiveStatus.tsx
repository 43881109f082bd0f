import { useStudio } from './StoreContext';

/** The page's polite live region: progress and results, read by screen readers, shown to all. */
export function LiveStatus() {
  const { text, seq } = useStudio((s) => s.announcement);
  return (
    <div className="live-status" role="status" aria-live="polite" data-testid="status">
      <span key={seq}>{text}</span>
    </div>
  );
}
