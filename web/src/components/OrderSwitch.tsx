"use client";

export function OrderSwitch({ order, onChange }: { order: string; onChange: (order: string) => void }) {
  return (
    <div className="switch" role="group" aria-label="Order">
      {[
        ["top", "Top"],
        ["recent", "Recent"],
      ].map(([value, label]) => (
        <button
          key={value}
          type="button"
          className={order === value ? "button" : "button secondary"}
          aria-pressed={order === value}
          onClick={() => onChange(value)}
        >
          {label}
        </button>
      ))}
    </div>
  );
}
