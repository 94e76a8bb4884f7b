"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { useTRPC } from "../../../_trpc/react";
import styles from "../transaction.module.css";

interface EditFormProps {
  id: string;
  category: string | null;
  note: string | null;
  categories: string[];
}

/** Category and note of one transaction; a later sync keeps both. */
export function TransactionEditForm({ id, category, note, categories }: EditFormProps) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const [saved, setSaved] = useState(false);
  const update = useMutation(
    trpc.transactions.update.mutationOptions({
      onSuccess: async () => {
        setSaved(true);
        await queryClient.invalidateQueries({ queryKey: trpc.transactions.pathKey() });
        router.refresh();
      },
    }),
  );
  // The API's zod errors per field (server/api/trpc.ts flattens them).
  const fieldErrors: Partial<Record<"category" | "note", string[]>> =
    update.error?.data?.zodError?.fieldErrors ?? {};

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSaved(false);
    const data = new FormData(event.currentTarget);
    const text = (name: string) => {
      const value = data.get(name);
      return typeof value === "string" && value.trim() ? value.trim() : null;
    };
    update.mutate({ id, category: text("category"), note: text("note") });
  }

  return (
    <form
      className={`form ${styles.editForm}`}
      onSubmit={submit}
      aria-label="Edit category and note"
    >
      <div className="field">
        <label htmlFor="edit-category">Category</label>
        <input
          id="edit-category"
          name="category"
          list="edit-category-options"
          maxLength={60}
          defaultValue={category ?? ""}
          placeholder="Uncategorised"
          aria-invalid={fieldErrors.category ? true : undefined}
          aria-describedby="edit-category-hint"
        />
        <datalist id="edit-category-options">
          {categories.map((option) => (
            <option key={option} value={option} />
          ))}
        </datalist>
        <span id="edit-category-hint" className="hint">
          Pick one or type your own; leave empty for none.
        </span>
        {fieldErrors.category ? (
          <span className="field-error">{fieldErrors.category.join(" ")}</span>
        ) : null}
      </div>
      <div className="field">
        <label htmlFor="edit-note">Note</label>
        <textarea
          id="edit-note"
          name="note"
          rows={3}
          maxLength={2000}
          defaultValue={note ?? ""}
          aria-invalid={fieldErrors.note ? true : undefined}
        />
        {fieldErrors.note ? (
          <span className="field-error">{fieldErrors.note.join(" ")}</span>
        ) : null}
      </div>
      <div className={styles.formActions}>
        <button className="button" type="submit" disabled={update.isPending}>
          {update.isPending ? "Saving…" : "Save"}
        </button>
        <span role="status" className={styles.saved}>
          {saved && !update.isPending ? "Saved." : ""}
        </span>
      </div>
      {update.isError && !update.error.data?.zodError ? (
        <p className="alert" role="alert">
          {update.error.data?.code === "NOT_FOUND"
            ? "This transaction no longer exists."
            : `Not saved: ${update.error.message}`}
        </p>
      ) : null}
    </form>
  );
}
