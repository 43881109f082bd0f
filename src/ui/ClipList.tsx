import { useShallow } from 'zustand/react/shallow';
import { selectClipIds } from '../state/selectors';
import { ClipCard } from './ClipCard';
import { useStudio } from './StoreContext';

export function ClipList() {
  const ids = useStudio(useShallow(selectClipIds));
  if (ids.length === 0) {
    return <p className="empty-hint">Your clips will appear here with their waveform and token grid.</p>;
  }
  return (
    <section aria-labelledby="clips-heading" className="clips">
      <h2 id="clips-heading">
        Clips <span className="count">{ids.length}</span>
      </h2>
      <ol className="clip-list">
        {ids.map((id) => (
          <ClipCard key={id} id={id} />
        ))}
      </ol>
    </section>
  );
}
