// What the cooperation, workflow and shares forms have in common: a change sent to the node with
// its busy state and error, and a set of checkboxes. Kept out of common.tsx, which the inbox's
// first load carries.
import { useState } from 'preact/hooks';
import { errorText } from './common';

export interface Action {
  busy: boolean;
  error: string;
  setError: (error: string) => void;
  // Runs `act` with the error cleared and `busy` set, and shows what it throws; true when it did
  // not throw. `leaves`: `act` leaves the page when it succeeds, so `busy` stays set.
  run: (act: () => Promise<unknown>, leaves?: boolean) => Promise<boolean>;
}

// `busy: false` for a form that does not show it: running then re-renders only to show an error,
// so a controlled input the user just changed keeps its state until what it changed is reloaded.
export function useAction({ busy: tracked = true } = {}): Action {
  const [busy, setBusyState] = useState(false);
  const [error, setError] = useState('');
  const setBusy = (b: boolean) => tracked && setBusyState(b);
  const run = async (act: () => Promise<unknown>, leaves = false) => {
    setBusy(true);
    setError('');
    try {
      await act();
      if (!leaves) setBusy(false);
      return true;
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
      return false;
    }
  };
  return { busy, error, setError, run };
}

// One checkbox a value, each labelled by `label`; `onChange` gets the values checked, in the order
// they were checked.
export function Checkboxes({ legend, values, checked, onChange, label, testid }: {
  legend: string; values: readonly string[]; checked: string[]; onChange: (checked: string[]) => void;
  label: (value: string) => string; testid?: string;
}) {
  return (
    <fieldset class="choices" data-testid={testid}>
      <legend>{legend}</legend>
      {values.map((v) => (
        <label class="inline">
          <input type="checkbox" value={v} checked={checked.includes(v)}
            onChange={(e) => onChange((e.target as HTMLInputElement).checked ? [...checked, v] : checked.filter((x) => x !== v))} />
          {label(v)}
        </label>
      ))}
    </fieldset>
  );
}
