import { Component, type ErrorInfo, type ReactNode } from 'react';

interface Props {
  /** What this part of the page is, for the message ("the takes"). */
  area: string;
  children: ReactNode;
}

/**
 * A part of the page that fails to draw shows why, with *Try again*, instead of blanking the whole
 * studio: the other parts, and everything in the session, keep working.
 */
export class ErrorBoundary extends Component<Props, { error: Error | null }> {
  state = { error: null as Error | null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  componentDidCatch(error: Error, info: ErrorInfo) {
    console.error(`MusicGen Studio: ${this.props.area} could not be drawn`, error, info.componentStack);
  }

  render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <div className="panel area-error" role="alert" data-testid="area-error">
        <p>
          Something went wrong while showing {this.props.area}: {error.message}. Your clips, takes and
          models are unaffected.
        </p>
        <button type="button" onClick={() => this.setState({ error: null })}>
          Try again
        </button>
      </div>
    );
  }
}
