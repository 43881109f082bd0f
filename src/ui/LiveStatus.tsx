import type { ShowTarget } from '../state/types';
import { useStudio } from './StoreContext';

const cardSelector = (t: ShowTarget) => (t.kind === 'take' ? `[data-take-id="${t.id}"]` : `[data-clip-id="${t.id}"]`);

/** Brings a take or clip card into view and puts the keyboard on its first button (Play). */
function showCard(t: ShowTarget): void {
  const card = document.querySelector<HTMLElement>(cardSelector(t));
  if (!card) return;
  card.scrollIntoView({ block: 'center', behavior: 'smooth' });
  const play = card.querySelector<HTMLElement>('.clip-actions button');
  if (play) play.focus({ preventScroll: true });
  else {
    card.tabIndex = -1; // a card without actions (an error) takes the focus itself, not its remove button
    card.focus({ preventScroll: true });
  }
}

/**
 * The page's polite live region: progress and results, read by screen readers, shown to all.
 * When the news is about a take or clip (one just finished), a Show button takes you to it:
 * on a phone the new card is far down the page.
 */
export function LiveStatus() {
  const { text, seq, show } = useStudio((s) => s.announcement);
  const exists = useStudio((s) => !!show && (show.kind === 'take' ? s.takes.some((t) => t.id === show.id) : s.clips.some((c) => c.id === show.id)));
  return (
    <div className="footer-row">
      <div className="live-status" role="status" aria-live="polite" data-testid="status">
        <span key={seq}>{text}</span>
      </div>
      {show && exists && (
        <button type="button" className="link-button status-show" data-testid="status-show" onClick={() => showCard(show)}
          aria-label={show.kind === 'take' ? 'Show the take' : 'Show the clip'}>
          Show
        </button>
      )}
    </div>
  );
}
