// A form's labelled input, the same markup on every form: `.field`, the label tied to the input by id.
import type { InputHTMLAttributes, ReactNode } from "react";

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, "id" | "value" | "onChange">;

/** `onChange` is given the input's new value; every other prop goes to the input as it is. */
export function Field({
  id,
  label,
  value,
  onChange,
  ...input
}: InputProps & { id: string; label: ReactNode; value: string; onChange: (value: string) => void }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} {...input} value={value} onChange={(event) => onChange(event.target.value)} />
    </div>
  );
}
