import { type InputHTMLAttributes, type ReactNode, useId } from 'react';

import type { ErrorView } from '../errors';
import type { Notice } from '../session';

interface FieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, 'onChange' | 'value'> {
  label: string;
  value: string;
  onChange: (value: string) => void;
  /** The API's property path, for the validation messages filed under it. */
  path: string;
  error?: ErrorView | null;
  hint?: string;
}

/** A labelled input with its hint and its validation messages, announced with the field. */
export function Field({ label, value, onChange, path, error, hint, ...input }: FieldProps) {
  const id = useId();
  const messages = error?.fields[path] ?? [];
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = messages.length > 0 ? `${id}-error` : undefined;
  return (
    <div className={messages.length > 0 ? 'field field-invalid' : 'field'}>
      <label htmlFor={id}>
        {label}
        {input.required ? null : <span className="optional"> (optional)</span>}
      </label>
      <input
        id={id}
        name={path}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={messages.length > 0 || undefined}
        aria-describedby={[hintId, errorId].filter(Boolean).join(' ') || undefined}
        {...input}
      />
      {hint ? (
        <p id={hintId} className="hint">
          {hint}
        </p>
      ) : null}
      {errorId ? (
        <ul id={errorId} className="field-error" data-testid={`field-error-${path}`}>
          {messages.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** The button of a form: disabled and saying what it does while the request is in flight. */
export function SubmitButton({ busy, label, busyLabel }: { busy: boolean; label: string; busyLabel: string }) {
  return (
    <button type="submit" className="primary" disabled={busy} aria-disabled={busy}>
      {busy ? (
        <>
          <span className="spinner" aria-hidden="true" />
          {busyLabel}
        </>
      ) : (
        label
      )}
    </button>
  );
}

/** The failure of the last request of a form: one sentence, plus messages no field took. */
export function ErrorSummary({ error, children }: { error: ErrorView | null; children?: ReactNode }) {
  if (!error) {
    return null;
  }
  const unfiled = error.fields[''] ?? [];
  return (
    <div className="alert alert-error" role="alert" data-testid="form-error">
      <p>{error.message}</p>
      {unfiled.length > 0 ? (
        <ul>
          {unfiled.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      ) : null}
      {children}
    </div>
  );
}

export function NoticeBox({ notice }: { notice?: Notice | null }) {
  if (!notice) {
    return null;
  }
  return (
    <div
      className={`alert alert-${notice.tone}`}
      role={notice.tone === 'info' ? 'status' : 'alert'}
      data-testid="notice"
    >
      {notice.text}
    </div>
  );
}

/** A section that is loading: announced, and marked busy for assistive technology. */
export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status" aria-busy="true">
      <span className="spinner" aria-hidden="true" />
      Loading {what}…
    </p>
  );
}
