"use client";

import { startTransition, useActionState, useState } from "react";
import type { Theme } from "@/app/_components/theme";
import { saveThemeAction } from "../actions";
import type { SettingsFormState } from "../form-state";
import { FormMessage } from "./form-message";
import styles from "../settings.module.css";

const OPTIONS: ReadonlyArray<{ value: Theme; label: string; hint: string }> = [
  { value: "system", label: "System", hint: "Follows this device's light or dark setting." },
  { value: "light", label: "Light", hint: "Dark text on a light background." },
  { value: "dark", label: "Dark", hint: "Light text on a dark background." },
];

/**
 * System / Light / Dark. Choosing one saves it at once (the action is called directly rather
 * than by submitting the form, whose reset after each answer could undo a choice made while the
 * previous one was saving); the Save button does the same without JavaScript.
 */
export function ThemeForm({ current }: { current: Theme }) {
  const [state, formAction, pending] = useActionState<SettingsFormState, FormData>(
    saveThemeAction,
    {},
  );
  const [value, setValue] = useState<Theme>(current);
  return (
    <form className="form" action={formAction}>
      <fieldset className={styles.choices}>
        <legend>Theme for this browser</legend>
        {OPTIONS.map((option) => (
          <div key={option.value} className={styles.choice}>
            <input
              type="radio"
              id={`theme-${option.value}`}
              name="theme"
              value={option.value}
              checked={value === option.value}
              aria-describedby={`theme-${option.value}-hint`}
              onChange={() => {
                setValue(option.value);
                const data = new FormData();
                data.set("theme", option.value);
                startTransition(() => formAction(data));
              }}
            />
            <label htmlFor={`theme-${option.value}`}>{option.label}</label>
            <span className={styles.choiceHint} id={`theme-${option.value}-hint`}>
              {option.hint}
            </span>
          </div>
        ))}
      </fieldset>
      <FormMessage state={state} />
      <div>
        <button className="button button-quiet" type="submit" disabled={pending}>
          {pending ? "Saving…" : "Save theme"}
        </button>
      </div>
    </form>
  );
}
